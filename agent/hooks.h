// Commands the agent's own configuration runs after a successful deploy (never commands from
// the server): matched by store path glob, run without a shell, bounded by a timeout.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace orch::agent {

/// One `hooks` entry.
struct Hook {
  std::string stores;            // fnmatch(3) glob over StorePath
  std::vector<std::string> run;  // argv; run[0] absolute
  std::chrono::milliseconds timeout{30000};
  friend bool operator==(const Hook&, const Hook&) = default;
};

/// Runs, in order, every hook whose glob matches `store_path`. Nullopt when all of them exited
/// 0 (or none matched); otherwise what went wrong with the first that failed — its exit status
/// or signal, or the timeout after which it was killed — and the last lines of its output.
std::optional<std::string> RunHooks(const std::vector<Hook>& hooks, const std::string& store_path);

}  // namespace orch::agent
