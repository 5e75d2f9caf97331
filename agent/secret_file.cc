#include "agent/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/file_io.h"

namespace orch::agent {
namespace {

std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// A secret others can read is no longer a secret; the agent refuses to use it, as orchd
// refuses such a master key.
Status CheckPrivate(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoStatus("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return FailedPreconditionError(path + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    return FailedPreconditionError(path + " has mode " + ModeText(st.st_mode) +
                                   " and is accessible to group or others; run `chmod 600 " + path +
                                   "`");
  }
  return Status::Ok();
}

// The first line, without "\n" or "\r\n".
std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.ends_with('\r')) line.pop_back();
  return line;
}

}  // namespace

StatusOr<std::string> ReadSecretValue(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) return FailedPreconditionError(path + ": cannot open: " + std::strerror(errno));
  ORCH_RETURN_IF_ERROR(CheckPrivate(fd.Get(), path));
  // One byte past the limit tells a file that is too large.
  ORCH_ASSIGN_OR_RETURN(std::string text, ReadUpTo(fd.Get(), path, kMaxSecretFileBytes + 1));
  if (text.size() > kMaxSecretFileBytes) {
    return FailedPreconditionError(path + " is larger than 4 KiB; not a secret value file");
  }
  std::string value = FirstLine(text);
  if (value.empty()) return FailedPreconditionError(path + ": the first line is empty");
  return value;
}

}  // namespace orch::agent
