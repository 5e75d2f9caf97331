#include "config/config.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::config {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::ConfigTest;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A fresh directory under the system temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "orchd-config-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& Path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text) const {
    std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::string path_;
};

TEST_F(ConfigTest, DefaultsWithoutSystemdRootEverythingInVar) {
  // Given no systemd directories, the defaults live under ./var and match the documentation.
  Config c = Defaults();
  EXPECT_EQ(c.state_dir, "./var");
  EXPECT_EQ(c.control.socket, "./var/orchd.sock");
  EXPECT_EQ(c.control.mode, 0660u);
  EXPECT_EQ(c.control.group, "");
  EXPECT_EQ(c.control.max_body, 8u << 20);
  EXPECT_EQ(c.control.max_header, 16u << 10);
  EXPECT_EQ(c.control.max_connections, 256u);
  EXPECT_EQ(c.control.read_timeout, seconds(30));
  EXPECT_EQ(c.control.idle_timeout, seconds(60));
  EXPECT_EQ(c.agents.listen, (ListenAddress{"0.0.0.0", 8443}));
  EXPECT_TRUE(c.agents.tls.enabled);
  EXPECT_EQ(c.agents.tls.cert, "");
  EXPECT_THAT(c.agents.tls.names, ElementsAre("localhost"));
  EXPECT_EQ(c.agents.heartbeat, minutes(5));
  EXPECT_THAT(c.agents.auto_approve, IsEmpty());
  EXPECT_THAT(c.agents.trusted_proxies, IsEmpty());
  EXPECT_EQ(c.agents.max_connections, 20000u);
  EXPECT_EQ(c.store.path, "./var/orchd.db");
  EXPECT_EQ(c.store.synchronous, Synchronous::kFull);
  EXPECT_EQ(c.store.readers, 2u);
  EXPECT_EQ(c.scheduler.lease, minutes(10));
  EXPECT_EQ(c.scheduler.max_attempts, 3u);
  EXPECT_EQ(c.scheduler.retry_backoff, minutes(1));
  EXPECT_EQ(c.scheduler.catchup_window, hours(1));
  EXPECT_EQ(c.history.retain_success, days(30));
  EXPECT_EQ(c.history.retain_failure, days(180));
  EXPECT_EQ(c.ca.cert, "./var/ca.crt");
  EXPECT_EQ(c.ca.key, "./var/ca.key");
  EXPECT_TRUE(c.ca.generate);
  EXPECT_EQ(c.ca.agent_cert_validity, days(365));
  EXPECT_EQ(c.keys.master_key_file, "./var/master.key");
  ASSERT_EQ(c.roles.size(), 1u);
  EXPECT_EQ(c.roles[0].name, "local-admin");
  EXPECT_THAT(c.roles[0].users, ElementsAre(std::to_string(getuid())));
  EXPECT_THAT(c.roles[0].groups, IsEmpty());
  EXPECT_EQ(c.roles[0].claims.size(), kAllClaims.size());
  EXPECT_THAT(c.pools, IsEmpty());
  EXPECT_EQ(c.logging.level, spdlog::level::info);
  EXPECT_EQ(c.logging.format, std::nullopt);
}

TEST_F(ConfigTest, DefaultsFollowSystemdStateAndCredentialDirectories) {
  // Given systemd's STATE_DIRECTORY (two entries) and a master key credential, both are used.
  TempDir credentials;
  setenv("STATE_DIRECTORY", "/var/lib/orchd:/var/lib/other", 1);
  setenv("CREDENTIALS_DIRECTORY", credentials.Path().c_str(), 1);
  EXPECT_EQ(Defaults().keys.master_key_file, "/var/lib/orchd/master.key");

  std::string key = credentials.Write("master.key", "k");
  Config c = Defaults();
  EXPECT_EQ(c.state_dir, "/var/lib/orchd");
  EXPECT_EQ(c.control.socket, "/var/lib/orchd/orchd.sock");
  EXPECT_EQ(c.keys.master_key_file, key);
}

TEST_F(ConfigTest, EmptyOrCommentOnlyFileGivesDefaults) {
  // Given a file with nothing in it but comments or empty sections, the defaults stand.
  for (const char* text :
       {"", "\n", "# nothing here\n   # still nothing\n", "---\n", "control:\nagents:\n"}) {
    ASSERT_OK_AND_ASSIGN(Config c, ParseYaml(text, "orchd.yaml"));
    EXPECT_EQ(c, Defaults()) << text;
  }
}

TEST_F(ConfigTest, FullFileSetsEverySetting) {
  // Given a file that sets every key, every field carries the file's value.
  ASSERT_OK_AND_ASSIGN(Config c, ParseYaml(R"(
state_dir: /srv/orchd
control:
  socket: /run/orchd/orchd.sock
  mode: "0600"
  group: orchd
  max_body: 1MiB
  max_header: 8192
  max_connections: 64
  read_timeout: 500ms
  idle_timeout: 2m
agents:
  listen: "[::]:9443"
  tls:
    cert: /etc/orchd/agents.crt
    key: /etc/orchd/agents.key
    names: [orchd.example.com, 10.0.0.5]
  heartbeat: 2m
  auto_approve:
    - client_machine: "*.lab.example.com"
    - secret: bootstrap
      client_machine: web-??
  trusted_proxies: [10.0.0.1, "fd00::1"]
  max_connections: 500
metrics:
  listen: "127.0.0.1:9464"
store:
  path: /var/lib/orchd/jobs.db
  synchronous: normal
  readers: 4
scheduler:
  lease: 15m
  max_attempts: 5
  retry_backoff: 30s
  catchup_window: 0s
history:
  retain_success: 7d
  retain_failure: 90d
ca:
  cert: /etc/orchd/ca.crt
  key: /etc/orchd/ca.key
  agent_cert_validity: 30d
keys:
  master_key_file: /run/credentials/orchd.service/master.key
roles:
  - name: operators
    users: [alice, "1001"]
    groups: [pki-ops, 2000]
    claims: [/ssl/read/, /certificate_stores/schedule/12/]
  - name: auditors
    groups: [audit]
    claims: [/agents/management/read/]
pools:
  - name: web
    agents: [0F8FAD5B-D9CB-469F-A165-70867728950E, 7c9e6679-7425-40de-944b-e07fc1f90ae7]
  - name: empty
logging:
  level: debug
  format: journal
)",
                                           "orchd.yaml"));
  EXPECT_EQ(c.state_dir, "/srv/orchd");
  EXPECT_EQ(c.control.socket, "/run/orchd/orchd.sock");
  EXPECT_EQ(c.control.mode, 0600u);
  EXPECT_EQ(c.control.group, "orchd");
  EXPECT_EQ(c.control.max_body, 1u << 20);
  EXPECT_EQ(c.control.max_header, 8192u);
  EXPECT_EQ(c.control.max_connections, 64u);
  EXPECT_EQ(c.control.read_timeout, milliseconds(500));
  EXPECT_EQ(c.control.idle_timeout, minutes(2));
  EXPECT_EQ(c.agents.listen, (ListenAddress{"::", 9443}));
  EXPECT_EQ(c.agents.tls.cert, "/etc/orchd/agents.crt");
  EXPECT_EQ(c.agents.tls.key, "/etc/orchd/agents.key");
  EXPECT_THAT(c.agents.tls.names, ElementsAre("orchd.example.com", "10.0.0.5"));
  EXPECT_EQ(c.agents.heartbeat, minutes(2));
  EXPECT_THAT(c.agents.auto_approve, ElementsAre(AutoApproveRule{"*.lab.example.com", ""},
                                                 AutoApproveRule{"web-??", "bootstrap"}));
  EXPECT_THAT(c.agents.trusted_proxies, ElementsAre("10.0.0.1", "fd00::1"));
  EXPECT_EQ(c.agents.max_connections, 500u);
  EXPECT_EQ(c.metrics.listen, (ListenAddress{"127.0.0.1", 9464}));
  EXPECT_EQ(c.store.path, "/var/lib/orchd/jobs.db");
  EXPECT_EQ(c.store.synchronous, Synchronous::kNormal);
  EXPECT_EQ(c.store.readers, 4u);
  EXPECT_EQ(c.scheduler.lease, minutes(15));
  EXPECT_EQ(c.scheduler.max_attempts, 5u);
  EXPECT_EQ(c.scheduler.retry_backoff, seconds(30));
  EXPECT_EQ(c.scheduler.catchup_window, seconds(0));
  EXPECT_EQ(c.history.retain_success, days(7));
  EXPECT_EQ(c.history.retain_failure, days(90));
  EXPECT_EQ(c.ca.cert, "/etc/orchd/ca.crt");
  EXPECT_EQ(c.ca.key, "/etc/orchd/ca.key");
  EXPECT_FALSE(c.ca.generate);
  EXPECT_EQ(c.ca.agent_cert_validity, days(30));
  EXPECT_EQ(c.keys.master_key_file, "/run/credentials/orchd.service/master.key");
  ASSERT_EQ(c.roles.size(), 2u);
  EXPECT_EQ(c.roles[0], (Role{"operators",
                              {"alice", "1001"},
                              {"pki-ops", "2000"},
                              {"/ssl/read/", "/certificate_stores/schedule/12/"}}));
  EXPECT_EQ(c.roles[1], (Role{"auditors", {}, {"audit"}, {"/agents/management/read/"}}));
  ASSERT_EQ(c.pools.size(), 2u);
  EXPECT_EQ(c.pools[0].name, "web");
  // GUIDs are kept in lowercase, the form they have everywhere else in orchd.
  EXPECT_THAT(c.pools[0].agents, ElementsAre("0f8fad5b-d9cb-469f-a165-70867728950e",
                                             "7c9e6679-7425-40de-944b-e07fc1f90ae7"));
  EXPECT_THAT(c.pools[1].agents, IsEmpty());
  EXPECT_EQ(c.logging.level, spdlog::level::debug);
  EXPECT_EQ(c.logging.format, LogFormat::kJournal);
}

TEST_F(ConfigTest, TlsOffAndEmptyRoleListAreHonoured) {
  // Given `tls: off` and an explicit empty role list, TLS is off and no role is granted.
  ASSERT_OK_AND_ASSIGN(Config c, ParseYaml("agents:\n  tls: off\nroles: []\n", "orchd.yaml"));
  EXPECT_FALSE(c.agents.tls.enabled);
  EXPECT_THAT(c.roles, IsEmpty());
}

TEST_F(ConfigTest, TlsTakesEveryYamlBoolean) {
  // Given agents.tls as each YAML 1.1 boolean, the false ones turn TLS off and the true ones
  // keep it on with the default settings.
  for (const char* off : {"off", "Off", "OFF", "false", "False", "FALSE", "no", "No", "NO"}) {
    ASSERT_OK_AND_ASSIGN(Config c, ParseYaml(std::string("agents:\n  tls: ") + off, "o.yaml"));
    EXPECT_FALSE(c.agents.tls.enabled) << off;
  }
  for (const char* on : {"on", "On", "ON", "true", "True", "TRUE", "yes", "Yes", "YES"}) {
    ASSERT_OK_AND_ASSIGN(Config c, ParseYaml(std::string("agents:\n  tls: ") + on, "o.yaml"));
    EXPECT_EQ(c.agents.tls, TlsConfig{}) << on;
  }
}

TEST_F(ConfigTest, RelativePathsResolveAgainstStateDir) {
  // Given a state_dir written after relative paths, those paths and the defaults hang off it.
  ASSERT_OK_AND_ASSIGN(Config c, ParseYaml(R"(
control:
  socket: run/orchd.sock
agents:
  tls: {cert: tls/agents.crt, key: /etc/orchd/agents.key}
ca: {cert: ca/ca.crt, key: ca/ca.key}
keys: {master_key_file: secret/master.key}
state_dir: /srv/orchd
)",
                                           "orchd.yaml"));
  EXPECT_EQ(c.control.socket, "/srv/orchd/run/orchd.sock");
  EXPECT_EQ(c.agents.tls.cert, "/srv/orchd/tls/agents.crt");
  EXPECT_EQ(c.agents.tls.key, "/etc/orchd/agents.key");
  EXPECT_EQ(c.ca.cert, "/srv/orchd/ca/ca.crt");
  EXPECT_EQ(c.ca.key, "/srv/orchd/ca/ca.key");
  EXPECT_EQ(c.keys.master_key_file, "/srv/orchd/secret/master.key");
  EXPECT_EQ(c.store.path, "/srv/orchd/orchd.db");

  ASSERT_OK_AND_ASSIGN(Config memory, ParseYaml("store: {path: \":memory:\"}", "orchd.yaml"));
  EXPECT_EQ(memory.store.path, ":memory:");
}

TEST_F(ConfigTest, LoadFileReadsAFileAndNamesAMissingOne) {
  // Given good, bad, oversized and missing files, the good one loads and the rest name the path.
  TempDir dir;
  std::string path = dir.Write("orchd.yaml", "scheduler:\n  lease: 20s\n");
  ASSERT_OK_AND_ASSIGN(Config c, LoadFile(path));
  EXPECT_EQ(c.scheduler.lease, seconds(20));

  std::string bad = dir.Write("bad.yaml", "scheduler:\n  lease: 20\n");
  EXPECT_EQ(LoadFile(bad).status().message().rfind(bad + ":2:10: ", 0), 0u);

  std::string huge = dir.Write("huge.yaml", "# " + std::string(2 << 20, 'x') + "\n");
  EXPECT_EQ(LoadFile(huge).status().message(),
            huge + ": larger than 1 MiB; not a configuration file");

  StatusOr<Config> missing = LoadFile(dir.Path() + "/absent.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            dir.Path() + "/absent.yaml: cannot open: No such file or directory");
}

TEST_F(ConfigTest, RestartRequiredListsOnlyStartupSettings) {
  // Given changes to live and startup settings, only the startup ones are listed, by name.
  Config running = Defaults();
  Config next = running;
  next.scheduler.lease = minutes(1);
  next.logging.level = spdlog::level::debug;
  next.control.max_body = 1024;
  next.roles.clear();
  next.pools.push_back(Pool{"web", {}});
  EXPECT_THAT(RestartRequired(running, next), IsEmpty());

  next.control.socket = "/run/orchd.sock";
  next.agents.tls.enabled = false;
  next.ca.agent_cert_validity = days(10);
  next.keys.master_key_file = "/k";
  next.metrics.listen = ListenAddress{"::1", 9464};
  EXPECT_THAT(RestartRequired(running, next),
              ElementsAre("control.socket", "agents.tls", "metrics.listen",
                          "ca.agent_cert_validity", "keys.master_key_file"));
}

TEST_F(ConfigTest, AutoApproveRulesMatchMachineGlobAndSecret) {
  // Given rules on the machine name, the secret or both, each admits exactly its agents.
  AutoApproveRule by_machine{"web-*.example.com", ""};
  EXPECT_TRUE(Matches(by_machine, "WEB-01.example.com", ""));
  EXPECT_FALSE(Matches(by_machine, "db-01.example.com", "bootstrap"));
  AutoApproveRule by_secret{"", "bootstrap"};
  EXPECT_TRUE(Matches(by_secret, "anything", "bootstrap"));
  EXPECT_FALSE(Matches(by_secret, "anything", ""));
  AutoApproveRule both{"web-??", "bootstrap"};
  EXPECT_TRUE(Matches(both, "web-01", "bootstrap"));
  EXPECT_FALSE(Matches(both, "web-001", "bootstrap"));
  EXPECT_FALSE(Matches(both, "web-01", "other"));
}

TEST_F(ConfigTest, ExampleFileInDocsIsValid) {
  // Given the documented example configuration, it loads and says what its comments say.
  ASSERT_OK_AND_ASSIGN(Config c, LoadFile(ORCHD_SOURCE_DIR "/docs/orchd.example.yaml"));
  EXPECT_EQ(c.state_dir, "/var/lib/orchd");
  EXPECT_EQ(c.control.socket, "/run/orchd/orchd.sock");
  EXPECT_EQ(c.store.path, "/var/lib/orchd/orchd.db");
  EXPECT_FALSE(c.roles.empty());
  EXPECT_FALSE(c.pools.empty());
  EXPECT_FALSE(c.agents.auto_approve.empty());
}

}  // namespace
}  // namespace orch::config
