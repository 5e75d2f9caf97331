// How an answer example of the API reference compares with the real answer, and the documented
// ids that stand for real ones when later examples are sent.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace orch::e2e::docs {

/// True for "...", and for "<...>" strings: a value the example leaves open.
bool IsPlaceholder(const std::string& value);

/// Documented values standing for real ones: ids the examples show, learned from real answers
/// or set by the test for what it created beforehand, and placeholders it fills.
class Substitutions {
 public:
  /// Replaces `documented` wherever a request carries it as a whole string (or, for GUIDs, in
  /// a target).
  void SetString(const std::string& documented, const std::string& real);
  /// Replaces `documented` in request members whose name ends in "Id" or "Ids".
  void SetNumber(int64_t documented, int64_t real);
  /// `body` with the documented values replaced. A placeholder or an abbreviated value ("...")
  /// left without a real value is a problem: the example cannot run as written.
  nlohmann::json Apply(const nlohmann::json& body, std::vector<std::string>* problems) const;
  /// `target` with every known GUID replaced.
  std::string ApplyToTarget(const std::string& target) const;
  /// Takes the GUIDs, the `secret` values and the integer `...Id` members of a documented
  /// answer to stand for the values at the same place in the real one.
  void Learn(const nlohmann::json& documented, const nlohmann::json& real,
             const std::string& member = "");

 private:
  nlohmann::json ApplyTo(const nlohmann::json& value, const std::string& member,
                         std::vector<std::string>* problems) const;
  std::map<std::string, std::string> strings_;
  std::map<int64_t, int64_t> numbers_;
};

/// One difference between a documented answer and the real one.
struct Difference {
  bool member = false;  // a member missing or extra (not a value of another type)
  std::string path;     // where: "Session.Token", "[2].JobId"
  std::string text;
};

/// Compares a documented answer with the real one: objects have exactly the same member
/// names; a concrete value has the real value's type (integers, other numbers, strings,
/// booleans, null); placeholders match anything; a non-empty array shows the shape of every
/// real element and is not answered empty; an empty array or object is answered empty.
std::vector<Difference> CompareAnswer(const nlohmann::json& documented, const nlohmann::json& real,
                                      const std::string& at = "");

/// Compares one documented row with a list answer: a non-empty array whose every row has
/// exactly the documented members and of which at least one row matches it in full.
std::vector<Difference> CompareRows(const nlohmann::json& documented_row,
                                    const nlohmann::json& real);

}  // namespace orch::e2e::docs
