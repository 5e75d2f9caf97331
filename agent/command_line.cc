#include "agent/command_line.h"

#include <cstdio>

namespace orch::agent {

CommandLine ParseCommandLine(int argc, char** argv) {
  static constexpr CommandLineSpec kOrchAgent{
      .program = "orch-agent",
      .description =
          "orch-agent: deploys the certificates orchd schedules into PEM and PKCS#12 "
          "file stores on this host",
      .config_help = "configuration file (default /etc/orch-agent/orch-agent.yaml)",
      .check_help = "check FILE as start would, print the first error, and exit",
      .default_config = kDefaultConfigPath,
      .simulate = true,
  };
  return orch::ParseCommandLine(kOrchAgent, argc, argv);
}

int CheckConfigCommand(const std::string& path, const AgentConfigEnv& env) {
  StatusOr<AgentConfig> config = LoadAgentConfig(path, env);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return kExitFailure;
  }
  std::printf("%s: ok\n", path.c_str());
  return kExitOk;
}

}  // namespace orch::agent
