// ParseAgentConfig: orch-agent's settings, read with the strict YAML reader that orchd's
// configuration uses (common/yaml_reader.h). yaml-cpp's exceptions end here.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "agent/agent_config.h"
#include "agent/secret_file.h"
#include "common/config_file.h"
#include "common/yaml_reader.h"
#include "jobs/store_types.h"

namespace orch::agent {
namespace {

using yaml::Assign;
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

// The ClientMachine becomes the CN of the agent's certificate, which orchd keeps to 64.
constexpr size_t kMaxClientMachine = 64;
constexpr int64_t kMaxPollWaitMs = 60'000;
constexpr int64_t kMaxHookTimeoutMs = 600'000;  // 10m
constexpr int64_t kMaxBackoffMs = 3'600'000;    // 1h
constexpr uint64_t kMaxParallel = 64;

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return c < 0x20 || c == 0x7F; });
}

// The entries of a list that must not repeat, with where each was first written.
class Distinct {
 public:
  Status Add(const Reader& r, const YAML::Node& n, const std::string& value) {
    for (const auto& [seen, mark] : seen_) {
      if (seen == value) {
        return r.Error(n, Quoted(value) + " is listed twice (first at " + Position(mark) + ")");
      }
    }
    seen_.emplace_back(value, n.Mark());
    return Status::Ok();
  }

 private:
  std::vector<std::pair<std::string, YAML::Mark>> seen_;
};

// ---- server, insecure_plain_http ------------------------------------------------------------

Status ReadInsecurePlainHttp(const Reader& r, const YAML::Node& n, AgentConfig& out) {
  ORCH_ASSIGN_OR_RETURN(std::string text, r.Scalar(n, "true or false"));
  std::optional<bool> value = ParseYamlBool(text);
  if (!value) return r.Error(n, "expected true or false, got " + Quoted(text));
  out.insecure_plain_http = *value;
  return Status::Ok();
}

// ---- ca_file --------------------------------------------------------------------------------

// The file is read when the agent connects; a missing one is caught here already.
Status ReadCaFile(const Reader& r, const YAML::Node& n, AgentConfig& out) {
  ORCH_ASSIGN_OR_RETURN(out.ca_file, r.Path(n));
  std::error_code ec;
  std::filesystem::file_status status = std::filesystem::status(out.ca_file, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return r.Error(n, out.ca_file + " does not exist");
  }
  // A file the agent may not look at (no permission) is left to the connection to report.
  if (!ec && status.type() != std::filesystem::file_type::regular) {
    return r.Error(n, out.ca_file + " is not a regular file");
  }
  return Status::Ok();
}

// ---- secret ---------------------------------------------------------------------------------

Status ReadSecretName(const Reader& r, const YAML::Node& n, SecretConfig& out) {
  ORCH_ASSIGN_OR_RETURN(out.name, r.Text(n));
  // The name is the user name of HTTP Basic authentication, which ends at the first ':'.
  if (out.name.find(':') != std::string::npos || HasControlCharacter(out.name)) {
    return r.Error(n, Quoted(out.name) + " is not a secret name (no ':' or control characters)");
  }
  return Status::Ok();
}

constexpr Field<SecretConfig> kSecretFields[] = {
    {"name", ReadSecretName},
    {"value_file", Assign<&SecretConfig::value_file, &Reader::Path>},
};

Status ReadSecret(const Reader& r, const YAML::Node& n, AgentConfig& out) {
  out.secret.reset();
  if (n.IsNull()) return Status::Ok();  // an empty section: no secret, as if left out
  // A secret in the configuration file would be readable by whoever may read the file.
  if (YAML::Node value = KeyNode(n, "value"); !value.IsNull()) {
    return r.Child(value).Error(value,
                                "the secret value is never written in the configuration; put it "
                                "in a file only the agent can read and name that file in "
                                "value_file");
  }
  SecretConfig secret;
  ORCH_RETURN_IF_ERROR(ReadMap(r, n, kSecretFields, secret));
  for (const Field<SecretConfig>& field : kSecretFields) {
    if (KeyNode(n, field.key).IsNull()) {
      return r.Error(n, "missing key " + Quoted(field.key));
    }
  }
  StatusOr<std::string> value = ReadSecretValue(secret.value_file);
  if (!value.ok()) return r.Child(KeyNode(n, "value_file")).Error(n["value_file"], value.status());
  secret.value = std::move(value).value();
  out.secret = std::move(secret);
  return Status::Ok();
}

// ---- client_machine, store_roots, store_types -----------------------------------------------

Status CheckClientMachine(std::string_view machine) {
  if (machine.size() <= kMaxClientMachine && !HasControlCharacter(machine)) return Status::Ok();
  return InvalidArgumentError(Quoted(machine) + " is not a client machine name: at most " +
                              std::to_string(kMaxClientMachine) +
                              " characters and no control characters (it becomes the common "
                              "name of the agent's certificate)");
}

Status ReadClientMachine(const Reader& r, const YAML::Node& n, AgentConfig& out) {
  ORCH_ASSIGN_OR_RETURN(out.client_machine, r.Text(n));
  Status valid = CheckClientMachine(out.client_machine);
  return valid.ok() ? valid : r.Error(n, valid);
}

// "/srv/certs/", "/srv/./certs" and "/srv/certs" are one directory.
std::string NormalDirectory(const std::string& path) {
  std::string normal = std::filesystem::path(path).lexically_normal().string();
  while (normal.size() > 1 && normal.ends_with('/')) normal.pop_back();
  return normal;
}

Status ReadStoreRoots(const Reader& r, const YAML::Node& n, AgentConfig& out) {
  Distinct distinct;
  ORCH_RETURN_IF_ERROR(ReadList(
      r, n, out.store_roots, [&](const Reader& ir, const YAML::Node& item, std::string& root) {
        ORCH_ASSIGN_OR_RETURN(root, ir.Text(item));
        if (!std::filesystem::path(root).is_absolute()) {
          return ir.Error(item, Quoted(root) + " is not an absolute path");
        }
        root = NormalDirectory(root);
        return distinct.Add(ir, item, root);
      }));
  if (out.store_roots.empty()) {
    return r.Error(n, "must list at least one directory the agent may write under");
  }
  return Status::Ok();
}

constexpr std::pair<std::string_view, int> kStoreTypes[] = {
    {"PEM", jobs::kPemStoreType},
    {"PKCS12", jobs::kPkcs12StoreType},
};

Status ReadStoreTypes(const Reader& r, const YAML::Node& n, AgentConfig& out) {
  Distinct distinct;
  ORCH_RETURN_IF_ERROR(
      ReadList(r, n, out.store_types, [&](const Reader& ir, const YAML::Node& item, int& type) {
        ORCH_ASSIGN_OR_RETURN(type, Choose(ir, item, kStoreTypes));
        return distinct.Add(ir, item, item.Scalar());
      }));
  if (out.store_types.empty()) return r.Error(n, "must name at least one of PEM, PKCS12");
  return Status::Ok();
}

// ---- hooks ----------------------------------------------------------------------------------

Status ReadHookStores(const Reader& r, const YAML::Node& n, HookConfig& out) {
  ORCH_ASSIGN_OR_RETURN(out.stores, r.Text(n));
  // StorePaths are absolute, so any other pattern would match nothing.
  if (!out.stores.starts_with('/') && !out.stores.starts_with('*')) {
    return r.Error(n, Quoted(out.stores) +
                          " matches no store: store paths are absolute, so start the pattern "
                          "with '/' or '*'");
  }
  return Status::Ok();
}

Status ReadHookRun(const Reader& r, const YAML::Node& n, HookConfig& out) {
  if (n.IsScalar()) {
    return r.Error(n,
                   "expected a list of the program and its arguments, run without a shell, "
                   "such as [/usr/bin/systemctl, reload, nginx]");
  }
  ORCH_RETURN_IF_ERROR(
      ReadList(r, n, out.run, [](const Reader& ir, const YAML::Node& item, std::string& arg) {
        ORCH_ASSIGN_OR_RETURN(arg, ir.Scalar(item, "a string"));
        return Status::Ok();
      }));
  if (out.run.empty()) return r.Error(n, "must list the program and its arguments");
  // No shell and no PATH lookup: what runs is exactly the file named.
  if (!out.run[0].starts_with('/')) {
    return r.Item(0, n[0]).Error(
        n[0], Quoted(out.run[0]) + " is not an absolute path (hooks run without a shell or PATH)");
  }
  return Status::Ok();
}

constexpr Field<HookConfig> kHookFields[] = {
    {"stores", ReadHookStores},
    {"run", ReadHookRun},
    {"timeout", Assign<&HookConfig::timeout, &Reader::SpanWithin<1, kMaxHookTimeoutMs>>},
};

Status ReadHooks(const Reader& r, const YAML::Node& n, AgentConfig& out) {
  return ReadList(r, n, out.hooks, [](const Reader& ir, const YAML::Node& item, HookConfig& hook) {
    if (!item.IsMap()) return ir.Error(item, "expected a map with keys " + KeyList(kHookFields));
    ORCH_RETURN_IF_ERROR(ReadMap(ir, item, kHookFields, hook));
    for (std::string_view key : {"stores", "run"}) {
      if (KeyNode(item, key).IsNull()) return ir.Error(item, "missing key " + Quoted(key));
    }
    return Status::Ok();
  });
}

// ---- poll_wait, max_parallel, backoff, logging ----------------------------------------------

Status ReadPollWait(const Reader& r, const YAML::Node& n, AgentConfig& out) {
  ORCH_ASSIGN_OR_RETURN(Duration d, (r.SpanWithin<1000, kMaxPollWaitMs>(n)));
  // Jobs/Poll takes WaitSeconds, a whole number.
  if (d.count() % 1000 != 0) return r.Error(n, "must be a whole number of seconds");
  out.poll_wait = std::chrono::duration_cast<std::chrono::seconds>(d);
  return Status::Ok();
}

constexpr Field<BackoffConfig> kBackoffFields[] = {
    {"initial", Assign<&BackoffConfig::initial, &Reader::SpanWithin<1, kMaxBackoffMs>>},
    {"max", Assign<&BackoffConfig::max, &Reader::SpanWithin<1, kMaxBackoffMs>>},
};

Status ReadBackoff(const Reader& r, const YAML::Node& n, AgentConfig& out) {
  ORCH_RETURN_IF_ERROR(ReadMap(r, n, kBackoffFields, out.backoff));
  if (out.backoff.initial <= out.backoff.max) return Status::Ok();
  // Point at whichever of the two the file gives; both may be.
  std::string_view at = KeyNode(n, "max").IsNull() ? "initial" : "max";
  return r.Child(KeyNode(n, at))
      .Error(n[std::string(at)], "backoff.initial (" + FormatDuration(out.backoff.initial) +
                                     ") is longer than backoff.max (" +
                                     FormatDuration(out.backoff.max) + ")");
}

// ---- the top level --------------------------------------------------------------------------

// state_dir is read before everything else (ReadStateDir); here it is only accepted.
Status AcceptStateDir(const Reader&, const YAML::Node&, AgentConfig&) {
  return Status::Ok();
}

template <auto kMember, const auto& kFields>
Status ReadSection(const Reader& r, const YAML::Node& n, AgentConfig& out) {
  return ReadMap(r, n, kFields, out.*kMember);
}

constexpr Field<AgentConfig> kTopFields[] = {
    {"server", Assign<&AgentConfig::server, &Reader::Parsed<ParseServerUrl>>},
    {"insecure_plain_http", ReadInsecurePlainHttp},
    {"ca_file", ReadCaFile},
    {"secret", ReadSecret},
    {"client_machine", ReadClientMachine},
    {"state_dir", AcceptStateDir},
    {"store_roots", ReadStoreRoots},
    {"store_types", ReadStoreTypes},
    {"hooks", ReadHooks},
    {"poll_wait", ReadPollWait},
    {"max_parallel", Assign<&AgentConfig::max_parallel, &Reader::Count<1, kMaxParallel>>},
    {"backoff", ReadBackoff},
    {"logging", ReadSection<&AgentConfig::logging, yaml::kLoggingFields>},
};

// Relative paths in the file hang off state_dir, so it is settled before the other settings.
StatusOr<std::string> ReadStateDir(const Reader& r, const YAML::Node& root,
                                   const AgentConfigEnv& env) {
  YAML::Node key = KeyNode(root, "state_dir");
  if (!key.IsNull()) return r.Child(key).Text(root["state_dir"]);
  std::string systemd = FirstStateDirectory(env.state_directory);
  return systemd.empty() ? std::string(kDefaultStateDir) : systemd;
}

// What one setting alone cannot tell: the settings that depend on the server's scheme, and
// the required ones. `map` says where each setting was written, or that it was left out.
Status CheckTogether(const AgentConfig& config, const SourceMap& map) {
  auto error = [&](std::string_view setting, std::string_view message) {
    return InvalidArgumentError(map.Locate(setting, message));
  };
  if (!map.Has("server")) {
    return error("server",
                 "required: the URL of orchd's agent listener, such as "
                 "https://orchd.example.com:8443");
  }
  if (!map.Has("store_roots")) {
    return error("store_roots",
                 "required: the directories the agent may write under (there is "
                 "no default)");
  }
  if (!config.server.tls && !config.insecure_plain_http) {
    return error("server",
                 "a plain http:// server is refused; use https://, or set "
                 "insecure_plain_http: true (for loopback tests only)");
  }
  if (config.server.tls && config.insecure_plain_http) {
    return error("insecure_plain_http", "applies only to an http:// server; remove it");
  }
  if (config.server.tls && config.ca_file.empty()) {
    return error("ca_file", "required with an https:// server: the PEM certificate of orchd's CA");
  }
  if (!config.server.tls && !config.ca_file.empty()) {
    return error("ca_file", "is not used with a plain http:// server; remove it");
  }
  if (config.client_machine.empty()) {
    return error("client_machine", "the host name is unknown; set client_machine");
  }
  // A client_machine in the file was checked where it was read; the host name is checked here.
  if (Status valid = CheckClientMachine(config.client_machine); !valid.ok()) {
    return error("client_machine", "the host name " + valid.message() + "; set client_machine");
  }
  return Status::Ok();
}

StatusOr<AgentConfig> ParseDocument(std::string_view text, std::string_view filename,
                                    const AgentConfigEnv& env) {
  SourceMap map{std::string(filename)};
  Source source{filename, "", &map};
  Reader top(source, "", YAML::Mark());
  ORCH_ASSIGN_OR_RETURN(
      YAML::Node root,
      yaml::LoadMapDocument(top, text, "a map of settings (" + KeyList(kTopFields) + ")"));
  ORCH_ASSIGN_OR_RETURN(source.state_dir, ReadStateDir(top, root, env));
  AgentConfig config;
  config.state_dir = source.state_dir;
  config.client_machine = env.host_name;
  ORCH_RETURN_IF_ERROR(ReadMap(top, root, kTopFields, config));
  ORCH_RETURN_IF_ERROR(CheckTogether(config, map));
  return config;
}

}  // namespace

StatusOr<AgentConfig> ParseAgentConfig(std::string_view yaml, std::string_view filename,
                                       const AgentConfigEnv& env) {
  return yaml::Catching(filename, [&] { return ParseDocument(yaml, filename, env); });
}

}  // namespace orch::agent
