// ParseYaml: walks the YAML tree with one table of fields per section (common/yaml_reader.h).
// yaml-cpp's exceptions are turned into located errors here.
#include "config/parse_yaml.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "common/claims.h"
#include "common/guid.h"
#include "common/logging.h"
#include "common/yaml_reader.h"
#include "config/config.h"
#include "jobs/ascii.h"

namespace orch::config {
namespace {

using yaml::Assign;
using yaml::AssignStrings;
using yaml::CheckPair;
using yaml::Choose;
using yaml::Field;
using yaml::KeyList;
using yaml::KeyNode;
using yaml::Position;
using yaml::Quoted;
using yaml::Reader;
using yaml::ReadList;
using yaml::ReadMap;
using yaml::Source;

constexpr int64_t kDayMs = 86'400'000;

// ---- Item checks ---------------------------------------------------------------------------

Status CheckIp(std::string_view s) {
  if (IsIpAddress(s)) return Status::Ok();
  return InvalidArgumentError(Quoted(s) + " is not an IP address");
}

Status CheckHostName(std::string_view s) {
  if (IsDnsName(s) || IsIpAddress(s)) return Status::Ok();
  return InvalidArgumentError(Quoted(s) + " is not a DNS name or IP address");
}

Status CheckPrincipal(std::string_view s) {
  bool ok = std::none_of(s.begin(), s.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) ||
           std::iscntrl(static_cast<unsigned char>(c));
  });
  if (ok) return Status::Ok();
  return InvalidArgumentError(Quoted(s) + " is not a user or group name or a number");
}

// Every claim the control API checks, so that a typo never silently grants nothing.
std::string KnownClaims() {
  std::string list;
  for (std::string_view claim : claims::kAll) list += std::string(claim) + ", ";
  for (std::string_view claim : claims::kScopable) list += std::string(claim) + "<id>/, ";
  return list.substr(0, list.size() - 2);
}

Status CheckClaim(std::string_view s) {
  if (claims::IsKnown(s)) return Status::Ok();
  if (s.size() < 2 || s.front() != '/' || s.back() != '/') {
    return InvalidArgumentError("claim " + Quoted(s) +
                                " must start and end with '/' (e.g. \"/ssl/read/\")");
  }
  return InvalidArgumentError("unknown claim " + Quoted(s) + " (expected one of: " + KnownClaims() +
                              ")");
}

Status CheckGuid(std::string_view s) {
  if (IsGuid(s)) return Status::Ok();
  return InvalidArgumentError(Quoted(s) +
                              " is not an agent GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
}

// ---- control ------------------------------------------------------------------------------

Status ReadSocket(const Reader& r, const YAML::Node& n, ControlConfig& out) {
  ORCH_ASSIGN_OR_RETURN(out.socket, r.Path(n));
  if (out.socket.size() > kMaxSocketPath) {
    return r.Error(n, "socket path " + Quoted(out.socket) + " is longer than " +
                          std::to_string(kMaxSocketPath) + " bytes");
  }
  return Status::Ok();
}

constexpr Field<ControlConfig> kControlFields[] = {
    {"socket", ReadSocket},
    {"mode", Assign<&ControlConfig::mode, &Reader::Parsed<ParseFileMode>>},
    {"group", Assign<&ControlConfig::group, &Reader::Text>},
    {"max_body", Assign<&ControlConfig::max_body, &Reader::Size<1>>},
    {"max_header", Assign<&ControlConfig::max_header, &Reader::Size<1024>>},
    {"max_connections", Assign<&ControlConfig::max_connections, &Reader::Count<1, 1'000'000>>},
    {"read_timeout", Assign<&ControlConfig::read_timeout, &Reader::SpanWithin<1, kDayMs>>},
    {"idle_timeout", Assign<&ControlConfig::idle_timeout, &Reader::SpanWithin<1, kDayMs>>},
};

// ---- agents -------------------------------------------------------------------------------

constexpr Field<TlsConfig> kTlsFields[] = {
    {"cert", Assign<&TlsConfig::cert, &Reader::Path>},
    {"key", Assign<&TlsConfig::key, &Reader::Path>},
    {"names", AssignStrings<&TlsConfig::names, CheckHostName>},
};

// `tls` is either a switch or a map of certificate settings. YAML 1.1 reads off, false and no
// as the same boolean (and on, true and yes), and operators write any of them.
Status ReadTls(const Reader& r, const YAML::Node& n, AgentsConfig& out) {
  if (n.IsScalar()) {
    std::optional<bool> on = ParseYamlBool(n.Scalar());
    if (!on) {
      return r.Error(n,
                     "expected off (or another YAML boolean) or a map with keys cert, key, "
                     "names; got " +
                         Quoted(n.Scalar()));
    }
    // "on" is TLS with the defaults, as if the key were left out.
    out.tls = *on ? TlsConfig{} : TlsConfig{.enabled = false};
    return Status::Ok();
  }
  out.tls.enabled = true;
  ORCH_RETURN_IF_ERROR(ReadMap(r, n, kTlsFields, out.tls));
  ORCH_RETURN_IF_ERROR(CheckPair(r, n, "cert", "key"));
  if (out.tls.cert.empty() && out.tls.names.empty()) {
    return r.Error(n["names"], "names must not be empty when no cert is given");
  }
  return Status::Ok();
}

Status ReadHeartbeat(const Reader& r, const YAML::Node& n, AgentsConfig& out) {
  ORCH_ASSIGN_OR_RETURN(Duration d, (r.SpanWithin<60'000, kDayMs>(n)));
  // Agents receive HeartbeatInterval as a whole number of minutes.
  if (d.count() % 60'000 != 0) {
    return r.Error(n, "must be a whole number of minutes (agents receive it in minutes)");
  }
  out.heartbeat = std::chrono::duration_cast<std::chrono::minutes>(d);
  return Status::Ok();
}

constexpr Field<AutoApproveRule> kRuleFields[] = {
    {"client_machine", Assign<&AutoApproveRule::client_machine, &Reader::Text>},
    {"secret", Assign<&AutoApproveRule::secret, &Reader::Text>},
};

Status ReadAutoApprove(const Reader& r, const YAML::Node& n, AgentsConfig& out) {
  return ReadList(r, n, out.auto_approve,
                  [](const Reader& ir, const YAML::Node& item, AutoApproveRule& rule) {
                    ORCH_RETURN_IF_ERROR(ReadMap(ir, item, kRuleFields, rule));
                    // An empty rule would approve every agent; that must be spelled "*".
                    if (rule.client_machine.empty() && rule.secret.empty()) {
                      return ir.Error(item, "a rule needs client_machine, secret or both");
                    }
                    return Status::Ok();
                  });
}

constexpr Field<AgentsConfig> kAgentsFields[] = {
    {"listen", Assign<&AgentsConfig::listen, &Reader::Parsed<ParseListenAddress>>},
    {"tls", ReadTls},
    {"heartbeat", ReadHeartbeat},
    {"auto_approve", ReadAutoApprove},
    {"trusted_proxies", AssignStrings<&AgentsConfig::trusted_proxies, CheckIp>},
    {"max_connections", Assign<&AgentsConfig::max_connections, &Reader::Count<1, 1'000'000>>},
};

// ---- metrics ------------------------------------------------------------------------------

// The metrics listener has no authentication: only the machine itself may reach it.
Status ReadMetricsListen(const Reader& r, const YAML::Node& n, MetricsConfig& out) {
  ORCH_ASSIGN_OR_RETURN(ListenAddress address, r.Parsed<ParseListenAddress>(n));
  const bool loopback = address.host == "::1" || address.host.starts_with("127.");
  if (!loopback) {
    return r.Error(n, Quoted(address.host) +
                          " is not a loopback address (127.0.0.0/8 or [::1]): the metrics "
                          "listener has no authentication, so only this machine may reach it");
  }
  out.listen = std::move(address);
  return Status::Ok();
}

constexpr Field<MetricsConfig> kMetricsFields[] = {
    {"listen", ReadMetricsListen},
};

// ---- store, scheduler, history ------------------------------------------------------------

Status ReadStorePath(const Reader& r, const YAML::Node& n, StoreConfig& out) {
  // ":memory:" is SQLite's in-memory database, not a file name.
  if (n.IsScalar() && n.Scalar() == ":memory:") {
    out.path = n.Scalar();
    return Status::Ok();
  }
  ORCH_ASSIGN_OR_RETURN(out.path, r.Path(n));
  return Status::Ok();
}

Status ReadSynchronous(const Reader& r, const YAML::Node& n, StoreConfig& out) {
  static constexpr std::pair<std::string_view, Synchronous> kChoices[] = {
      {"off", Synchronous::kOff}, {"normal", Synchronous::kNormal}, {"full", Synchronous::kFull}};
  ORCH_ASSIGN_OR_RETURN(out.synchronous, Choose(r, n, kChoices));
  return Status::Ok();
}

constexpr Field<StoreConfig> kStoreFields[] = {
    {"path", ReadStorePath},
    {"synchronous", ReadSynchronous},
    {"readers", Assign<&StoreConfig::readers, &Reader::Count<1, 16>>},
};

constexpr Field<SchedulerConfig> kSchedulerFields[] = {
    {"lease", Assign<&SchedulerConfig::lease, &Reader::SpanWithin<1'000, 7 * kDayMs>>},
    {"max_attempts", Assign<&SchedulerConfig::max_attempts, &Reader::Count<1, 100>>},
    {"retry_backoff", Assign<&SchedulerConfig::retry_backoff, &Reader::SpanWithin<1, 30 * kDayMs>>},
    // Zero is meaningful: never catch up on fires missed while the daemon was down.
    {"catchup_window", Assign<&SchedulerConfig::catchup_window, &Reader::SpanWithin<0, 366 * kDayMs>>},
};

constexpr Field<HistoryConfig> kHistoryFields[] = {
    {"retain_success", Assign<&HistoryConfig::retain_success, &Reader::Span<1>>},
    {"retain_failure", Assign<&HistoryConfig::retain_failure, &Reader::Span<1>>},
};

// ---- ca, keys -----------------------------------------------------------------------------

constexpr Field<CaConfig> kCaFields[] = {
    {"cert", Assign<&CaConfig::cert, &Reader::Path>},
    {"key", Assign<&CaConfig::key, &Reader::Path>},
    {"agent_cert_validity", Assign<&CaConfig::agent_cert_validity, &Reader::Span<86'400'000>>},
};

Status ReadCa(const Reader& r, const YAML::Node& n, Config& out) {
  ORCH_RETURN_IF_ERROR(ReadMap(r, n, kCaFields, out.ca));
  ORCH_RETURN_IF_ERROR(CheckPair(r, n, "cert", "key"));
  // A CA the operator names is loaded, never generated over.
  if (!KeyNode(n, "cert").IsNull()) out.ca.generate = false;
  return Status::Ok();
}

constexpr Field<KeysConfig> kKeysFields[] = {
    {"master_key_file", Assign<&KeysConfig::master_key_file, &Reader::Path>},
};

// ---- roles, pools -------------------------------------------------------------------------

constexpr Field<Role> kRoleFields[] = {
    {"name", Assign<&Role::name, &Reader::Text>},
    {"users", AssignStrings<&Role::users, CheckPrincipal>},
    {"groups", AssignStrings<&Role::groups, CheckPrincipal>},
    {"claims", AssignStrings<&Role::claims, CheckClaim>},
};

constexpr Field<Pool> kPoolFields[] = {
    {"name", Assign<&Pool::name, &Reader::Text>},
    {"agents", AssignStrings<&Pool::agents, CheckGuid>},
};

// How a list of named maps compares its names.
enum class NameCase { kExact, kIgnored };

bool SameName(NameCase name_case, std::string_view a, std::string_view b) {
  return name_case == NameCase::kExact ? a == b : jobs::EqualsIgnoreCase(a, b);
}

// Reads a list of named maps whose names are required and unique. `check_name`, when given,
// says what is wrong with a name on its own.
template <typename T, size_t N>
Status ReadNamedList(const Reader& r, const YAML::Node& n, const Field<T> (&fields)[N],
                     std::string_view what, NameCase name_case,
                     Status (*check_name)(std::string_view), std::vector<T>& out) {
  std::vector<std::pair<std::string, YAML::Mark>> names;
  return ReadList(r, n, out, [&](const Reader& ir, const YAML::Node& item, T& value) {
    ORCH_RETURN_IF_ERROR(ReadMap(ir, item, fields, value));
    if (value.name.empty()) return ir.Error(item, "missing key \"name\"");
    const Reader name_reader = ir.Child(KeyNode(item, "name"));
    if (check_name != nullptr) {
      if (Status s = check_name(value.name); !s.ok()) return name_reader.Error(item["name"], s);
    }
    for (const auto& [name, mark] : names) {
      if (!SameName(name_case, name, value.name)) continue;
      std::string first = "first at " + Position(mark);
      if (name != value.name) {
        first +=
            " as " + Quoted(name) + "; " + std::string(what) + " names are compared ignoring case";
      }
      return name_reader.Error(item["name"], "duplicate " + std::string(what) + " name " +
                                                 Quoted(value.name) + " (" + first + ")");
    }
    names.emplace_back(value.name, item["name"].Mark());
    return Status::Ok();
  });
}

Status ReadRoles(const Reader& r, const YAML::Node& n, Config& out) {
  return ReadNamedList(r, n, kRoleFields, "role", NameCase::kExact, nullptr, out.roles);
}

// The store compares pool names ignoring case, so the built-in pool's name is taken in any case.
Status CheckPoolName(std::string_view name) {
  if (!jobs::EqualsIgnoreCase(name, kDefaultPoolName)) return Status::Ok();
  return InvalidArgumentError(Quoted(name) + " is the built-in pool's name (" +
                              Quoted(kDefaultPoolName) +
                              "; pool names are compared ignoring case)");
}

// Agent GUIDs are compared in lowercase; an agent belongs to at most one declared pool.
Status CheckPoolAgents(const Reader& r, const YAML::Node& n, std::vector<Pool>& pools) {
  std::vector<std::pair<std::string, std::string>> owner;  // agent → pool name
  for (size_t i = 0; i < pools.size(); ++i) {
    for (size_t j = 0; j < pools[i].agents.size(); ++j) {
      std::string& agent = pools[i].agents[j];
      agent = jobs::AsciiLowercase(agent);
      auto it = std::find_if(owner.begin(), owner.end(), [&](auto& o) { return o.first == agent; });
      if (it != owner.end()) {
        return r.Item(i, n[i]).Error(
            n[i]["agents"][j], "agent " + agent + " is already in pool " + Quoted(it->second));
      }
      owner.emplace_back(agent, pools[i].name);
    }
  }
  return Status::Ok();
}

Status ReadPools(const Reader& r, const YAML::Node& n, Config& out) {
  ORCH_RETURN_IF_ERROR(
      ReadNamedList(r, n, kPoolFields, "pool", NameCase::kIgnored, CheckPoolName, out.pools));
  return CheckPoolAgents(r, n, out.pools);
}

// ---- the top level ------------------------------------------------------------------------

template <auto kMember, const auto& kFields>
Status ReadSection(const Reader& r, const YAML::Node& n, Config& out) {
  return ReadMap(r, n, kFields, out.*kMember);
}

// state_dir is read before everything else (ReadStateDir); here it is only accepted.
Status AcceptStateDir(const Reader&, const YAML::Node&, Config&) {
  return Status::Ok();
}

constexpr Field<Config> kTopFields[] = {
    {"state_dir", AcceptStateDir},
    {"control", ReadSection<&Config::control, kControlFields>},
    {"agents", ReadSection<&Config::agents, kAgentsFields>},
    {"metrics", ReadSection<&Config::metrics, kMetricsFields>},
    {"store", ReadSection<&Config::store, kStoreFields>},
    {"scheduler", ReadSection<&Config::scheduler, kSchedulerFields>},
    {"history", ReadSection<&Config::history, kHistoryFields>},
    {"ca", ReadCa},
    {"keys", ReadSection<&Config::keys, kKeysFields>},
    {"roles", ReadRoles},
    {"pools", ReadPools},
    {"logging", ReadSection<&Config::logging, yaml::kLoggingFields>},
};

// Every default path hangs off state_dir, so it is settled before the other sections.
StatusOr<std::string> ReadStateDir(const Reader& r, const YAML::Node& root) {
  YAML::Node key = KeyNode(root, "state_dir");
  if (key.IsNull()) return Defaults().state_dir;
  return r.Child(key).Text(root["state_dir"]);
}

StatusOr<Config> ParseDocument(std::string_view text, std::string_view filename, SourceMap* map) {
  Source source{filename, "", map};
  Reader top(source, "", YAML::Mark());
  ORCH_ASSIGN_OR_RETURN(
      YAML::Node root,
      yaml::LoadMapDocument(top, text, "a map of sections (" + KeyList(kTopFields) + ")"));
  ORCH_ASSIGN_OR_RETURN(source.state_dir, ReadStateDir(top, root));
  Config config = DefaultsFor(source.state_dir);
  ORCH_RETURN_IF_ERROR(ReadMap(top, root, kTopFields, config));
  return config;
}

// yaml-cpp throws; its exceptions end here as located errors.
StatusOr<Config> ParseCatching(std::string_view text, std::string_view filename, SourceMap* map) {
  return yaml::Catching(filename, [&] { return ParseDocument(text, filename, map); });
}

}  // namespace

StatusOr<Config> ParseYaml(std::string_view text, std::string_view filename) {
  return ParseCatching(text, filename, nullptr);
}

StatusOr<Config> ParseYaml(std::string_view text, std::string_view filename, SourceMap& map) {
  return ParseCatching(text, filename, &map);
}

}  // namespace orch::config
