// The orchd command line: options, --help, --version and --check-config.
#pragma once

#include <string>

namespace orch::daemon {

/// orchd's exit codes (README "Running it").
inline constexpr int kExitOk = 0;
/// The configuration is invalid, or orchd cannot start.
inline constexpr int kExitFailure = 1;
/// The command line itself is wrong (an unknown option, a missing argument).
inline constexpr int kExitUsage = 2;

/// What the command line asks orchd to do.
struct CommandLine {
  enum class Action { kRun, kCheckConfig, kExit };
  Action action = Action::kRun;
  /// --config FILE; empty: the packaged file or the embedded defaults.
  std::string config_path;
  /// --check-config FILE.
  std::string check_path;
  /// With kExit: the code to exit with (--help and --version: 0; a usage error: kExitUsage).
  int exit_code = kExitOk;
};

/// Parses argv. --help and --version print to stdout and ask for exit 0; a usage error prints
/// one line to stderr ("orchd: <what is wrong> (see orchd --help)") and asks for kExitUsage.
CommandLine ParseCommandLine(int argc, char** argv);

/// --check-config: checks the file (config::CheckFile) as start would, prints the first error,
/// or the warnings and "FILE: ok", and returns kExitFailure or kExitOk.
int CheckConfigCommand(const std::string& path);

}  // namespace orch::daemon
