#include "daemon/agent_listener.h"

#include <fstream>
#include <sstream>
#include <string>

#include "common/logging.h"
#include "pki/hash.h"
#include "store/pool_repository.h"

namespace orch::daemon {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  return GetLogger("daemon");
}

constexpr uint64_t kAgentMaxBody = 1 << 20;

StatusOr<std::string> ReadTextFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FailedPreconditionError("cannot read " + what + " " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

StatusOr<net::TlsServerOptions> TlsOptions(const config::Config& config,
                                           const pki::CertificateAuthority& ca,
                                           const Clock& clock) {
  const config::TlsConfig& tls = config.agents.tls;
  net::TlsServerOptions options;
  options.client_ca_pem = ca.CertificatePem();
  if (!tls.cert.empty()) {
    ORCH_ASSIGN_OR_RETURN(options.cert_chain_pem, ReadTextFile(tls.cert, "agents.tls.cert"));
    ORCH_ASSIGN_OR_RETURN(options.key_pem, ReadTextFile(tls.key, "agents.tls.key"));
    Log()->info("agent listener certificate from {}", tls.cert);
    return options;
  }
  // Issued afresh at every start and valid as long as the CA: agents trust the CA, not it.
  const auto validity = std::chrono::duration_cast<std::chrono::seconds>(
      ca.certificate().not_after - clock.WallNow());
  ORCH_ASSIGN_OR_RETURN(pki::ServerCredential issued,
                        ca.IssueServerCertificate(tls.names, validity));
  options.cert_chain_pem = std::move(issued.cert_chain_pem);
  options.key_pem = std::move(issued.key_pem);
  Log()->info("agent listener certificate issued by the internal CA for {}", Joined(tls.names));
  return options;
}

void LogReport(const store::ReconcileReport& report) {
  if (!report.created.empty()) Log()->info("declared pools created: {}", Joined(report.created));
  if (!report.updated.empty()) Log()->info("declared pools updated: {}", Joined(report.updated));
  if (!report.deleted.empty()) {
    Log()->info("pools no longer declared, deleted: {}", Joined(report.deleted));
  }
  for (const std::string& moved : report.moved_agents) {
    Log()->warn("declared pools: agent {} moved into a declared pool", moved);
  }
  for (const std::string& agent : report.unknown_agents) {
    Log()->warn(
        "declared pools: no agent {} yet; it joins its pool at the next reload after "
        "it registers",
        agent);
  }
}

std::vector<store::DeclaredPool> Declared(const std::vector<config::Pool>& pools) {
  std::vector<store::DeclaredPool> declared;
  declared.reserve(pools.size());
  for (const config::Pool& pool : pools) declared.push_back({pool.name, pool.agents});
  return declared;
}

}  // namespace

StatusOr<std::unique_ptr<pki::CertificateAuthority>> LoadCa(const config::Config& config,
                                                            const Clock& clock) {
  pki::CaFiles files{config.ca.cert, config.ca.key, config.ca.generate};
  ORCH_ASSIGN_OR_RETURN(std::unique_ptr<pki::CertificateAuthority> ca,
                        pki::CertificateAuthority::LoadOrCreate(files, clock));
  Log()->info("internal CA \"{}\" ({}) {} {}", ca->certificate().issued_dn,
              ca->certificate().thumbprint, ca->generated() ? "created at" : "loaded from",
              files.cert_path);
  return ca;
}

net::ServerLimits AgentLimits(const config::Config& config) {
  net::ServerLimits limits;
  limits.max_header_bytes = config.control.max_header;
  limits.max_body_bytes = kAgentMaxBody;
  limits.read_timeout = config.control.read_timeout;
  limits.idle_timeout = config.control.idle_timeout;
  // Agents connect once per request at worst; long polls keep a connection each.
  limits.max_connections = config.agents.max_connections;
  // Agents send one request at a time (a long poll parks for up to a minute); reading ahead
  // would only keep a TLS read outstanding under every parked poll.
  limits.max_pipelined = 1;
  return limits;
}

StatusOr<api::AgentListenerInfo> BindAgentListener(net::HttpServer& server,
                                                   const config::Config& config,
                                                   const pki::CertificateAuthority& ca,
                                                   const Clock& clock) {
  const config::ListenAddress& listen = config.agents.listen;
  api::AgentListenerInfo info{listen.host, listen.port, config.agents.tls.enabled};
  if (!info.tls) {
    Log()->warn(
        "agents.tls is off: agents talk plain HTTP, and secrets and tokens cross the "
        "network unencrypted; use this only on loopback for tests");
    ORCH_ASSIGN_OR_RETURN(info.port, server.ListenTcp(listen.host, listen.port));
    return info;
  }
  ORCH_ASSIGN_OR_RETURN(net::TlsServerOptions tls, TlsOptions(config, ca, clock));
  StatusOr<uint16_t> port = server.ListenTls(listen.host, listen.port, tls);
  pki::Cleanse(tls.key_pem);
  if (!port.ok()) return port.status();
  info.port = *port;
  return info;
}

Status ReconcilePools(store::Repositories& store, const std::vector<config::Pool>& pools,
                      WallTime now) {
  ORCH_ASSIGN_OR_RETURN(store::ReconcileReport report,
                        store.pools().ReconcileDeclaredPools(Declared(pools), now));
  LogReport(report);
  return Status::Ok();
}

void ReconcilePoolsLater(store::StoreWriter& writer, const std::vector<config::Pool>& pools,
                         WallTime now, std::function<void(Status)> done) {
  writer.Submit<store::ReconcileReport>(
      [declared = Declared(pools), now](store::Repositories& store) {
        return store.pools().ReconcileDeclaredPools(declared, now);
      },
      [done = std::move(done)](StatusOr<store::ReconcileReport> report) {
        if (report.ok()) LogReport(*report);
        done(report.status());
      });
}

}  // namespace orch::daemon
