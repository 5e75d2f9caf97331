// orch-agent: the reference agent that deploys orchd's certificate jobs on one host.
#include <cstdio>

#include "agent/agent_config.h"
#include "agent/command_line.h"

int main(int argc, char** argv) {
  using orch::CommandLine;
  const CommandLine line = orch::agent::ParseCommandLine(argc, argv);
  if (line.action == CommandLine::Action::kExit) return line.exit_code;
  const orch::agent::AgentConfigEnv env = orch::agent::SystemAgentConfigEnv();
  if (line.action == CommandLine::Action::kCheckConfig) {
    return orch::agent::CheckConfigCommand(line.check_path, env);
  }

  auto config = orch::agent::LoadAgentConfig(line.config_path, env);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return orch::kExitFailure;
  }
  std::fprintf(stderr, "orch-agent: not implemented yet\n");
  return orch::kExitFailure;
}
