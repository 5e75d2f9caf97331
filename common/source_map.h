// SourceMap: where each setting of a configuration file was written, so that checks made after
// parsing report "file:line:col: setting: message" like the parser does (common/yaml_reader.h).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace orch {

/// The 1-based position of each setting's value, by dotted name ("control.group",
/// "roles[0].users[1]").
class SourceMap {
 public:
  /// `filename` is empty when there is no file (the embedded defaults).
  explicit SourceMap(std::string filename) : filename_(std::move(filename)) {}

  /// Records where `setting` was written; the first record of a setting stays.
  void Add(std::string setting, int line, int column);
  /// True when the file sets `setting`.
  bool Has(std::string_view setting) const;
  /// "file:line:col: setting: message"; "file: setting: message" when the file does not set
  /// `setting` (its value is a default); "setting: message" without a file.
  std::string Locate(std::string_view setting, std::string_view message) const;

 private:
  struct Position {
    int line;
    int column;
  };
  std::string filename_;
  std::map<std::string, Position, std::less<>> positions_;
};

}  // namespace orch
