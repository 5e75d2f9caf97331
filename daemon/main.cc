// orchd: the certificate-deployment job scheduler daemon.
#include <utility>

#include "common/logging.h"
#include "daemon/command_line.h"
#include "daemon/daemon.h"

int main(int argc, char** argv) {
  using orch::CommandLine;
  const CommandLine line = orch::daemon::ParseCommandLine(argc, argv);
  if (line.action == CommandLine::Action::kExit) return line.exit_code;
  if (line.action == CommandLine::Action::kCheckConfig) {
    return orch::daemon::CheckConfigCommand(line.check_path);
  }

  orch::ConfigureLogging(spdlog::level::info, orch::DetectLogFormat());
  auto options = orch::daemon::ResolveConfig(line.config_path);
  if (!options.ok()) {
    orch::GetLogger("daemon")->critical("{}", options.status().message());
    return orch::kExitFailure;
  }
  orch::daemon::ApplyLogging(options->config.logging);

  orch::daemon::Daemon daemon(std::move(options).value());
  if (orch::Status s = daemon.Start(); !s.ok()) {
    orch::GetLogger("daemon")->critical("cannot start: {}", s.message());
    return orch::kExitFailure;
  }
  daemon.Run();
  return orch::kExitOk;
}
