// Which control socket orchctl talks to.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace orch::cli {

/// The default system-wide socket, used when it exists.
inline constexpr char kSystemSocket[] = "/run/orchd/orchd.sock";
/// The quick start's socket, relative to the working directory.
inline constexpr char kLocalSocket[] = "./var/orchd.sock";

/// `flag` when given and not empty, else `environment` ($ORCHD_SOCKET) when not empty, else
/// kSystemSocket when `exists` says it is there, else kLocalSocket.
std::string ResolveSocketPath(const std::optional<std::string>& flag, const char* environment,
                              const std::function<bool(const std::string&)>& exists);

}  // namespace orch::cli
