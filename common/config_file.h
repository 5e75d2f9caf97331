// Reading configuration files and what systemd says about where a service keeps its state:
// what orchd's configuration (config/) and orch-agent's (agent/) share outside of YAML.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orch {

/// The largest configuration file read; a configuration is a few KiB.
inline constexpr size_t kMaxConfigFileBytes = size_t{1} << 20;

/// Reads the configuration file at `path` whole. Errors name the path: "path: cannot open:
/// reason", "path: larger than 1 MiB; not a configuration file".
StatusOr<std::string> ReadConfigFile(const std::string& path);

/// The first directory of `state_directory`, the value systemd's StateDirectory= sets as
/// $STATE_DIRECTORY (several directories are joined by ':'); "" when it is empty.
std::string FirstStateDirectory(std::string_view state_directory);

}  // namespace orch
