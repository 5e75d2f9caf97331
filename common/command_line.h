// The command line that orchd and orch-agent share: --config FILE, --check-config FILE,
// --version and --help, and exit codes that tell a wrong command line from a refused
// configuration.
#pragma once

#include <string>
#include <string_view>

namespace orch {

/// Exit code after a clean stop, a valid --check-config, --help or --version.
inline constexpr int kExitOk = 0;
/// The configuration is invalid, or the program cannot start.
inline constexpr int kExitFailure = 1;
/// The command line itself is wrong (an unknown option, a missing argument).
inline constexpr int kExitUsage = 2;

/// How one program describes its command line in --help.
struct CommandLineSpec {
  std::string_view program;         // "orchd": in --version, errors and the --help footer
  std::string_view description;     // the first line of --help
  std::string_view config_help;     // what --config FILE means, with its default
  std::string_view check_help;      // what --check-config FILE does
  std::string_view default_config;  // --config when it is not given
  bool simulate = false;            // offers --simulate N, --simulate-rate and --simulate-for
};

/// What the command line asks the program to do.
struct CommandLine {
  enum class Action { kRun, kCheckConfig, kExit };
  Action action = Action::kRun;
  /// --config FILE, or the spec's default.
  std::string config_path;
  /// --check-config FILE.
  std::string check_path;
  /// With kExit: the code to exit with (--help and --version: 0; a usage error: kExitUsage).
  int exit_code = kExitOk;
  /// --simulate N (0: not simulating), agents started per second, and seconds to run (0: until
  /// a signal). Only with CommandLineSpec::simulate.
  int simulate = 0;
  int simulate_rate = 200;
  int simulate_seconds = 0;
};

/// Parses argv. --help and --version print to stdout and ask for exit 0; a usage error prints
/// one line to stderr ("<program>: <what is wrong> (see <program> --help)") and asks for
/// kExitUsage.
CommandLine ParseCommandLine(const CommandLineSpec& spec, int argc, char** argv);

}  // namespace orch
