// Small file-descriptor helpers shared by the code that reads and writes files: an owning
// descriptor, errno as a Status, and a bounded read.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace orch {

/// Owns a file descriptor and closes it when destroyed. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(-1); }

  int Get() const { return fd_; }
  bool Valid() const { return fd_ >= 0; }
  /// Gives up ownership without closing.
  int Release() { return std::exchange(fd_, -1); }
  /// Closes now and returns close(2)'s result, which may report a failed buffered write.
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  void Reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int fd_ = -1;
};

/// "<what> <path>: <strerror(error)>", coded for what an operator would do about it:
/// InsufficientStorage for a full disk, a quota or a read-only filesystem (ENOSPC, EDQUOT,
/// EROFS), FailedPrecondition for permissions, missing or wrong kinds of files, Internal for
/// anything else.
Status ErrnoStatus(std::string_view what, const std::string& path, int error);

/// Reads from `fd` until end of file or `max_bytes`, whichever comes first, retrying on
/// EINTR; errors name `path`. The buffer is wiped on error, so it may hold key material.
StatusOr<std::string> ReadUpTo(int fd, const std::string& path, size_t max_bytes);

}  // namespace orch
