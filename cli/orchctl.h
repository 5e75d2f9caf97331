// orchctl: parses the command line, runs the subcommand against the control socket and answers
// the exit code (0 ok, 1 refused, 2 usage error, 3 orchd unreachable).
#pragma once

namespace orch::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

/// Runs orchctl with `argv`; output goes to stdout and stderr.
int RunOrchctl(int argc, char** argv);

}  // namespace orch::cli
