#include "common/command_line.h"

#include <cstdio>

#include <CLI/CLI.hpp>

#include "common/version.h"

namespace orch {

CommandLine ParseCommandLine(const CommandLineSpec& spec, int argc, char** argv) {
  const std::string program(spec.program);
  CLI::App app{std::string(spec.description)};
  CommandLine line;
  line.config_path = std::string(spec.default_config);
  app.add_option("-c,--config", line.config_path, std::string(spec.config_help))->type_name("FILE");
  CLI::Option* check =
      app.add_option("--check-config", line.check_path, std::string(spec.check_help))
          ->type_name("FILE");
  app.set_version_flag("--version", program + " " + kVersion);
  if (spec.simulate) {
    app.add_option("--simulate", line.simulate,
                   "run N simulated agents (own key, certificate, session and TLS connection "
                   "each; deploys go to memory) for benchmarks")
        ->type_name("N")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--simulate-rate", line.simulate_rate, "simulated agents started per second")
        ->check(CLI::Range(1, 100000));
    app.add_option("--simulate-for", line.simulate_seconds,
                   "stop the simulation after this many seconds and print its figures")
        ->check(CLI::Range(0, 86400));
  }
  app.footer(
      "Exit status: 0 after a clean stop or a valid --check-config; 1 when the "
      "configuration is invalid or " +
      program + " cannot start; 2 when the command line is wrong.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    line.action = CommandLine::Action::kExit;
    // --help and --version end parsing with a "success" that prints what was asked for.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      line.exit_code = app.exit(e);
      return line;
    }
    std::fprintf(stderr, "%s: %s (see %s --help)\n", program.c_str(), e.what(), program.c_str());
    line.exit_code = kExitUsage;
    return line;
  }
  if (check->count() > 0) line.action = CommandLine::Action::kCheckConfig;
  return line;
}

}  // namespace orch
