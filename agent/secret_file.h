// The agent secret's value file: read as orchd reads its master key, refusing a file that
// group or others can access.
#pragma once

#include <string>

#include "common/status.h"

namespace orch::agent {

/// The largest secret value file read; a secret is 43 characters.
inline constexpr size_t kMaxSecretFileBytes = 4096;

/// The first line of the file at `path` (without its line ending). The file must be a regular
/// file that group and others cannot access (mode 0600 or stricter), at most 4 KiB, and its
/// first line must not be empty. Errors name the path and never the value.
StatusOr<std::string> ReadSecretValue(const std::string& path);

}  // namespace orch::agent
