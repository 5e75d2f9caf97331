// Config: orchd's configuration file (YAML) as plain, validated structs. docs/configuration.md
// describes every key; this header is its typed form.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/claims.h"
#include "common/config_values.h"
#include "common/logging.h"
#include "common/status.h"

namespace orch::config {

// The value types of Config's fields (common/config_values.h, common/logging.h), under their
// names here.
using orch::Duration;
using orch::ListenAddress;
using orch::LoggingConfig;

/// Every claim orchd checks (SPEC §8), in their global form; the default role holds all of them.
inline constexpr const auto& kAllClaims = claims::kAll;

/// Name of the role the embedded defaults grant to the user that runs orchd.
inline constexpr std::string_view kLocalAdminRole = "local-admin";

/// The longest Unix socket path: sun_path holds 108 bytes including the terminating NUL.
inline constexpr size_t kMaxSocketPath = 107;

/// Name of the built-in pool, which a declared pool may not take.
inline constexpr std::string_view kDefaultPoolName = "Default Agent Pool";

/// `control`: the operators' Unix socket and its limits.
struct ControlConfig {
  std::string socket;              // default <state_dir>/orchd.sock
  uint32_t mode = 0660;            // permission bits of the socket file
  std::string group;               // group owning the socket; empty: the daemon's own
  uint64_t max_body = 8 << 20;     // bytes
  uint64_t max_header = 16 << 10;  // bytes
  uint32_t max_connections = 256;
  Duration read_timeout = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::seconds(60);
  friend bool operator==(const ControlConfig&, const ControlConfig&) = default;
};

/// `agents.tls`: TLS on the agent listener.
struct TlsConfig {
  bool enabled = true;                          // false only for `tls: off`
  std::string cert;                             // PEM chain; empty: issued by the internal CA
  std::string key;                              // PEM key; set exactly when `cert` is
  std::vector<std::string> names{"localhost"};  // names of the CA-issued server certificate
  friend bool operator==(const TlsConfig&, const TlsConfig&) = default;
};

/// One `agents.auto_approve` rule; at least one of the two is set, and all set ones must match.
struct AutoApproveRule {
  std::string client_machine;  // glob (fnmatch, case-insensitive); empty: any machine
  std::string secret;          // agent secret name the agent registered with; empty: any
  friend bool operator==(const AutoApproveRule&, const AutoApproveRule&) = default;
};

/// `agents`: the TCP listener agents talk to (SPEC §6).
struct AgentsConfig {
  ListenAddress listen{"0.0.0.0", 8443};
  TlsConfig tls;
  std::chrono::minutes heartbeat{5};  // sent to agents as HeartbeatInterval
  std::vector<AutoApproveRule> auto_approve;
  std::vector<std::string> trusted_proxies;  // IP addresses allowed to send X-ARR-ClientCert
  uint32_t max_connections = 20000;          // each long poll holds one
  friend bool operator==(const AgentsConfig&, const AgentsConfig&) = default;
};

/// `metrics`: where GET /metrics is served besides the control socket.
struct MetricsConfig {
  /// A loopback TCP address for a Prometheus scraper (plain HTTP, GET /metrics only); unset:
  /// the control socket alone serves the metrics.
  std::optional<ListenAddress> listen;
  friend bool operator==(const MetricsConfig&, const MetricsConfig&) = default;
};

/// SQLite's `PRAGMA synchronous` levels.
enum class Synchronous { kOff, kNormal, kFull };

/// `store`: the SQLite database.
struct StoreConfig {
  std::string path;  // default <state_dir>/orchd.db; ":memory:" is kept as is
  Synchronous synchronous = Synchronous::kFull;
  uint32_t readers = 2;  // reader connections that answer queries off the event loop, 1..16
  friend bool operator==(const StoreConfig&, const StoreConfig&) = default;
};

/// `scheduler`: leases, retries and catch-up after downtime (SPEC §5).
struct SchedulerConfig {
  Duration lease = std::chrono::minutes(10);
  uint32_t max_attempts = 3;  // 1..100
  Duration retry_backoff = std::chrono::minutes(1);
  Duration catchup_window = std::chrono::hours(1);
  friend bool operator==(const SchedulerConfig&, const SchedulerConfig&) = default;
};

/// `history`: how long finished runs are kept.
struct HistoryConfig {
  Duration retain_success = std::chrono::days(30);
  Duration retain_failure = std::chrono::days(180);
  friend bool operator==(const HistoryConfig&, const HistoryConfig&) = default;
};

/// `ca`: the internal CA that issues agent client certificates.
struct CaConfig {
  std::string cert;      // default <state_dir>/ca.crt
  std::string key;       // default <state_dir>/ca.key
  bool generate = true;  // true: created at cert/key on first start; false: the file named them
  Duration agent_cert_validity = std::chrono::days(365);
  friend bool operator==(const CaConfig&, const CaConfig&) = default;
};

/// `keys`: the master key that encrypts private keys and passwords at rest.
struct KeysConfig {
  std::string master_key_file;  // default $CREDENTIALS_DIRECTORY/master.key or <state_dir>/...
  friend bool operator==(const KeysConfig&, const KeysConfig&) = default;
};

/// One `roles` entry: who (by uid/gid of the control-socket peer) holds which claims.
struct Role {
  std::string name;
  std::vector<std::string> users;   // user names or decimal uids
  std::vector<std::string> groups;  // group names or decimal gids
  std::vector<std::string> claims;  // each starts and ends with '/'
  friend bool operator==(const Role&, const Role&) = default;
};

/// One `pools` entry: a declared, read-only agent pool.
struct Pool {
  std::string name;
  std::vector<std::string> agents;  // lowercase agent GUIDs
  friend bool operator==(const Pool&, const Pool&) = default;
};

/// The whole configuration. Paths are absolute or relative to the working directory; relative
/// paths in the file have already been resolved against `state_dir`.
struct Config {
  std::string state_dir;
  ControlConfig control;
  AgentsConfig agents;
  MetricsConfig metrics;
  StoreConfig store;
  SchedulerConfig scheduler;
  HistoryConfig history;
  CaConfig ca;
  KeysConfig keys;
  std::vector<Role> roles;
  std::vector<Pool> pools;
  LoggingConfig logging;
  friend bool operator==(const Config&, const Config&) = default;
};

/// The embedded defaults: state_dir is $STATE_DIRECTORY (first entry) when set, else "./var";
/// the master key is $CREDENTIALS_DIRECTORY/master.key when that file exists.
Config Defaults();

/// Defaults() with every default path under `state_dir` instead.
Config DefaultsFor(const std::string& state_dir);

/// Defaults() overlaid with the YAML `text`. Every error reads "filename:line:col: message".
StatusOr<Config> ParseYaml(std::string_view text, std::string_view filename);

/// Reads and parses the file at `path`; an unreadable file is an error naming the path.
StatusOr<Config> LoadFile(const std::string& path);

/// Dotted names of the settings that differ between `running` and `next` and only take effect
/// after a restart (e.g. "agents.listen"); empty when a reload applies everything.
std::vector<std::string> RestartRequired(const Config& running, const Config& next);

/// True when `rule` admits an agent registering as `client_machine` with the agent secret
/// named `secret_name` (empty when it used no secret).
bool Matches(const AutoApproveRule& rule, std::string_view client_machine,
             std::string_view secret_name);

}  // namespace orch::config
