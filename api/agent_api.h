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
class SqliteStore;
}
namespace orch::pki {
class CertificateAuthority;
}

namespace orch::api {

/// The agent settings a configuration reload may change.
struct AgentSettings {
  std::chrono::minutes heartbeat{5};  // HeartbeatInterval; sessions expire after two
  std::vector<config::AutoApproveRule> auto_approve;
  std::vector<std::string> trusted_proxies;  // IPs allowed to send X-ARR-ClientCert
  std::chrono::seconds agent_cert_validity = std::chrono::days(365);
};

/// The settings of `config` that the agent API uses.
AgentSettings AgentSettingsFrom(const config::Config& config);

/// One run handed to an agent in Session.Jobs (SPEC §6.2).
struct AgentJob {
  std::string job_type_id;  // the store type's management job-type GUID
  std::string job_id;
  std::string configuration_endpoint;  // e.g. "KeyfactorAgents/Management/Configuration"
  std::string completion_endpoint;     // e.g. "KeyfactorAgents/Management/Complete"
  int priority = 3;
};

/// Where registration finds the runs due for an agent; the scheduler provides it.
class AgentJobSource {
 public:
  virtual ~AgentJobSource() = default;
  /// The runs due now for the approved agent `agent_id`, handed over to it (their leases
  /// start). Called only for registrations that may carry jobs.
  virtual StatusOr<std::vector<AgentJob>> TakeDueJobs(const std::string& agent_id) = 0;
};

/// What the agent handlers work with. Everything outlives the AgentApi.
struct AgentDeps {
  const Clock* clock = nullptr;
  store::SqliteStore* store = nullptr;
  const pki::CertificateAuthority* ca = nullptr;
  /// Due runs for registering agents; nullptr: every Session.Jobs is empty.
  AgentJobSource* jobs = nullptr;
};

/// Routes and handlers of the agent listener. Handlers run on the event loop.
class AgentApi final : public Handler {
 public:
  /// REQUIRES: clock, store and ca are set and outlive this object.
  AgentApi(AgentDeps deps, AgentSettings settings);
  ~AgentApi() override;

  /// Replaces the settings (configuration reload); applies to the next request.
  void SetSettings(AgentSettings settings);

  void Handle(Request request, ReplyFn reply) override;

  /// What the route files share: the dependencies and the current settings.
  struct Context {
    AgentDeps deps;
    AgentSettings settings;
  };

 private:
  std::unique_ptr<Context> context_;
  Router router_;
};

/// POST /KeyfactorAgents/Session/Register (agent_register.cc).
void RegisterSessionRoutes(Router& router, const AgentApi::Context& context);
/// POST /KeyfactorAgents/Session/Heartbeat and /api/v2/agent/secrets/exchange
/// (agent_session.cc).
void RegisterHeartbeatAndExchangeRoutes(Router& router, const AgentApi::Context& context);

}  // namespace orch::api
