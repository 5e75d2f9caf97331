// The orch-agent command line (common/command_line.h) and --check-config.
#pragma once

#include <string>

#include "agent/agent_config.h"
#include "common/command_line.h"

namespace orch::agent {

/// Parses orch-agent's argv; config_path defaults to kDefaultConfigPath.
CommandLine ParseCommandLine(int argc, char** argv);

/// --check-config: loads the file as a start would, prints the first error to stderr or
/// "FILE: ok" to stdout, and returns kExitFailure or kExitOk.
int CheckConfigCommand(const std::string& path, const AgentConfigEnv& env);

}  // namespace orch::agent
