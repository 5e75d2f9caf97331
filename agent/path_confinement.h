// Keeping the agent's writes inside the directories its configuration allows (store_roots).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace orch::agent {

/// The real path of `store_path` when it lies beneath one of `store_roots`.
///
/// `..` and symbolic links are resolved in the part of the path that exists (the file itself
/// may not exist yet), and in each root too, so a symbolic link inside a root that leads out
/// of every root is refused while one that stays inside is followed. Roots that do not exist
/// are skipped. A root itself is not a store path. Errors name the store path:
/// InvalidArgument when it is empty, relative or contains NUL; PermissionDenied when it is
/// outside every root, climbs with `..` out of a directory that does not exist, or runs
/// through a symbolic link whose target does not exist; FailedPrecondition when it cannot be
/// resolved (a file used as a directory, a loop of links, no permission). The answer holds
/// for the file system as it is during the call: whoever may rename directories inside a
/// root can still move a resolved path elsewhere afterwards.
StatusOr<std::string> ConfineStorePath(const std::string& store_path,
                                       const std::vector<std::string>& store_roots);

}  // namespace orch::agent
