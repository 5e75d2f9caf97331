// The agent side of orchd's startup: the internal CA, the agent listener (TLS or, when the
// configuration says so, plain HTTP) and the agent pools declared in the configuration.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "api/control/control_api.h"
#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "net/http_server.h"
#include "pki/ca.h"
#include "store/repositories.h"
#include "store/store_writer.h"

namespace orch::daemon {

/// Loads the internal CA from `config.ca`, or creates it there on first start.
StatusOr<std::unique_ptr<pki::CertificateAuthority>> LoadCa(const config::Config& config,
                                                            const Clock& clock);

/// Limits of the agent listener: like the control socket's, with room for a fleet of agents.
net::ServerLimits AgentLimits(const config::Config& config);

/// Binds `server` to `config.agents.listen`: TLS with the configured certificate or one `ca`
/// issues for `agents.tls.names`, client certificates verified against `ca`; or plain HTTP
/// (with a warning) for `agents.tls: off`. Answers where it listens. A CA-issued server
/// certificate is new at every start and valid as long as the CA certificate.
StatusOr<api::AgentListenerInfo> BindAgentListener(net::HttpServer& server,
                                                   const config::Config& config,
                                                   const pki::CertificateAuthority& ca,
                                                   const Clock& clock);

/// Makes the store's managed agent pools those of `pools`, and logs what changed. At start,
/// before the event loop serves.
Status ReconcilePools(store::Repositories& store, const std::vector<config::Pool>& pools,
                      WallTime now);
/// As ReconcilePools(), through `writer` (a reload, on the event loop): `done` gets the
/// outcome once it is committed.
void ReconcilePoolsLater(store::StoreWriter& writer, const std::vector<config::Pool>& pools,
                         WallTime now, std::function<void(Status)> done);

}  // namespace orch::daemon
