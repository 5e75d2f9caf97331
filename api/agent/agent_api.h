// The agent API (SPEC §6) served on the agent listener: session registration and heartbeats
// under /KeyfactorAgents/, and the exchange of an agent secret for an access token.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api/http.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"

namespace orch::store {
class StoreReader;
class StoreWriter;
}  // namespace orch::store
namespace orch::pki {
class CertificateAuthority;
class SecretBox;
}  // namespace orch::pki
namespace orch::scheduler {
class Scheduler;
}

namespace orch::api {

class SessionCache;
class SessionTouches;

/// The agent settings a configuration reload may change.
struct AgentSettings {
  std::chrono::minutes heartbeat{5};  // HeartbeatInterval; sessions expire after two
  std::vector<config::AutoApproveRule> auto_approve;
  std::vector<std::string> trusted_proxies;  // IPs allowed to send X-ARR-ClientCert
  std::chrono::seconds agent_cert_validity = std::chrono::days(365);
};

/// The settings of `config` that the agent API uses.
AgentSettings AgentSettingsFrom(const config::Config& config);

/// What the agent handlers work with. Everything outlives the AgentApi.
struct AgentDeps {
  const Clock* clock = nullptr;
  /// Where registrations, access tokens and the deletion of expired sessions are written, off
  /// the event loop.
  store::StoreWriter* writer = nullptr;
  /// Where secrets, access tokens, sessions, agents and the rows of configuration answers are
  /// read, off the event loop. The handlers never touch the store on the loop.
  store::StoreReader* reader = nullptr;
  const pki::CertificateAuthority* ca = nullptr;
  /// Opens the passwords and keys that configuration answers carry.
  const pki::SecretBox* secret_box = nullptr;
  /// Hands runs to agents; nullptr: every Session.Jobs is empty and job calls are refused.
  scheduler::Scheduler* scheduler = nullptr;
  /// Records the calls agents make on their sessions.
  SessionTouches* touches = nullptr;
};

/// Routes and handlers of the agent listener. Handlers run on the event loop; what they read
/// or write goes through the reader and the writer, and they answer from their callbacks.
class AgentApi final : public Handler {
 public:
  /// REQUIRES: clock, writer, reader, ca and touches are set and outlive this object and the
  /// answers of the reads and writes it issued.
  AgentApi(AgentDeps deps, AgentSettings settings);
  ~AgentApi() override;

  /// Replaces the settings (configuration reload); applies to the next request.
  void SetSettings(AgentSettings settings);

  void Handle(Request request, ReplyFn reply) override;

  /// Counts every reply in `metrics` under the listener "agent" (see Router::Observe).
  void Observe(RequestMetrics* metrics) { router_.Observe(metrics, "agent"); }
  /// How long after its last call a session ends: twice the current heartbeat interval.
  std::chrono::milliseconds session_lifetime() const { return 2 * context_->settings.heartbeat; }

  /// What the route files share: the dependencies and the current settings.
  struct Context {
    AgentDeps deps;
    AgentSettings settings;
    /// The sessions and agents that calls authenticate with; the loop's.
    std::shared_ptr<SessionCache> sessions;
  };

 private:
  std::unique_ptr<Context> context_;
  Router router_;
};

/// Every route of the agent listener, as AgentApi registers them. Registering reads nothing
/// of `context`; the routes use it when called. REQUIRES: `context` outlives the router's use.
void RegisterAgentApiRoutes(Router& router, const AgentApi::Context& context);
/// POST /KeyfactorAgents/Session/Register (agent_register.cc).
void RegisterSessionRoutes(Router& router, const AgentApi::Context& context);
/// POST /KeyfactorAgents/Session/Heartbeat and /api/v2/agent/secrets/exchange
/// (agent_session.cc).
void RegisterHeartbeatAndExchangeRoutes(Router& router, const AgentApi::Context& context);
/// POST /KeyfactorAgents/Jobs/Poll and the job endpoints handed out in Session.Jobs:
/// Management/Configuration and Management/Complete (agent_jobs.cc).
void RegisterAgentJobRoutes(Router& router, const AgentApi::Context& context);

}  // namespace orch::api
