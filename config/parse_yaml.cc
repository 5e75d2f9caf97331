// ParseYaml: walks the YAML tree with one table of fields per section. yaml-cpp stays in this
// file; its exceptions are turned into located errors here.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "common/claims.h"
#include "common/guid.h"
#include "common/logging.h"
#include "config/config.h"
#include "config/source_map.h"
#include "jobs/ascii.h"

namespace orch::config {
namespace {

std::string Quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string Located(std::string_view filename, const YAML::Mark& mark, std::string_view message) {
  // yaml-cpp counts from 0; editors and compilers count from 1.
  return std::string(filename) + ":" + std::to_string(std::max(mark.line, 0) + 1) + ":" +
         std::to_string(std::max(mark.column, 0) + 1) + ": " + std::string(message);
}

std::string ResolvePath(const std::string& state_dir, const std::string& path) {
  if (std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(state_dir) / path).string();
}

// What every reader of one file shares.
struct Source {
  std::string_view filename;
  std::string state_dir;
  SourceMap* map = nullptr;  // where each setting was written, when the caller wants to know
};

// Reads typed values out of nodes and reports errors at their line and column, prefixed with
// the dotted name of the setting ("agents.tls.cert", "roles[1].name").
class Reader {
 public:
  Reader(const Source& source, std::string path, YAML::Mark fallback)
      : source_(&source), path_(std::move(path)), fallback_(fallback) {}

  Reader Child(const YAML::Node& key) const {
    const std::string& name = key.Scalar();
    return Reader(*source_, path_.empty() ? name : path_ + "." + name, key.Mark());
  }
  Reader Item(size_t index, const YAML::Node& item) const {
    return Reader(*source_, path_ + "[" + std::to_string(index) + "]", item.Mark());
  }

  // Records where this setting's value `node` is, for checks made after parsing.
  void Note(const YAML::Node& node) const {
    if (source_->map == nullptr) return;
    YAML::Mark mark = MarkOf(node);
    source_->map->Add(path_, std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1);
  }

  Status Error(const YAML::Node& node, std::string_view message) const {
    YAML::Mark mark = MarkOf(node);
    std::string prefix = path_.empty() ? "" : path_ + ": ";
    return InvalidArgumentError(Located(source_->filename, mark, prefix + std::string(message)));
  }
  Status Error(const YAML::Node& node, const Status& status) const {
    return Error(node, status.message());
  }

  StatusOr<std::string> Scalar(const YAML::Node& n, std::string_view expected) const {
    if (!n.IsScalar()) return Error(n, "expected " + std::string(expected));
    return n.Scalar();
  }
  StatusOr<std::string> Text(const YAML::Node& n) const {
    ORCH_ASSIGN_OR_RETURN(std::string text, Scalar(n, "a non-empty string"));
    if (text.empty()) return Error(n, "expected a non-empty string");
    return text;
  }
  StatusOr<std::string> Path(const YAML::Node& n) const {
    ORCH_ASSIGN_OR_RETURN(std::string path, Scalar(n, "a file path"));
    if (path.empty()) return Error(n, "expected a file path");
    return ResolvePath(source_->state_dir, path);
  }
  template <int64_t kMinMs>
  StatusOr<Duration> Span(const YAML::Node& n) const {
    ORCH_ASSIGN_OR_RETURN(std::string text, Scalar(n, "a duration like 10m"));
    StatusOr<Duration> d = ParseDuration(text);
    if (!d.ok()) return Error(n, d.status());
    if (d->count() < kMinMs) {
      return Error(n, kMinMs == 1 ? std::string("must be longer than 0s")
                                  : "must be at least " + FormatDuration(Duration(kMinMs)));
    }
    return d;
  }
  template <uint64_t kMin>
  StatusOr<uint64_t> Size(const YAML::Node& n) const {
    ORCH_ASSIGN_OR_RETURN(std::string text, Scalar(n, "a size like 8MiB"));
    StatusOr<uint64_t> size = ParseSize(text);
    if (!size.ok()) return Error(n, size.status());
    if (*size < kMin) return Error(n, "must be at least " + std::to_string(kMin) + " bytes");
    return size;
  }
  template <uint64_t kMin, uint64_t kMax>
  StatusOr<uint64_t> Count(const YAML::Node& n) const {
    ORCH_ASSIGN_OR_RETURN(std::string text, Scalar(n, "a whole number"));
    StatusOr<uint64_t> count = ParseUnsigned(text);
    if (!count.ok()) return Error(n, count.status());
    if (*count < kMin || *count > kMax) {
      return Error(n, "must be in " + std::to_string(kMin) + ".." + std::to_string(kMax));
    }
    return count;
  }
  template <auto kParse>
  auto Parsed(const YAML::Node& n) const -> decltype(kParse(std::string_view())) {
    ORCH_ASSIGN_OR_RETURN(std::string text, Scalar(n, "a single value"));
    auto value = kParse(text);
    if (!value.ok()) return Error(n, value.status());
    return value;
  }

 private:
  // An empty value has no position of its own; yaml-cpp gives it the next token's.
  YAML::Mark MarkOf(const YAML::Node& node) const {
    return node.IsNull() || node.Mark().is_null() ? fallback_ : node.Mark();
  }

  const Source* source_;
  std::string path_;
  YAML::Mark fallback_;
};

// ---- Tables of fields ----------------------------------------------------------------------

template <typename T>
using FieldParser = Status (*)(const Reader&, const YAML::Node&, T&);

template <typename T>
struct Field {
  std::string_view key;
  FieldParser<T> parse;
};

// The usual field: a Reader method reads the value, which lands in one member.
template <auto kMember, auto kRead, typename T>
Status Assign(const Reader& r, const YAML::Node& n, T& out) {
  auto value = (r.*kRead)(n);
  if (!value.ok()) return value.status();
  out.*kMember = std::move(value).value();
  return Status::Ok();
}

template <typename T, size_t N>
std::string KeyList(const Field<T> (&fields)[N]) {
  std::string out;
  for (const Field<T>& field : fields) out += (out.empty() ? "" : ", ") + std::string(field.key);
  return out;
}

std::string Position(const YAML::Mark& mark) {
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

// Reads a map whose keys must all come from `fields`, in document order. A missing or empty
// section keeps the defaults. A wrong key is reported as the setting it would have been
// ("control.sockett"), like every other mistake.
template <typename T, size_t N>
Status ReadMap(const Reader& r, const YAML::Node& map, const Field<T> (&fields)[N], T& out) {
  if (map.IsNull()) return Status::Ok();
  if (!map.IsMap()) return r.Error(map, "expected a map with keys " + KeyList(fields));
  std::vector<std::pair<std::string, YAML::Mark>> seen;
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) return r.Error(key, "expected a key name");
    const std::string& name = key.Scalar();
    auto field = std::find_if(std::begin(fields), std::end(fields),
                              [&](const Field<T>& f) { return f.key == name; });
    if (field == std::end(fields)) {
      return r.Child(key).Error(key, "unknown key (expected one of: " + KeyList(fields) + ")");
    }
    auto first = std::find_if(seen.begin(), seen.end(), [&](auto& s) { return s.first == name; });
    if (first != seen.end()) {
      return r.Child(key).Error(key, "duplicate key (first at " + Position(first->second) + ")");
    }
    seen.emplace_back(name, key.Mark());
    const Reader child = r.Child(key);
    child.Note(entry.second);
    ORCH_RETURN_IF_ERROR(field->parse(child, entry.second, out));
  }
  return Status::Ok();
}

// Reads a list item by item; an empty value is an empty list.
template <typename T, typename ReadItem>
Status ReadList(const Reader& r, const YAML::Node& list, std::vector<T>& out, ReadItem read) {
  out.clear();
  if (list.IsNull()) return Status::Ok();
  if (!list.IsSequence()) return r.Error(list, "expected a list");
  for (size_t i = 0; i < list.size(); ++i) {
    T item{};
    const Reader item_reader = r.Item(i, list[i]);
    item_reader.Note(list[i]);
    ORCH_RETURN_IF_ERROR(read(item_reader, list[i], item));
    out.push_back(std::move(item));
  }
  return Status::Ok();
}

// A list of strings, each checked by `kCheck` (which says what is wrong, or ok).
template <Status (*kCheck)(std::string_view)>
Status ReadStrings(const Reader& r, const YAML::Node& list, std::vector<std::string>& out) {
  return ReadList(r, list, out, [](const Reader& ir, const YAML::Node& n, std::string& s) {
    ORCH_ASSIGN_OR_RETURN(s, ir.Text(n));
    Status valid = kCheck(s);
    return valid.ok() ? valid : ir.Error(n, valid);
  });
}

template <auto kMember, Status (*kCheck)(std::string_view), typename T>
Status AssignStrings(const Reader& r, const YAML::Node& n, T& out) {
  return ReadStrings<kCheck>(r, n, out.*kMember);
}

template <typename E, size_t N>
StatusOr<E> Choose(const Reader& r, const YAML::Node& n,
                   const std::pair<std::string_view, E> (&choices)[N]) {
  std::string names;
  for (const auto& choice : choices) {
    names += (names.empty() ? "" : ", ") + std::string(choice.first);
  }
  ORCH_ASSIGN_OR_RETURN(std::string text, r.Scalar(n, "one of " + names));
  for (const auto& [name, value] : choices) {
    if (name == text) return value;
  }
  return r.Error(n, "expected one of " + names + ", got " + Quoted(text));
}

// The key node named `name` in `map`, or a null node.
YAML::Node KeyNode(const YAML::Node& map, std::string_view name) {
  if (!map.IsMap()) return YAML::Node();
  for (const auto& entry : map) {
    if (entry.first.IsScalar() && entry.first.Scalar() == name) return entry.first;
  }
  return YAML::Node();
}

// Two keys that are given together or not at all (a certificate and its key).
Status CheckPair(const Reader& r, const YAML::Node& map, std::string_view a, std::string_view b) {
  YAML::Node a_key = KeyNode(map, a);
  YAML::Node b_key = KeyNode(map, b);
  if (a_key.IsNull() == b_key.IsNull()) return Status::Ok();
  const YAML::Node& given = a_key.IsNull() ? b_key : a_key;
  std::string_view missing = a_key.IsNull() ? a : b;
  return r.Error(given, std::string(given.Scalar()) + " is given without " + std::string(missing) +
                            "; give both or neither");
}

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
    {"read_timeout", Assign<&ControlConfig::read_timeout, &Reader::Span<1>>},
    {"idle_timeout", Assign<&ControlConfig::idle_timeout, &Reader::Span<1>>},
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
  ORCH_ASSIGN_OR_RETURN(Duration d, r.Span<60'000>(n));
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
};

constexpr Field<SchedulerConfig> kSchedulerFields[] = {
    {"lease", Assign<&SchedulerConfig::lease, &Reader::Span<1'000>>},
    {"max_attempts", Assign<&SchedulerConfig::max_attempts, &Reader::Count<1, 100>>},
    {"retry_backoff", Assign<&SchedulerConfig::retry_backoff, &Reader::Span<1>>},
    // Zero is meaningful: never catch up on fires missed while the daemon was down.
    {"catchup_window", Assign<&SchedulerConfig::catchup_window, &Reader::Span<0>>},
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

// ---- logging ------------------------------------------------------------------------------

Status ReadLevel(const Reader& r, const YAML::Node& n, LoggingConfig& out) {
  ORCH_ASSIGN_OR_RETURN(out.level, r.Parsed<ParseLogLevel>(n));
  return Status::Ok();
}

Status ReadFormat(const Reader& r, const YAML::Node& n, LoggingConfig& out) {
  static constexpr std::pair<std::string_view, std::optional<LogFormat>> kChoices[] = {
      {"auto", std::nullopt}, {"text", LogFormat::kText}, {"journal", LogFormat::kJournal}};
  ORCH_ASSIGN_OR_RETURN(out.format, Choose(r, n, kChoices));
  return Status::Ok();
}

constexpr Field<LoggingConfig> kLoggingFields[] = {
    {"level", ReadLevel},
    {"format", ReadFormat},
};

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
    {"store", ReadSection<&Config::store, kStoreFields>},
    {"scheduler", ReadSection<&Config::scheduler, kSchedulerFields>},
    {"history", ReadSection<&Config::history, kHistoryFields>},
    {"ca", ReadCa},
    {"keys", ReadSection<&Config::keys, kKeysFields>},
    {"roles", ReadRoles},
    {"pools", ReadPools},
    {"logging", ReadSection<&Config::logging, kLoggingFields>},
};

// Every default path hangs off state_dir, so it is settled before the other sections.
StatusOr<std::string> ReadStateDir(const Reader& r, const YAML::Node& root) {
  YAML::Node key = KeyNode(root, "state_dir");
  if (key.IsNull()) return Defaults().state_dir;
  return r.Child(key).Text(root["state_dir"]);
}

StatusOr<Config> ParseDocument(std::string_view text, std::string_view filename, SourceMap* map) {
  std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
  Source source{filename, "", map};
  Reader top(source, "", YAML::Mark());
  if (docs.size() > 1) return top.Error(docs[1], "expected one YAML document, found several");
  YAML::Node root = docs.empty() ? YAML::Node() : docs[0];
  if (!root.IsNull() && !root.IsMap()) {
    return top.Error(root, "expected a map of sections (" + KeyList(kTopFields) + ")");
  }
  ORCH_ASSIGN_OR_RETURN(source.state_dir, ReadStateDir(top, root));
  Config config = DefaultsFor(source.state_dir);
  ORCH_RETURN_IF_ERROR(ReadMap(top, root, kTopFields, config));
  return config;
}

// yaml-cpp throws; its exceptions end here as located errors.
StatusOr<Config> ParseCatching(std::string_view text, std::string_view filename, SourceMap* map) {
  try {
    return ParseDocument(text, filename, map);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp bounds its own recursion, but names it "bad file".
    return InvalidArgumentError(Located(
        filename, e.mark, "the YAML nests too deeply here (a configuration is a few levels deep)"));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(Located(filename, e.mark, e.msg));
  } catch (const std::exception& e) {
    return InvalidArgumentError(Located(filename, YAML::Mark(), e.what()));
  }
}

}  // namespace

StatusOr<Config> ParseYaml(std::string_view text, std::string_view filename) {
  return ParseCatching(text, filename, nullptr);
}

StatusOr<Config> ParseYaml(std::string_view text, std::string_view filename, SourceMap& map) {
  return ParseCatching(text, filename, &map);
}

}  // namespace orch::config
