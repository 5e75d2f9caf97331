// End-to-end: the real orch-agent binary checking configuration files (--check-config) and
// refusing a wrong command line.
#include <sys/stat.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/e2e/harness.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

// Runs orch-agent with `args` and returns its exit code; its output lands in `log`.
int RunAgent(const std::vector<std::string>& args, const std::string& log, std::string& output) {
  std::vector<std::string> argv = {ORCH_AGENT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  StatusOr<Process> process = Process::Start(argv, {}, log);
  EXPECT_OK(process);
  if (!process.ok()) return -1;
  std::optional<int> code = process->WaitExit();
  output = process->Log();
  return code.value_or(-1);
}

// docs/orch-agent.example.yaml with its CA and secret files placed in `dir`.
std::string ExampleIn(const TempDir& dir) {
  std::string yaml = ReadFile(SourceDir() + "/docs/orch-agent.example.yaml");
  const std::string ca = dir.File("orchd-ca.crt");
  const std::string secret = dir.File("agent-secret");
  WriteFile(ca, "-----BEGIN CERTIFICATE-----\n");
  WriteFile(secret, "teybLIhCsauRHFulohZUerk-_1Ot1_9Du0-UXUNsvvQ\n");
  EXPECT_EQ(::chmod(secret.c_str(), 0600), 0);
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"/etc/orch-agent/orchd-ca.crt", ca},
        {"/etc/orch-agent/agent-secret", secret}}) {
    size_t at = yaml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) yaml.replace(at, from.size(), to);
  }
  return yaml;
}

TEST(AgentConfigE2E, CheckConfigAcceptsTheExample) {
  // Given the documented example with its files in a temporary directory, the check passes.
  TempDir dir;
  const std::string path = dir.File("orch-agent.yaml");
  WriteFile(path, ExampleIn(dir));
  std::string output;
  EXPECT_EQ(RunAgent({"--check-config", path}, dir.File("check.log"), output), 0) << output;
  EXPECT_EQ(output, path + ": ok\n");
}

TEST(AgentConfigE2E, InvalidFileExitsOneNamingFileLineColumn) {
  // Given a file with a bare duration on line 2, --check-config and --config both exit 1 with
  // the error at that line and column.
  TempDir dir;
  const std::string path = dir.File("orch-agent.yaml");
  std::string yaml = "server: https://orchd.example.com:8443\npoll_wait: 30\n";
  WriteFile(path, yaml + "store_roots: [/srv/certs]\n");
  std::string output;
  EXPECT_EQ(RunAgent({"--check-config", path}, dir.File("check.log"), output), 1);
  EXPECT_EQ(output, path +
                        ":2:12: poll_wait: \"30\" needs a unit: ms, s, m, h or d (for example "
                        "30s)\n");
  EXPECT_EQ(RunAgent({"--config", path}, dir.File("run.log"), output), 1);
  EXPECT_NE(output.find(path + ":2:12: poll_wait: "), std::string::npos) << output;
}

TEST(AgentConfigE2E, UsageErrorsExitTwo) {
  // Given an unknown option or --check-config without its file, orch-agent exits 2 with one
  // line that says what is wrong.
  TempDir dir;
  std::string output;
  EXPECT_EQ(RunAgent({"--no-such-option"}, dir.File("unknown.log"), output), 2);
  EXPECT_EQ(output,
            "orch-agent: The following argument was not expected: --no-such-option "
            "(see orch-agent --help)\n");
  EXPECT_EQ(RunAgent({"--check-config"}, dir.File("missing.log"), output), 2);
  EXPECT_NE(output.find("orch-agent: --check-config"), std::string::npos) << output;
  EXPECT_EQ(RunAgent({"--version"}, dir.File("version.log"), output), 0);
  EXPECT_EQ(output.rfind("orch-agent ", 0), 0u) << output;
}

}  // namespace
}  // namespace orch::e2e
