#include "pki/key_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "common/guid.h"
#include "pki/hash.h"

namespace orch::pki::internal {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int Get() const { return fd_; }
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

Status ErrnoError(std::string_view what, const std::string& path, int error) {
  std::string message = std::string(what) + " " + path + ": " + std::strerror(error);
  if (error == ENOSPC || error == EDQUOT) return ResourceExhaustedError(std::move(message));
  if (error == EACCES || error == EPERM || error == ENOENT || error == ENOTDIR || error == EROFS ||
      error == EISDIR || error == EEXIST) {
    return FailedPreconditionError(std::move(message));
  }
  return InternalError(std::move(message));
}

Status CheckMode(int fd, const std::string& path, bool refuse_world_access) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoError("cannot stat", path, errno);
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

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot write", path, errno);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status WriteTemp(const std::string& temp, std::string_view contents, mode_t mode) {
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.Get() < 0) return ErrnoError("cannot create", temp, errno);
  if (::fchmod(fd.Get(), mode) != 0) return ErrnoError("cannot chmod", temp, errno);
  ORCH_RETURN_IF_ERROR(WriteAll(fd.Get(), contents, temp));
  if (::fsync(fd.Get()) != 0) return ErrnoError("cannot fsync", temp, errno);
  if (fd.Close() != 0) return ErrnoError("cannot close", temp, errno);
  return Status::Ok();
}

Status Install(const std::string& temp, const std::string& path) {
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
    return Status::Ok();
  }
  // Filesystems without RENAME_NOREPLACE get a link, which refuses an existing name too.
  if ((errno == EINVAL || errno == ENOSYS) && ::link(temp.c_str(), path.c_str()) == 0) {
    ::unlink(temp.c_str());
    return Status::Ok();
  }
  return ErrnoError("cannot install", path, errno);
}

}  // namespace

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

StatusOr<std::string> ReadPemFile(const std::string& path, bool refuse_world_access) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.Get() < 0) return ErrnoError("cannot open", path, errno);
  ORCH_RETURN_IF_ERROR(CheckMode(fd.Get(), path, refuse_world_access));
  std::string content(kMaxPemFileBytes, '\0');
  size_t filled = 0;
  while (filled < content.size()) {
    ssize_t n = ::read(fd.Get(), content.data() + filled, content.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      Cleanse(content);
      return ErrnoError("cannot read", path, error);
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  content.resize(filled);
  return content;
}

Status WriteNewFile(const std::string& path, std::string_view contents, mode_t mode) {
  const std::string temp = path + ".tmp-" + HexEncode(RandomBytes(8));
  Status status = WriteTemp(temp, contents, mode);
  if (status.ok()) status = Install(temp, path);
  if (!status.ok()) ::unlink(temp.c_str());
  return status;
}

}  // namespace orch::pki::internal
