// AgentConfig: orch-agent's configuration file (YAML) as plain, validated structs. The
// "Configuration" section of docs/orch-agent.md describes every key; this header is its typed
// form.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/hooks.h"
#include "agent/server_url.h"
#include "common/config_values.h"
#include "common/logging.h"
#include "common/status.h"
#include "jobs/store_types.h"

namespace orch::agent {

/// Where the configuration file is read when no --config is given.
inline constexpr std::string_view kDefaultConfigPath = "/etc/orch-agent/orch-agent.yaml";

/// The state directory when systemd sets none.
inline constexpr std::string_view kDefaultStateDir = "/var/lib/orch-agent";

/// `secret`: the agent secret the first enrollment authenticates with (HTTP Basic).
struct SecretConfig {
  std::string name;        // the secret's name, the Basic user name
  std::string value_file;  // the file the value was read from
  std::string value;       // its first line; never logged
  friend bool operator==(const SecretConfig&, const SecretConfig&) = default;
};

/// One `hooks` entry of the file: {stores, run, timeout}, as RunHooks (agent/hooks.h) runs it.
using HookConfig = Hook;

/// `backoff`: the delay before reconnecting, doubling from `initial` up to `max` (with jitter).
struct BackoffConfig {
  Duration initial = std::chrono::seconds(1);
  Duration max = std::chrono::seconds(60);
  friend bool operator==(const BackoffConfig&, const BackoffConfig&) = default;
};

/// The whole configuration. Paths are absolute or relative to the working directory; relative
/// paths in the file have already been resolved against `state_dir`.
struct AgentConfig {
  ServerUrl server;                      // required
  bool insecure_plain_http = false;      // true only with an http:// server
  std::string ca_file;                   // orchd's CA (PEM); set exactly when server.tls
  std::optional<SecretConfig> secret;    // needed until the agent has a certificate
  std::string client_machine;            // default: the host name
  std::string state_dir;                 // default $STATE_DIRECTORY (first) or kDefaultStateDir
  std::vector<std::string> store_roots;  // required; absolute, normalised, no duplicates
  std::vector<int> store_types{jobs::kPemStoreType, jobs::kPkcs12StoreType};  // StoreType numbers
  std::vector<HookConfig> hooks;
  std::chrono::seconds poll_wait{60};  // Jobs/Poll WaitSeconds, 1..60
  uint32_t max_parallel = 4;           // stores deployed at once
  BackoffConfig backoff;
  LoggingConfig logging;  // as orchd's
  friend bool operator==(const AgentConfig&, const AgentConfig&) = default;
};

/// What the defaults depend on, so that parsing is deterministic in tests.
struct AgentConfigEnv {
  std::string host_name;        // the default client_machine
  std::string state_directory;  // $STATE_DIRECTORY as systemd sets it; "" when unset
};

/// The environment of this process: gethostname(2) and $STATE_DIRECTORY.
AgentConfigEnv SystemAgentConfigEnv();

/// Parses the YAML `yaml` read from `filename`. Every error reads
/// "filename:line:col: setting: message"; a required setting the file leaves out reads
/// "filename: setting: message". Reads the secret's value_file, which must be a regular file
/// that group and others cannot access.
StatusOr<AgentConfig> ParseAgentConfig(std::string_view yaml, std::string_view filename,
                                       const AgentConfigEnv& env);

/// Reads (at most 1 MiB) and parses the file at `path`; an unreadable file is an error naming
/// the path.
StatusOr<AgentConfig> LoadAgentConfig(const std::string& path, const AgentConfigEnv& env);

/// The capabilities the agent advertises at registration, one per store type in
/// `config.store_types`: "CertStores.PEM.Management", "CertStores.P12.Management".
std::vector<std::string> AdvertisedCapabilities(const AgentConfig& config);

}  // namespace orch::agent
