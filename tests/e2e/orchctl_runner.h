// End-to-end support: runs the real orchctl binary as an operator would, with its output and
// exit code captured.
#pragma once

#include <string>
#include <vector>

#include "tests/e2e/harness.h"

namespace orch::e2e {

/// The built orchctl binary.
std::string OrchctlBinary();

/// What one orchctl run printed and answered.
struct OrchctlResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs orchctl against one control socket, in a clean environment (TZ=UTC, no terminal, no
/// ORCHD_SOCKET unless `env` sets it), files under `dir`.
class Orchctl {
 public:
  Orchctl(std::string socket_path, const TempDir& dir)
      : socket_(std::move(socket_path)), dir_(dir) {}

  /// orchctl --socket <socket> `args`; stdin is `input`.
  OrchctlResult Run(const std::vector<std::string>& args, const std::string& input = "",
                    const std::vector<std::string>& env = {}) const;
  /// orchctl `args` without --socket (for socket resolution and usage tests).
  OrchctlResult RunBare(const std::vector<std::string>& args,
                        const std::vector<std::string>& env = {}) const;
  /// `command` run by /bin/sh in `directory`, with orchctl on the PATH, $ORCHD_SOCKET set to
  /// the socket and `env` added: how a person types the examples of docs/orchctl.md.
  OrchctlResult Shell(const std::string& command, const std::string& directory,
                      const std::vector<std::string>& env = {}) const;
  /// The same in the background (`exec`ed, so signals reach orchctl); stdout and stderr go to
  /// `out_path`.
  StatusOr<Process> StartShell(const std::string& command, const std::string& directory,
                               const std::vector<std::string>& env,
                               const std::string& out_path) const;
  /// Starts orchctl --socket <socket> `args` in the background; stdout goes to `out_path`.
  StatusOr<Process> Start(const std::vector<std::string>& args, const std::string& out_path) const;

 private:
  std::string socket_;
  const TempDir& dir_;
};

}  // namespace orch::e2e
