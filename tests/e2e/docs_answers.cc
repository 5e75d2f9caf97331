#include "tests/e2e/docs_answers.h"

#include <algorithm>

#include "common/guid.h"

namespace orch::e2e::docs {
namespace {

using nlohmann::json;

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Compares concrete leaves (and containers as a whole) by JSON type; integers apart.
bool SameType(const json& documented, const json& real) {
  if (documented.is_number_integer()) return real.is_number_integer();
  if (documented.is_number()) return real.is_number();
  return documented.type() == real.type();
}

std::string TypeName(const json& value) {
  if (value.is_number_integer()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_null()) return "null";
  if (value.is_array()) return "an array";
  return "an object";
}

std::string Label(const std::string& at) {
  return at.empty() ? "the answer" : at;
}

std::string Member(const std::string& at, const std::string& name) {
  return at.empty() ? name : at + "." + name;
}

void Compare(const json& documented, const json& real, const std::string& at,
             std::vector<Difference>& out) {
  if (documented.is_string() && IsPlaceholder(documented.get<std::string>())) return;
  if (!SameType(documented, real)) {
    out.push_back({false, at,
                   Label(at) + " is " + TypeName(documented) + " in the example but " +
                       TypeName(real) + " in the real answer (" + real.dump() + ")"});
    return;
  }
  if (documented.is_object()) {
    for (const auto& [name, value] : documented.items()) {
      if (!real.contains(name)) {
        out.push_back(
            {true, Member(at, name), Member(at, name) + " is documented but not answered"});
      } else {
        Compare(value, real[name], Member(at, name), out);
      }
    }
    for (const auto& [name, value] : real.items()) {
      if (!documented.contains(name)) {
        out.push_back(
            {true, Member(at, name),
             Member(at, name) + " is answered (" + value.dump() + ") but not documented"});
      }
    }
  } else if (documented.is_array()) {
    if (documented.empty() != real.empty()) {
      out.push_back({false, at,
                     Label(at) + " is " + (documented.empty() ? "empty" : "not empty") +
                         " in the example but " + real.dump() + " in the real answer"});
      return;
    }
    for (size_t i = 0; i < real.size(); ++i) {
      Compare(documented[std::min(i, documented.size() - 1)], real[i],
              at + "[" + std::to_string(i) + "]", out);
    }
  }
}

}  // namespace

bool IsPlaceholder(const std::string& value) {
  return value == "..." || (value.size() >= 2 && value.front() == '<' && value.back() == '>');
}

void Substitutions::SetString(const std::string& documented, const std::string& real) {
  strings_[documented] = real;
}

void Substitutions::SetNumber(int64_t documented, int64_t real) {
  numbers_[documented] = real;
}

json Substitutions::Apply(const json& body, std::vector<std::string>* problems) const {
  return ApplyTo(body, "", problems);
}

json Substitutions::ApplyTo(const json& value, const std::string& member,
                            std::vector<std::string>* problems) const {
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [name, item] : value.items()) out[name] = ApplyTo(item, name, problems);
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const json& item : value) out.push_back(ApplyTo(item, member, problems));
    return out;
  }
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (auto found = strings_.find(text); found != strings_.end()) return found->second;
    if (IsPlaceholder(text) || text.find("...") != std::string::npos) {
      problems->push_back("the request holds " + value.dump() +
                          ", which the test has no real value for");
    }
    return value;
  }
  if (value.is_number_integer() && (EndsWith(member, "Id") || EndsWith(member, "Ids"))) {
    if (auto found = numbers_.find(value.get<int64_t>()); found != numbers_.end()) {
      return found->second;
    }
  }
  return value;
}

std::string Substitutions::ApplyToTarget(const std::string& target) const {
  std::string out = target;
  for (const auto& [documented, real] : strings_) {
    if (!IsGuid(documented)) continue;
    for (size_t at = 0; (at = out.find(documented, at)) != std::string::npos; at += real.size()) {
      out.replace(at, documented.size(), real);
    }
  }
  return out;
}

void Substitutions::Learn(const json& documented, const json& real, const std::string& member) {
  if (documented.is_object() && real.is_object()) {
    for (const auto& [name, value] : documented.items()) {
      if (real.contains(name)) Learn(value, real[name], name);
    }
  } else if (documented.is_array() && real.is_array()) {
    for (size_t i = 0; i < std::min(documented.size(), real.size()); ++i) {
      Learn(documented[i], real[i], member);
    }
  } else if (documented.is_string() && real.is_string()) {
    const std::string& text = documented.get_ref<const std::string&>();
    if (!IsPlaceholder(text) && (IsGuid(text) || member == "secret")) {
      strings_[text] = real.get<std::string>();
    }
  } else if (documented.is_number_integer() && real.is_number_integer() && EndsWith(member, "Id")) {
    numbers_[documented.get<int64_t>()] = real.get<int64_t>();
  }
}

std::vector<Difference> CompareAnswer(const json& documented, const json& real,
                                      const std::string& at) {
  std::vector<Difference> out;
  Compare(documented, real, at, out);
  return out;
}

std::vector<Difference> CompareRows(const json& documented_row, const json& real) {
  if (!real.is_array() || real.empty()) {
    return {{false, "",
             "a list with at least one row is expected, the real answer is " +
                 real.dump().substr(0, 200)}};
  }
  std::vector<Difference> out;
  std::vector<Difference> first_row;
  bool any_matches = false;
  for (size_t i = 0; i < real.size(); ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    std::vector<Difference> row = CompareAnswer(documented_row, real[i], at);
    any_matches = any_matches || row.empty();
    if (i == 0) first_row = row;
    // Every row has the documented members; their values may differ in type with its state.
    for (Difference& difference : row) {
      const bool top_level =
          difference.path.find_first_of(".[", at.size() + 1) == std::string::npos;
      if (difference.member && top_level) {
        out.push_back(std::move(difference));
      }
    }
  }
  if (!any_matches) {
    out.push_back({false, "", "no row matches the example in full; the first row differs:"});
    out.insert(out.end(), first_row.begin(), first_row.end());
  }
  return out;
}

}  // namespace orch::e2e::docs
