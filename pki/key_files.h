// Internal to pki/: reading and writing the small PEM files of the internal CA.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orch::pki::internal {

/// Largest CA certificate or key file read, in bytes.
inline constexpr size_t kMaxPemFileBytes = 1 << 20;

/// True when `path` exists (as anything); false when it does not or cannot be examined.
bool FileExists(const std::string& path);

/// The contents of the regular file at `path` (at most kMaxPemFileBytes). With
/// `refuse_world_access`, a file readable or writable by others (mode & 007) is refused with
/// FailedPrecondition naming the path and `chmod`. Wipe the result when it holds a key.
StatusOr<std::string> ReadPemFile(const std::string& path, bool refuse_world_access);

/// Writes `contents` to `path` with `mode` (whatever the umask): to a temporary name in the
/// same directory, fsynced, then renamed without replacing an existing file
/// (AlreadyExists when `path` appeared meanwhile).
Status WriteNewFile(const std::string& path, std::string_view contents, mode_t mode);

}  // namespace orch::pki::internal
