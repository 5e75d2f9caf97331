// orch-agent: the reference agent that deploys orchd's certificate jobs on one host.
#include <chrono>
#include <cstdio>

#include "agent/agent_config.h"
#include "agent/command_line.h"
#include "agent/run_agent.h"
#include "common/logging.h"

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
  orch::ConfigureLogging(config->logging.level,
                         config->logging.format.value_or(orch::DetectLogFormat()));
  if (line.simulate > 0) {
    return orch::agent::RunSimulation(*config, line.simulate, line.simulate_rate,
                                      std::chrono::seconds(line.simulate_seconds));
  }
  return orch::agent::RunAgent(*config);
}
