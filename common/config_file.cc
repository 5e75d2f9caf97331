#include "common/config_file.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "common/file_io.h"

namespace orch {

StatusOr<std::string> ReadConfigFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) return InvalidArgumentError(path + ": cannot open: " + std::strerror(errno));
  // One byte past the limit tells a file that is too large, and `--config /dev/zero` never
  // fills memory.
  ORCH_ASSIGN_OR_RETURN(std::string text, ReadUpTo(fd.Get(), path, kMaxConfigFileBytes + 1));
  if (text.size() > kMaxConfigFileBytes) {
    return InvalidArgumentError(path + ": larger than 1 MiB; not a configuration file");
  }
  return text;
}

std::string FirstStateDirectory(std::string_view state_directory) {
  return std::string(state_directory.substr(0, state_directory.find(':')));
}

}  // namespace orch
