#include "daemon/command_line.h"

#include <cstdio>

#include "common/user_directory.h"
#include "config/check.h"

namespace orch::daemon {

CommandLine ParseCommandLine(int argc, char** argv) {
  static constexpr CommandLineSpec kOrchd{
      .program = "orchd",
      .description =
          "orchd: schedules certificate-deployment jobs for a fleet of orchestrator agents",
      .config_help =
          "configuration file (default /etc/orchd/orchd.yaml if present, else "
          "embedded defaults with state under ./var or $STATE_DIRECTORY)",
      .check_help = "check FILE as start would, print the first error or the warnings, and exit",
      .default_config = "",
  };
  return orch::ParseCommandLine(kOrchd, argc, argv);
}

int CheckConfigCommand(const std::string& path) {
  auto checked = config::CheckFile(path, NssUserDirectory::Instance());
  if (!checked.ok()) {
    std::fprintf(stderr, "%s\n", checked.status().message().c_str());
    return kExitFailure;
  }
  for (const std::string& warning : checked->warnings) {
    std::fprintf(stderr, "%s\n", warning.c_str());
  }
  std::printf("%s: ok\n", path.c_str());
  return kExitOk;
}

}  // namespace orch::daemon
