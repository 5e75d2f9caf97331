#include "agent/agent_config.h"

#include <limits.h>
#include <unistd.h>

#include <cstdlib>

#include "common/config_file.h"
#include "jobs/store_types.h"

namespace orch::agent {

AgentConfigEnv SystemAgentConfigEnv() {
  AgentConfigEnv env;
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) == 0) env.host_name = host;
  const char* state_directory = std::getenv("STATE_DIRECTORY");
  if (state_directory != nullptr) env.state_directory = state_directory;
  return env;
}

StatusOr<AgentConfig> LoadAgentConfig(const std::string& path, const AgentConfigEnv& env) {
  ORCH_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  return ParseAgentConfig(text, path, env);
}

std::vector<std::string> AdvertisedCapabilities(const AgentConfig& config) {
  std::vector<std::string> capabilities;
  for (int store_type : config.store_types) {
    // Orchd hands a store's jobs to agents that advertise its type's management capability.
    if (const jobs::StoreType* type = jobs::FindStoreType(store_type)) {
      capabilities.push_back(jobs::ManagementCapability(*type));
    }
  }
  return capabilities;
}

}  // namespace orch::agent
