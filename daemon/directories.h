// The directories orchd creates at start for its state.
#pragma once

#include "common/status.h"
#include "config/config.h"

namespace orch::daemon {

/// Mode of a directory orchd creates (less the umask): the owner writes, its group may look.
inline constexpr unsigned kDirectoryMode = 0750;

/// Creates `state_dir` and the missing directories of the files orchd creates: the database
/// (`store.path`), the master key and, when orchd generates the CA, its certificate and key.
/// Missing parents are created too (mkdir -p), each with kDirectoryMode; existing directories
/// are left as they are.
Status CreateStateDirectories(const config::Config& config);

}  // namespace orch::daemon
