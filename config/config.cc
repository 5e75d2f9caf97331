#include "config/config.h"

#include <fnmatch.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/config_file.h"
#include "config/check.h"

namespace orch::config {
namespace {

std::string Join(const std::string& dir, std::string_view name) {
  return (std::filesystem::path(dir) / name).string();
}

// systemd's StateDirectory= may list several directories; orchd uses the first.
std::string StateDirFromEnvironment() {
  const char* env = std::getenv("STATE_DIRECTORY");
  std::string dir = FirstStateDirectory(env == nullptr ? "" : env);
  return dir.empty() ? "./var" : dir;
}

// A master key handed over by LoadCredential= wins over one in the state directory.
std::string DefaultMasterKeyFile(const std::string& state_dir) {
  const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
  if (credentials != nullptr && *credentials != '\0') {
    std::string path = Join(credentials, "master.key");
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return path;
  }
  return Join(state_dir, "master.key");
}

Role LocalAdminRole() {
  Role role;
  role.name = std::string(kLocalAdminRole);
  role.users = {std::to_string(getuid())};
  role.claims.assign(kAllClaims.begin(), kAllClaims.end());
  return role;
}

struct RestartSetting {
  std::string_view name;
  bool (*same)(const Config&, const Config&);
};

// The name is the member path itself, so the two cannot drift apart.
// clang-format off
#define ORCH_RESTART_SETTING(member) \
  { #member, [](const Config& a, const Config& b) { return a.member == b.member; } }
// clang-format on

// Settings read once at startup: sockets are bound, the store is open and the CA and master key
// are loaded before the first request. Everything else is applied on reload.
constexpr RestartSetting kRestartSettings[] = {
    ORCH_RESTART_SETTING(state_dir),
    ORCH_RESTART_SETTING(control.socket),
    ORCH_RESTART_SETTING(control.mode),
    ORCH_RESTART_SETTING(control.group),
    ORCH_RESTART_SETTING(agents.listen),
    ORCH_RESTART_SETTING(agents.tls),
    ORCH_RESTART_SETTING(metrics.listen),
    ORCH_RESTART_SETTING(store.path),
    ORCH_RESTART_SETTING(store.synchronous),
    ORCH_RESTART_SETTING(store.readers),
    ORCH_RESTART_SETTING(ca.cert),
    ORCH_RESTART_SETTING(ca.key),
    ORCH_RESTART_SETTING(ca.agent_cert_validity),
    ORCH_RESTART_SETTING(keys.master_key_file),
};

#undef ORCH_RESTART_SETTING

}  // namespace

Config DefaultsFor(const std::string& state_dir) {
  Config config;
  config.state_dir = state_dir;
  config.control.socket = Join(state_dir, "orchd.sock");
  config.store.path = Join(state_dir, "orchd.db");
  config.ca.cert = Join(state_dir, "ca.crt");
  config.ca.key = Join(state_dir, "ca.key");
  config.keys.master_key_file = DefaultMasterKeyFile(state_dir);
  config.roles = {LocalAdminRole()};
  return config;
}

Config Defaults() {
  return DefaultsFor(StateDirFromEnvironment());
}

StatusOr<Config> LoadFile(const std::string& path) {
  ORCH_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  return ParseYaml(text, path);
}

StatusOr<CheckedConfig> CheckFile(const std::string& path, UserDirectory& directory) {
  ORCH_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  return CheckYaml(text, path, directory);
}

std::vector<std::string> RestartRequired(const Config& running, const Config& next) {
  std::vector<std::string> changed;
  for (const RestartSetting& setting : kRestartSettings) {
    if (!setting.same(running, next)) changed.emplace_back(setting.name);
  }
  return changed;
}

bool Matches(const AutoApproveRule& rule, std::string_view client_machine,
             std::string_view secret_name) {
  if (!rule.secret.empty() && rule.secret != secret_name) return false;
  if (rule.client_machine.empty()) return true;
  // Host names compare without regard to case, as DNS does.
  return fnmatch(rule.client_machine.c_str(), std::string(client_machine).c_str(), FNM_CASEFOLD) ==
         0;
}

}  // namespace orch::config
