#include "common/source_map.h"

namespace orch {

void SourceMap::Add(std::string setting, int line, int column) {
  positions_.emplace(std::move(setting), Position{line, column});
}

bool SourceMap::Has(std::string_view setting) const {
  return positions_.find(setting) != positions_.end();
}

std::string SourceMap::Locate(std::string_view setting, std::string_view message) const {
  std::string where;
  auto it = positions_.find(setting);
  if (it != positions_.end()) {
    where = filename_ + ":" + std::to_string(it->second.line) + ":" +
            std::to_string(it->second.column) + ": ";
  } else if (!filename_.empty()) {
    where = filename_ + ": ";
  }
  return where + std::string(setting) + ": " + std::string(message);
}

}  // namespace orch
