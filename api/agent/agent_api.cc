#include "api/agent/agent_api.h"

#include "api/agent/session_cache.h"

namespace orch::api {

AgentSettings AgentSettingsFrom(const config::Config& config) {
  AgentSettings settings;
  settings.heartbeat = config.agents.heartbeat;
  settings.auto_approve = config.agents.auto_approve;
  settings.trusted_proxies = config.agents.trusted_proxies;
  settings.agent_cert_validity =
      std::chrono::duration_cast<std::chrono::seconds>(config.ca.agent_cert_validity);
  return settings;
}

AgentApi::AgentApi(AgentDeps deps, AgentSettings settings)
    : context_(std::make_unique<Context>(Context{deps, std::move(settings), std::make_shared<SessionCache>()})) {
  RegisterAgentApiRoutes(router_, *context_);
}

void RegisterAgentApiRoutes(Router& router, const AgentApi::Context& context) {
  RegisterSessionRoutes(router, context);
  RegisterHeartbeatAndExchangeRoutes(router, context);
  RegisterAgentJobRoutes(router, context);
}

AgentApi::~AgentApi() = default;

void AgentApi::SetSettings(AgentSettings settings) {
  context_->settings = std::move(settings);
}

void AgentApi::Handle(Request request, ReplyFn reply) {
  router_.Handle(std::move(request), std::move(reply));
}

}  // namespace orch::api
