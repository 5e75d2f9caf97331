// ParseYaml that also records where each setting was written, for the checks made after
// parsing (check.cc). Internal to config/.
#pragma once

#include <string_view>

#include "common/source_map.h"
#include "common/status.h"
#include "config/config.h"

namespace orch::config {

/// ParseYaml that also records in `map` where each setting it read was written.
StatusOr<Config> ParseYaml(std::string_view text, std::string_view filename, SourceMap& map);

}  // namespace orch::config
