// orchd: the certificate-deployment job scheduler daemon.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "common/logging.h"
#include "common/user_directory.h"
#include "common/version.h"
#include "config/check.h"
#include "daemon/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{"orchd: schedules certificate-deployment jobs for a fleet of orchestrator agents"};
  std::string config_path;
  std::string check_path;
  app.add_option("-c,--config", config_path,
                 "configuration file (default /etc/orchd/orchd.yaml if present, else embedded "
                 "defaults with state under ./var or $STATE_DIRECTORY)");
  app.add_option("--check-config", check_path, "validate FILE, print any error, and exit");
  app.set_version_flag("--version", std::string("orchd ") + orch::kVersion);
  CLI11_PARSE(app, argc, argv);

  if (!check_path.empty()) {
    auto checked = orch::config::CheckFile(check_path, orch::NssUserDirectory::Instance());
    if (!checked.ok()) {
      std::fprintf(stderr, "%s\n", checked.status().message().c_str());
      return 1;
    }
    for (const std::string& warning : checked->warnings) {
      std::fprintf(stderr, "%s\n", warning.c_str());
    }
    std::printf("%s: ok\n", check_path.c_str());
    return 0;
  }

  orch::ConfigureLogging(spdlog::level::info, orch::DetectLogFormat());
  auto options = orch::daemon::ResolveConfig(config_path);
  if (!options.ok()) {
    orch::GetLogger("daemon")->critical("{}", options.status().message());
    return 1;
  }
  orch::daemon::ApplyLogging(options->config.logging);

  orch::daemon::Daemon daemon(std::move(options).value());
  if (orch::Status s = daemon.Start(); !s.ok()) {
    orch::GetLogger("daemon")->critical("cannot start: {}", s.message());
    return 1;
  }
  daemon.Run();
  return 0;
}
