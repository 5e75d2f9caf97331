#include "daemon/daemon.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include <systemd/sd-daemon.h>

#include "api/agent/agent_api.h"
#include "api/agent/session_touches.h"
#include "api/control/control_api.h"
#include "common/clock.h"
#include "common/logging.h"
#include "common/user_directory.h"
#include "common/version.h"
#include "config/check.h"
#include "daemon/agent_listener.h"
#include "daemon/directories.h"
#include "daemon/instance_lock.h"
#include "daemon/scheduler_wiring.h"
#include "daemon/systemd_notifier.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "pki/hash.h"
#include "pki/secret_box.h"
#include "store/catalog_facts.h"
#include "store/read_pool.h"
#include "store/sqlite_repositories.h"
#include "store/sqlite_store.h"
#include "store/write_executor.h"

namespace orch::daemon {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  return GetLogger("daemon");
}

net::ServerLimits ControlLimits(const config::ControlConfig& control) {
  net::ServerLimits limits;
  limits.max_header_bytes = control.max_header;
  limits.max_body_bytes = control.max_body;
  limits.read_timeout = control.read_timeout;
  limits.idle_timeout = control.idle_timeout;
  limits.max_connections = control.max_connections;
  return limits;
}

std::string LockPath(const config::Config& config) {
  return config.state_dir + "/orchd.lock";
}

const char* SynchronousName(config::Synchronous s) {
  switch (s) {
    case config::Synchronous::kOff: return "off";
    case config::Synchronous::kNormal: return "normal";
    case config::Synchronous::kFull: return "full";
  }
  return "full";
}

// The control socket handed over by systemd (orchd.socket), if any.
std::optional<int> ActivatedUnixSocket() {
  int n = sd_listen_fds(1);
  if (n <= 0) return std::nullopt;
  for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; ++fd) {
    if (sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) > 0) return fd;
    Log()->warn("ignoring socket-activated descriptor {}: not a listening Unix stream socket", fd);
  }
  return std::nullopt;
}

// The path a listening Unix socket is bound to, or a description of it when it has none.
std::string UnixSocketPath(int fd) {
  sockaddr_un address{};
  socklen_t length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      address.sun_family != AF_UNIX || length <= offsetof(sockaddr_un, sun_path) ||
      address.sun_path[0] == '\0') {
    return "descriptor " + std::to_string(fd) + " (socket activation)";
  }
  const size_t size = length - offsetof(sockaddr_un, sun_path);
  return std::string(address.sun_path, strnlen(address.sun_path, size));
}

// What GET /metrics shows of one listener's connections.
api::ListenerStats StatsOf(std::string listener, const net::HttpServer& server) {
  const net::ServerCounters& counters = server.counters();
  return api::ListenerStats{std::move(listener), server.connection_count(),
                            counters.connections_accepted, counters.connections_dropped,
                            counters.refused_requests};
}

// Every agent session holds a connection: the soft limit (often 1024) goes up to the hard one.
rlim_t RaiseOpenFilesLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

}  // namespace

void ApplyLogging(const config::LoggingConfig& logging) {
  ConfigureLogging(logging.level, logging.format.value_or(DetectLogFormat()));
}

StatusOr<DaemonOptions> ResolveConfig(const std::string& flag_path) {
  static constexpr const char kPackagedPath[] = "/etc/orchd/orchd.yaml";
  DaemonOptions options;
  options.config_path = flag_path;
  if (options.config_path.empty() && ::access(kPackagedPath, F_OK) == 0) {
    options.config_path = kPackagedPath;
  }
  UserDirectory& directory = NssUserDirectory::Instance();
  StatusOr<config::CheckedConfig> checked = options.config_path.empty()
                                                ? config::CheckDefaults(directory)
                                                : config::CheckFile(options.config_path, directory);
  if (!checked.ok()) return checked.status();
  options.config = std::move(checked->config);
  options.warnings = std::move(checked->warnings);
  return options;
}

struct Daemon::Parts {
  const Clock& clock = SystemClock::Instance();
  // What GET /metrics shows of the listeners' requests; lives as long as the process, so its
  // counters survive reloads, and outlives every router and reply that counts into it.
  api::RequestMetrics request_metrics{clock};
  SystemdNotifier notifier{clock};
  net::EventLoop loop;
  std::unique_ptr<InstanceLock> lock;
  std::optional<int> activated_control_fd;  // the control socket systemd handed over, if any
  std::unique_ptr<store::SqliteStore> store;
  // The repositories of `store`, the loop's own connection.
  std::unique_ptr<store::Repositories> repositories;
  // What every Add checks of the catalog, kept in step by the control API's catalog writes;
  // it outlives the writer, whose answers update it.
  std::unique_ptr<store::CatalogFacts> catalog_facts;
  // The writer thread, on a connection of its own; stopped before the store closes.
  std::unique_ptr<store::WriteExecutor> writer;
  // The reader threads, on connections of their own; stopped before the store closes. An
  // in-memory store has no file to share: its queries are read on `store` itself.
  std::unique_ptr<store::ReadPool> read_pool;
  std::unique_ptr<store::InlineReader> inline_reader;
  store::StoreReader* reader = nullptr;
  std::unique_ptr<pki::SecretBox> secret_box;
  std::unique_ptr<api::Authorizer> authorizer;
  std::unique_ptr<pki::CertificateAuthority> ca;
  std::unique_ptr<LoopTimer> scheduler_timer;
  std::unique_ptr<scheduler::Scheduler> scheduler;
  std::unique_ptr<LoopTimer> touches_timer;
  std::unique_ptr<api::SessionTouches> touches;
  std::unique_ptr<api::AgentApi> agent_api;
  std::unique_ptr<net::HttpServer> agent_server;
  api::AgentListenerInfo agent_listener;
  std::unique_ptr<api::ControlApi> control_api;
  std::unique_ptr<net::HttpServer> control_server;
  // GET /metrics on metrics.listen, when set.
  std::unique_ptr<api::Router> metrics_router;
  std::unique_ptr<net::HttpServer> metrics_server;
  std::unique_ptr<net::EventLoop::Timer> watchdog;
  std::function<void()> watchdog_ping;
  bool draining = false;
};

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)), parts_(new Parts) {}

Daemon::~Daemon() = default;

Status Daemon::Start() {
  // A write to a client that has gone must fail with EPIPE, never end the process: systemd
  // ignores SIGPIPE for its services, but orchd started by hand would inherit the default.
  ::signal(SIGPIPE, SIG_IGN);
  Log()->info("orchd {} starting ({})", kVersion,
              options_.config_path.empty() ? "embedded defaults" : options_.config_path);
  for (const std::string& warning : options_.warnings) Log()->warn("{}", warning);
  Log()->info("open-files limit {}", RaiseOpenFilesLimit());
  ORCH_RETURN_IF_ERROR(Preflight());
  ORCH_RETURN_IF_ERROR(PrepareStateDir());
  ORCH_RETURN_IF_ERROR(OpenStore());
  ORCH_RETURN_IF_ERROR(LoadCatalogFacts());
  ORCH_RETURN_IF_ERROR(LoadMasterKey());
  ORCH_RETURN_IF_ERROR(
      ReconcilePools(*parts_->repositories, options_.config.pools, parts_->clock.WallNow())
          .Context("declared pools"));
  ORCH_ASSIGN_OR_RETURN(parts_->ca, LoadCa(options_.config, parts_->clock));
  ORCH_RETURN_IF_ERROR(StartScheduler());
  ORCH_RETURN_IF_ERROR(BindAgentListener());
  parts_->authorizer = std::make_unique<api::Authorizer>(parts_->clock, options_.config.roles);
  parts_->control_api = std::make_unique<api::ControlApi>(
      api::ControlDeps{.clock = &parts_->clock,
                       .store = parts_->repositories.get(),
                       .writer = parts_->writer.get(),
                       .catalog_facts = parts_->catalog_facts.get(),
                       .reader = parts_->reader,
                       .secret_box = parts_->secret_box.get(),
                       .authorizer = parts_->authorizer.get(),
                       .agent_listener = &parts_->agent_listener,
                       .scheduler = parts_->scheduler.get(),
                       .pending_last_seen = [this] { return parts_->touches->PendingLastSeen(); },
                       .request_metrics = &parts_->request_metrics,
                       .listener_stats =
                           [this] {
                             std::vector<api::ListenerStats> out;
                             out.push_back(StatsOf("control", *parts_->control_server));
                             out.push_back(StatsOf("agent", *parts_->agent_server));
                             if (parts_->metrics_server) {
                               out.push_back(StatsOf("metrics", *parts_->metrics_server));
                             }
                             return out;
                           },
                       .session_lifetime = [this] { return parts_->agent_api->session_lifetime(); }});
  parts_->control_api->Observe(&parts_->request_metrics);
  ORCH_RETURN_IF_ERROR(BindControlSocket());
  ORCH_RETURN_IF_ERROR(BindMetricsListener());
  InstallSignals();
  StartWatchdog();
  const std::string agents = parts_->agent_listener.address + ":" +
                             std::to_string(parts_->agent_listener.port) +
                             (parts_->agent_listener.tls ? " (TLS)" : " (plain HTTP)");
  parts_->notifier.Ready("serving on " + control_socket_ + " and " + agents);
  Log()->info("ready: control socket {}, agent listener {}", control_socket_, agents);
  return Status::Ok();
}

void Daemon::Run() {
  parts_->loop.Run();
  parts_->touches->Flush();
  // Writes what is still queued (the agents' session calls above) before the checkpoint.
  parts_->writer->Stop();
  // Runs and answers the queries still queued; none holds a snapshot during the checkpoint.
  if (parts_->read_pool) parts_->read_pool->Stop();
  if (Status last = parts_->writer->state().last_commit; !last.ok()) {
    Log()->warn("last write at exit: {}", last.ToString());
  }
  Status s = parts_->store->Checkpoint();
  if (!s.ok()) Log()->warn("checkpoint at exit: {}", s.ToString());
  Log()->info("stopped");
}

// A refused start leaves the state directory as it was, so what can refuse it without creating
// anything comes first: another orchd on the state directory (when its lock file exists), a
// control socket another process serves, an agent address in use.
Status Daemon::Preflight() {
  const std::string lock = LockPath(options_.config);
  if (::access(lock.c_str(), F_OK) == 0) {
    ORCH_ASSIGN_OR_RETURN(parts_->lock, InstanceLock::Acquire(lock));
  }
  parts_->activated_control_fd = ActivatedUnixSocket();
  if (!parts_->activated_control_fd) {
    ORCH_RETURN_IF_ERROR(
        net::CheckUnixListenPath(options_.config.control.socket).Context("control socket"));
  }
  const config::ListenAddress& listen = options_.config.agents.listen;
  ORCH_RETURN_IF_ERROR(
      net::CheckTcpListenAddress(listen.host, listen.port).Context("agent listener"));
  if (const std::optional<config::ListenAddress>& metrics = options_.config.metrics.listen) {
    ORCH_RETURN_IF_ERROR(
        net::CheckTcpListenAddress(metrics->host, metrics->port).Context("metrics.listen"));
  }
  return Status::Ok();
}

Status Daemon::PrepareStateDir() {
  ORCH_RETURN_IF_ERROR(CreateStateDirectories(options_.config));
  if (!parts_->lock) {
    ORCH_ASSIGN_OR_RETURN(parts_->lock, InstanceLock::Acquire(LockPath(options_.config)));
  }
  return Status::Ok();
}

Status Daemon::OpenStore() {
  store::SqliteStore::Options opts;
  opts.path = options_.config.store.path;
  opts.synchronous = SynchronousName(options_.config.store.synchronous);
  opts.clock = &parts_->clock;
  opts.orchd_version = kVersion;
  ORCH_ASSIGN_OR_RETURN(parts_->store, store::SqliteStore::Open(opts));
  parts_->repositories = store::RepositoriesOf(*parts_->store);
  // The writer's connection finds the schema current: opening it migrates nothing.
  opts.further_connection = "writer";
  ORCH_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteStore> writer, store::SqliteStore::Open(opts));
  parts_->writer = std::make_unique<store::WriteExecutor>(
      std::move(writer), [this](std::function<void()> fn) { parts_->loop.Post(std::move(fn)); },
      store::WriteExecutor::Options{});
  if (opts.path == store::SqliteStore::kInMemoryPath) {
    parts_->inline_reader = std::make_unique<store::InlineReader>(*parts_->store);
    parts_->reader = parts_->inline_reader.get();
  } else {
    ORCH_ASSIGN_OR_RETURN(
        parts_->read_pool,
        store::ReadPool::Open(
            opts, options_.config.store.readers,
            [this](std::function<void()> fn) { parts_->loop.Post(std::move(fn)); },
            store::ReadPool::Options{}));
    parts_->reader = parts_->read_pool.get();
    Log()->info("{} store reader(s) for queries", options_.config.store.readers);
  }
  return Status::Ok();
}

Status Daemon::LoadCatalogFacts() {
  ORCH_ASSIGN_OR_RETURN(store::CatalogFacts facts, store::CatalogFacts::Load(parts_->repositories->catalog()));
  Log()->info("catalog: {} certificate(s), {} certificate store(s)", facts.certificate_count(),
              facts.store_count());
  parts_->catalog_facts = std::make_unique<store::CatalogFacts>(std::move(facts));
  return Status::Ok();
}

Status Daemon::LoadMasterKey() {
  const std::string& path = options_.config.keys.master_key_file;
  ORCH_ASSIGN_OR_RETURN(std::string key, pki::LoadOrCreateMasterKey(path));
  StatusOr<pki::SecretBox> box = pki::SecretBox::Create(key);
  pki::Cleanse(key);
  if (!box.ok()) return box.status().Context("master key " + path);
  parts_->secret_box = std::make_unique<pki::SecretBox>(std::move(box).value());
  Log()->info("master key {}", path);
  return Status::Ok();
}

Status Daemon::StartScheduler() {
  parts_->scheduler_timer = std::make_unique<LoopTimer>(parts_->loop, parts_->clock);
  parts_->scheduler = std::make_unique<scheduler::Scheduler>(
      parts_->clock, *parts_->repositories, *parts_->writer, *parts_->reader,
      *parts_->scheduler_timer,
      SchedulerSettingsFrom(options_.config));
  return parts_->scheduler->Start().Context("scheduler");
}

Status Daemon::BindAgentListener() {
  parts_->touches_timer = std::make_unique<LoopTimer>(parts_->loop, parts_->clock);
  parts_->touches =
      std::make_unique<api::SessionTouches>(*parts_->writer, parts_->clock, *parts_->touches_timer);
  parts_->agent_api =
      std::make_unique<api::AgentApi>(api::AgentDeps{.clock = &parts_->clock,
                                                     .writer = parts_->writer.get(),
                                                     .reader = parts_->reader,
                                                     .ca = parts_->ca.get(),
                                                     .secret_box = parts_->secret_box.get(),
                                                     .scheduler = parts_->scheduler.get(),
                                                     .touches = parts_->touches.get()},
                                      api::AgentSettingsFrom(options_.config));
  parts_->agent_api->Observe(&parts_->request_metrics);
  parts_->agent_server = std::make_unique<net::HttpServer>(parts_->loop, *parts_->agent_api,
                                                           AgentLimits(options_.config));
  ORCH_ASSIGN_OR_RETURN(parts_->agent_listener,
                        daemon::BindAgentListener(*parts_->agent_server, options_.config,
                                                  *parts_->ca, parts_->clock));
  return Status::Ok();
}

Status Daemon::BindControlSocket() {
  const config::ControlConfig& control = options_.config.control;
  parts_->control_server =
      std::make_unique<net::HttpServer>(parts_->loop, *parts_->control_api, ControlLimits(control));
  if (std::optional<int> fd = parts_->activated_control_fd) {
    control_socket_ = UnixSocketPath(*fd);
    Log()->info("control socket {} from socket activation (fd {})", control_socket_, *fd);
    if (control_socket_ != control.socket) {
      Log()->info("control.socket ({}) is not used: systemd hands over the socket", control.socket);
    }
    return parts_->control_server->AdoptUnixFd(*fd).Context("control socket");
  }
  control_socket_ = control.socket;
  std::optional<gid_t> gid;
  if (!control.group.empty()) {
    // The configuration check found the group; one removed since is refused here all the same.
    gid = NssUserDirectory::Instance().FindGroup(control.group);
    if (!gid)
      return FailedPreconditionError("control.group: no such group \"" + control.group + "\"");
  }
  return parts_->control_server->ListenUnix(control.socket, control.mode, gid)
      .Context("control socket");
}

Status Daemon::BindMetricsListener() {
  const std::optional<config::ListenAddress>& listen = options_.config.metrics.listen;
  if (!listen) return Status::Ok();
  // Plain HTTP with GET /metrics alone, from the same sources as the control socket's.
  parts_->metrics_router = std::make_unique<api::Router>(api::ControlRouterPrefixes());
  api::RegisterMetricsRoutes(*parts_->metrics_router, parts_->control_api->deps());
  parts_->metrics_router->Observe(&parts_->request_metrics, "metrics");
  parts_->metrics_server = std::make_unique<net::HttpServer>(
      parts_->loop, *parts_->metrics_router, ControlLimits(options_.config.control));
  StatusOr<uint16_t> port = parts_->metrics_server->ListenTcp(listen->host, listen->port);
  if (!port.ok()) return port.status().Context("metrics.listen");
  Log()->info("metrics on http://{}/metrics",
              FormatListenAddress(config::ListenAddress{listen->host, *port}));
  return Status::Ok();
}

void Daemon::InstallSignals() {
  parts_->loop.OnSignals({SIGTERM, SIGINT, SIGHUP}, [this](int signal) {
    if (signal == SIGHUP) {
      Reload();
    } else {
      Drain(signal);
    }
  });
}

void Daemon::StartWatchdog() {
  std::optional<std::chrono::microseconds> interval = parts_->notifier.WatchdogInterval();
  if (!interval) return;
  parts_->watchdog = parts_->loop.NewTimer();
  // Pinging from a loop timer proves the loop itself is turning, not just that a thread lives.
  parts_->watchdog_ping = [this, interval = *interval] {
    parts_->notifier.Watchdog();
    parts_->watchdog->ArmAfter(interval, parts_->watchdog_ping);
  };
  parts_->watchdog->ArmAfter(std::chrono::microseconds(0), parts_->watchdog_ping);
}

void Daemon::Reload() {
  parts_->notifier.Reloading();
  if (options_.config_path.empty()) {
    Log()->info("reload: running on embedded defaults, no file to read");
    parts_->notifier.Ready("serving; no configuration file to reload");
    return;
  }
  StatusOr<config::CheckedConfig> checked =
      config::CheckFile(options_.config_path, NssUserDirectory::Instance());
  if (!checked.ok()) {
    Log()->error("reload rejected, keeping the running configuration: {}",
                 checked.status().message());
    parts_->notifier.Ready("reload rejected: " + checked.status().message());
    return;
  }
  for (const std::string& warning : checked->warnings) Log()->warn("reload: {}", warning);
  const config::Config& next = checked->config;
  // options_.config stays the configuration the daemon started with: settings that need a
  // restart keep being read from it, and the warning repeats until the restart happens.
  for (const std::string& name : config::RestartRequired(options_.config, next)) {
    Log()->warn("reload: {} changed; it takes effect after a restart", name);
  }
  ApplyLogging(next.logging);
  parts_->authorizer->SetRoles(next.roles);
  // The certificate validity is read at start like the rest of `ca`.
  api::AgentSettings agent_settings = api::AgentSettingsFrom(next);
  agent_settings.agent_cert_validity = api::AgentSettingsFrom(options_.config).agent_cert_validity;
  parts_->agent_api->SetSettings(std::move(agent_settings));
  parts_->control_server->SetLimits(ControlLimits(next.control));
  if (parts_->metrics_server) parts_->metrics_server->SetLimits(ControlLimits(next.control));
  parts_->agent_server->SetLimits(AgentLimits(next));
  parts_->scheduler->SetSettings(SchedulerSettingsFrom(next));
  // The declared pools are written by the writer; the reload is complete once they are.
  ReconcilePoolsLater(*parts_->writer, next.pools, parts_->clock.WallNow(), [this](Status pools) {
    if (pools.ok()) {
      parts_->scheduler->PoolsChanged();
      parts_->notifier.Ready("serving; configuration reloaded");
    } else {
      Log()->error("reload: declared pools not applied: {}", pools.ToString());
      parts_->notifier.Ready("serving; configuration reloaded, declared pools not applied: " +
                             pools.message());
    }
    Log()->info("configuration reloaded from {}", options_.config_path);
  });
}

void Daemon::Drain(int signal) {
  if (parts_->draining) {
    Log()->info("signal {} during drain; still draining", signal);
    return;
  }
  parts_->draining = true;
  Log()->info("signal {}: draining", signal);
  parts_->notifier.Stopping("draining connections");
  if (parts_->watchdog) parts_->watchdog->Cancel();
  // Parked long polls are answered (empty) so their connections can drain.
  parts_->scheduler->Stop();
  // The loop stops once every listener has drained.
  auto pending = std::make_shared<int>(parts_->metrics_server ? 3 : 2);
  auto drained = [this, pending] {
    if (--*pending == 0) parts_->loop.Stop();
  };
  parts_->agent_server->Shutdown(drained);
  parts_->control_server->Shutdown(drained);
  if (parts_->metrics_server) parts_->metrics_server->Shutdown(drained);
}

}  // namespace orch::daemon
