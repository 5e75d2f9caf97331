// The control API (SPEC §7) served on the Unix socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/control/authorizer.h"
#include "api/http.h"
#include "api/request_metrics.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/status.h"

namespace orch::store {
class CatalogFacts;
class Repositories;
class StoreReader;
class StoreWriter;
}  // namespace orch::store
namespace orch::pki {
class SecretBox;
}
namespace orch::scheduler {
class Scheduler;
}

namespace orch::api {

class AddCommitter;
class StoreHealth;

/// The agent listener's bound address, as GET /Status shows it.
struct AgentListenerInfo {
  std::string address;  // the configured host ("0.0.0.0", "127.0.0.1", "::")
  uint16_t port = 0;    // the bound port (the real one when the configuration says 0)
  bool tls = true;
};

/// What the control handlers work with. Everything outlives the ControlApi.
struct ControlDeps {
  const Clock* clock = nullptr;
  /// The loop's connection: the handlers neither read nor write through it (GET /Status shows
  /// its path and schema version, which it holds in memory).
  store::Repositories* store = nullptr;
  /// Where every write of the handlers goes, off the loop; each is answered once committed.
  store::StoreWriter* writer = nullptr;
  /// What every Add checks of certificates and stores, in memory; the certificate and store
  /// writes update it after their commit.
  store::CatalogFacts* catalog_facts = nullptr;
  /// Where every query of the handlers goes (and GET /Status's health check): they run off
  /// the event loop, on connections of the reader's, and are answered on the loop.
  store::StoreReader* reader = nullptr;
  /// Encrypts private keys and passwords at rest.
  const pki::SecretBox* secret_box = nullptr;
  /// Decides the claims of each caller; reloaded with the configuration.
  const Authorizer* authorizer = nullptr;
  /// Where the agent listener is bound, for GET /Status; nullptr: not shown.
  const AgentListenerInfo* agent_listener = nullptr;
  /// Told of accepted, unscheduled and rescheduled work; nullptr: jobs are only stored.
  scheduler::Scheduler* scheduler = nullptr;
  /// The latest session call of each agent not yet written, by agent id, laid over LastSeen
  /// when agents are read (so it is exact); the agent API's SessionTouches::PendingLastSeen.
  /// Empty: none are pending.
  std::function<std::unordered_map<std::string, WallTime>()> pending_last_seen;
  /// What GET /metrics shows of the routers' requests; nullptr: none.
  RequestMetrics* request_metrics = nullptr;
  /// What GET /metrics shows of the listeners' connections; empty: none.
  std::function<std::vector<ListenerStats>()> listener_stats;
  /// How long after its last call an agent's session ends (twice the heartbeat), for the live
  /// sessions GET /metrics counts. Empty: sessions are not counted.
  std::function<std::chrono::milliseconds()> session_lifetime;
  /// Set by ControlApi for its routes: the group commit of Add jobs.
  AddCommitter* committer = nullptr;
  /// Set by ControlApi for its routes: the store's health (GET /Status, GET /metrics).
  StoreHealth* health = nullptr;
};

/// Routes and handlers of the control socket. Handlers run on the event loop. Each area of
/// the API registers its routes from its own file (see Register* below).
class ControlApi final : public Handler {
 public:
  /// REQUIRES: every member of `deps` is set and outlives this object.
  explicit ControlApi(ControlDeps deps);
  ~ControlApi() override;

  void Handle(Request request, ReplyFn reply) override;

  /// Counts every reply in `metrics` under the listener "control" (see Router::Observe).
  void Observe(RequestMetrics* metrics) { router_.Observe(metrics, "control"); }
  /// What the routes work with, for a listener that serves some of them too (GET /metrics).
  const ControlDeps& deps() const { return deps_; }

 private:
  std::unique_ptr<AddCommitter> committer_;
  std::unique_ptr<StoreHealth> health_;
  ControlDeps deps_;
  Router router_;
};

/// The prefixes every control path is also served under ("/KeyfactorAPI").
std::vector<std::string> ControlRouterPrefixes();
/// Every route of the control socket, as ControlApi registers them. Registering reads nothing
/// of `deps` but its clock; the routes use the rest when called. REQUIRES: `deps` outlives the
/// router's use.
void RegisterControlRoutes(Router& router, const ControlDeps& deps);
/// GET /Status (status_routes.cc).
void RegisterStatusRoutes(Router& router, const ControlDeps& deps);
/// GET /metrics (metrics_routes.cc).
void RegisterMetricsRoutes(Router& router, const ControlDeps& deps);
/// Certificates and certificate collections (certificates_routes.cc).
void RegisterCertificateRoutes(Router& router, const ControlDeps& deps);
/// Certificate stores, containers and store types (stores_routes.cc).
void RegisterStoreRoutes(Router& router, const ControlDeps& deps);
/// Add jobs, ScheduledJobs and Unschedule (jobs_routes.cc).
void RegisterJobRoutes(Router& router, const ControlDeps& deps);
/// JobHistory, Acknowledge and Reschedule (history_routes.cc).
void RegisterHistoryRoutes(Router& router, const ControlDeps& deps);
/// Agents: list, show, approve, disapprove, reset, reenrollment (agents_routes.cc).
void RegisterAgentRoutes(Router& router, const ControlDeps& deps);
/// Agent pools (pools_routes.cc).
void RegisterPoolRoutes(Router& router, const ControlDeps& deps);
/// Agent secrets: list, create, revoke (secrets_routes.cc).
void RegisterSecretRoutes(Router& router, const ControlDeps& deps);

}  // namespace orch::api
