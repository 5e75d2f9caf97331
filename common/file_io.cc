#include "common/file_io.h"

#include <cerrno>
#include <cstring>

namespace orch {
namespace {

// Zeroes `buffer` in a way the compiler cannot drop; common/ has no OpenSSL to call.
void Wipe(std::string& buffer) {
  volatile char* p = buffer.data();
  for (size_t i = 0; i < buffer.size(); ++i) p[i] = 0;
  buffer.clear();
}

}  // namespace

Status ErrnoStatus(std::string_view what, const std::string& path, int error) {
  std::string message = std::string(what) + " " + path + ": " + std::strerror(error);
  switch (error) {
    case ENOSPC:
    case EDQUOT:
    case EROFS: return InsufficientStorageError(std::move(message));
    case EACCES:
    case EPERM:
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
    case EEXIST: return FailedPreconditionError(std::move(message));
    default: return InternalError(std::move(message));
  }
}

StatusOr<std::string> ReadUpTo(int fd, const std::string& path, size_t max_bytes) {
  std::string content(max_bytes, '\0');
  size_t filled = 0;
  while (filled < content.size()) {
    ssize_t n = ::read(fd, content.data() + filled, content.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      Wipe(content);
      return ErrnoStatus("cannot read", path, error);
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  content.resize(filled);
  return content;
}

}  // namespace orch
