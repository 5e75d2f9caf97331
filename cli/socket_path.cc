#include "cli/socket_path.h"

namespace orch::cli {

std::string ResolveSocketPath(const std::optional<std::string>& flag, const char* environment,
                              const std::function<bool(const std::string&)>& exists) {
  if (flag && !flag->empty()) return *flag;
  if (environment != nullptr && *environment != '\0') return environment;
  if (exists(kSystemSocket)) return kSystemSocket;
  return kLocalSocket;
}

}  // namespace orch::cli
