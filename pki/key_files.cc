#include "pki/key_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/atomic_file.h"
#include "common/file_io.h"

namespace orch::pki::internal {
namespace {

Status CheckMode(int fd, const std::string& path, bool refuse_world_access) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoStatus("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return FailedPreconditionError(path + " is not a regular file");
  if (refuse_world_access && (st.st_mode & 007) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return FailedPreconditionError(path + " has mode " + mode +
                                   " and is accessible to others; run `chmod o-rwx " + path + "`");
  }
  if (static_cast<size_t>(st.st_size) > kMaxPemFileBytes) {
    return FailedPreconditionError(path + " is larger than 1 MiB");
  }
  return Status::Ok();
}

}  // namespace

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

StatusOr<std::string> ReadPemFile(const std::string& path, bool refuse_world_access) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) return ErrnoStatus("cannot open", path, errno);
  ORCH_RETURN_IF_ERROR(CheckMode(fd.Get(), path, refuse_world_access));
  return ReadUpTo(fd.Get(), path, kMaxPemFileBytes);
}

Status WriteNewFile(const std::string& path, std::string_view contents, mode_t mode) {
  return WriteFileAtomically(path, contents, {.mode = mode, .replace_existing = false});
}

}  // namespace orch::pki::internal
