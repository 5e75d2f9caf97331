#include "cli/orchctl.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "common/version.h"
#include "jobs/time_zone.h"

namespace orch::cli {
namespace {

// The zone local times are shown in: $TZ when it names one, else /etc/localtime's, else UTC.
jobs::TimeZone LocalZone() {
  std::string name;
  if (const char* tz = std::getenv("TZ"); tz != nullptr) {
    name = tz[0] == ':' ? tz + 1 : tz;
  } else {
    std::error_code error;
    const std::filesystem::path target = std::filesystem::read_symlink("/etc/localtime", error);
    const std::string text = target.string();
    if (const size_t at = text.find("zoneinfo/"); !error && at != std::string::npos) {
      name = text.substr(at + 9);
    }
  }
  StatusOr<jobs::TimeZone> zone = jobs::TimeZone::Locate(name);
  return zone.ok() ? *zone : jobs::TimeZone();
}

// The terminal's width when stdout is one, else $COLUMNS, else 80.
int TerminalWidth() {
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    const long value = std::strtol(columns, nullptr, 10);
    if (value >= 20 && value <= 1000) return static_cast<int>(value);
  }
  return 80;
}

RenderContext RenderContextNow() {
  RenderContext context;
  context.now = SystemClock().WallNow();
  context.zone = LocalZone();
  context.width = TerminalWidth();
  const char* no_color = std::getenv("NO_COLOR");
  context.color = isatty(STDOUT_FILENO) && (no_color == nullptr || *no_color == '\0');
  return context;
}

constexpr char kFooter[] =
    "The control socket is --socket, else $ORCHD_SOCKET, else /run/orchd/orchd.sock when it\n"
    "exists, else ./var/orchd.sock. Exit codes: 0 ok, 1 refused (by orchd, or a value orchd\n"
    "would refuse), 2 usage error, 3 orchd unreachable. Secrets are read from files or a\n"
    "prompt, never from the command line. See docs/orchctl.md.";

}  // namespace

int RunOrchctl(int argc, char** argv) {
  CLI::App app{"orchctl: the command line for orchd, the certificate-deployment job scheduler"};
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough();
  Session session;
  app.add_option("--socket", session.socket_flag, "path of orchd's control socket");
  app.add_flag("--json", session.json,
               "print orchd's JSON unchanged (NDJSON for history --follow)");
  app.set_version_flag("--version", std::string("orchctl ") + kVersion);
  Action run;
  AddAgentCommands(app, session, run);
  AddCatalogCommands(app, session, run);
  AddJobCommands(app, session, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  session.render = RenderContextNow();
  if (!run) return kExitUsage;
  Status status;
  try {
    status = run();
  } catch (const nlohmann::json::exception& e) {
    // Answers are read with bounded, checked accessors; this is the net under them.
    status = InternalError(std::string("orchd's answer has an unexpected shape: ") + e.what());
  }
  if (status.ok()) return kExitOk;
  std::fprintf(stderr, "orchctl: %s\n", status.message().c_str());
  return status.code() == StatusCode::kUnavailable ? kExitUnreachable : kExitRefused;
}

}  // namespace orch::cli
