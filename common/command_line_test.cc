#include "common/command_line.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace orch {
namespace {

constexpr CommandLineSpec kSpec{
    .program = "prog",
    .description = "prog: a test program",
    .config_help = "configuration file",
    .check_help = "check FILE and exit",
    .default_config = "/etc/prog.yaml",
};

CommandLine Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (std::string& arg : args) argv.push_back(arg.data());
  return ParseCommandLine(kSpec, static_cast<int>(argv.size()), argv.data());
}

TEST(ParseCommandLineTest, RunsWithTheDefaultOrTheGivenConfig) {
  // Given no option or --config, the program runs on the default or the given file.
  CommandLine plain = Parse({});
  EXPECT_EQ(plain.action, CommandLine::Action::kRun);
  EXPECT_EQ(plain.config_path, "/etc/prog.yaml");
  CommandLine given = Parse({"--config", "/tmp/x.yaml"});
  EXPECT_EQ(given.action, CommandLine::Action::kRun);
  EXPECT_EQ(given.config_path, "/tmp/x.yaml");
}

TEST(ParseCommandLineTest, CheckConfigNamesItsFile) {
  // Given --check-config FILE, the action is the check of that file.
  CommandLine line = Parse({"--check-config", "/tmp/y.yaml"});
  EXPECT_EQ(line.action, CommandLine::Action::kCheckConfig);
  EXPECT_EQ(line.check_path, "/tmp/y.yaml");
}

TEST(ParseCommandLineTest, UsageErrorsExitTwo) {
  // Given an unknown option or --check-config without its file, the program exits 2.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--bogus"}, {"--check-config"}, {"extra"}}) {
    CommandLine line = Parse(args);
    EXPECT_EQ(line.action, CommandLine::Action::kExit) << args[0];
    EXPECT_EQ(line.exit_code, kExitUsage) << args[0];
  }
}

}  // namespace
}  // namespace orch
