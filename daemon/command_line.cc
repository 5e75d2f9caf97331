#include "daemon/command_line.h"

#include <cstdio>

#include <CLI/CLI.hpp>

#include "common/user_directory.h"
#include "common/version.h"
#include "config/check.h"

namespace orch::daemon {

CommandLine ParseCommandLine(int argc, char** argv) {
  CLI::App app{"orchd: schedules certificate-deployment jobs for a fleet of orchestrator agents"};
  CommandLine line;
  app.add_option("-c,--config", line.config_path,
                 "configuration file (default /etc/orchd/orchd.yaml if present, else embedded "
                 "defaults with state under ./var or $STATE_DIRECTORY)")
      ->type_name("FILE");
  CLI::Option* check = app.add_option("--check-config", line.check_path,
                                      "check FILE as start would, print the first error or the "
                                      "warnings, and exit")
                           ->type_name("FILE");
  app.set_version_flag("--version", std::string("orchd ") + kVersion);
  app.footer(
      "Exit status: 0 after a clean stop or a valid --check-config; 1 when the configuration "
      "is invalid or orchd cannot start; 2 when the command line is wrong.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    line.action = CommandLine::Action::kExit;
    // --help and --version end parsing with a "success" that prints what was asked for.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      line.exit_code = app.exit(e);
      return line;
    }
    std::fprintf(stderr, "orchd: %s (see orchd --help)\n", e.what());
    line.exit_code = kExitUsage;
    return line;
  }
  if (check->count() > 0) line.action = CommandLine::Action::kCheckConfig;
  return line;
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
