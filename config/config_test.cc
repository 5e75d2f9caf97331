#include "config/config.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::config {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Runs each test with the systemd directory variables cleared, and puts them back afterwards.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"STATE_DIRECTORY", "CREDENTIALS_DIRECTORY"}) {
      const char* value = std::getenv(name);
      if (value != nullptr) saved_.emplace_back(name, value);
      unsetenv(name);
    }
  }
  void TearDown() override {
    unsetenv("STATE_DIRECTORY");
    unsetenv("CREDENTIALS_DIRECTORY");
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }

  // The message of the error ParseYaml gives for `yaml`, or "" when it succeeds.
  static std::string ErrorOf(std::string_view yaml) {
    StatusOr<Config> config = ParseYaml(yaml, "orchd.yaml");
    if (config.ok()) return "";
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    return config.status().message();
  }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

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
  EXPECT_EQ(c.store.path, "./var/orchd.db");
  EXPECT_EQ(c.store.synchronous, Synchronous::kFull);
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
store:
  path: /var/lib/orchd/jobs.db
  synchronous: normal
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
  EXPECT_EQ(c.store.path, "/var/lib/orchd/jobs.db");
  EXPECT_EQ(c.store.synchronous, Synchronous::kNormal);
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

struct ErrorCase {
  const char* what;
  const char* yaml;
  const char* message;
};

// One row per kind of mistake, each with the exact position and wording operators see.
const ErrorCase kErrorCases[] = {
    {"unknown key", "control:\n  mode: \"0660\"\n  sockett: /x\n",
     "orchd.yaml:3:3: control.sockett: unknown key (expected one of: socket, mode, group, "
     "max_body, max_header, max_connections, read_timeout, idle_timeout)"},
    {"unknown section", "\n\ncontrl:\n  socket: /x\n",
     "orchd.yaml:3:1: contrl: unknown key (expected one of: state_dir, control, agents, "
     "store, scheduler, history, ca, keys, roles, pools, logging)"},
    {"duplicate key", "scheduler:\n  lease: 1m\n  lease: 2m\n",
     "orchd.yaml:3:3: scheduler.lease: duplicate key (first at line 2, column 3)"},
    {"duplicate section", "store: {}\nstore: {}\n",
     "orchd.yaml:2:1: store: duplicate key (first at line 1, column 1)"},
    {"unknown key in a list item", "roles:\n  - name: ops\n    user: [alice]\n",
     "orchd.yaml:3:5: roles[0].user: unknown key (expected one of: name, users, groups, "
     "claims)"},
    {"bare duration", "scheduler:\n  lease: 90\n",
     "orchd.yaml:2:10: scheduler.lease: \"90\" needs a unit: ms, s, m, h or d (for example 90s)"},
    {"duration of wrong type", "history:\n  retain_success: [30d]\n",
     "orchd.yaml:2:19: history.retain_success: expected a duration like 10m"},
    {"empty value", "scheduler:\n  retry_backoff:\n  lease: 1m\n",
     "orchd.yaml:2:3: scheduler.retry_backoff: expected a duration like 10m"},
    {"zero timeout", "control:\n  read_timeout: 0s\n",
     "orchd.yaml:2:17: control.read_timeout: must be longer than 0s"},
    {"bad size", "control:\n  max_body: 8MB\n",
     "orchd.yaml:2:13: control.max_body: unknown size unit \"MB\" in \"8MB\" (use bytes, KiB, "
     "MiB or GiB)"},
    {"fractional size", "control:\n  max_header: 1.5KiB\n",
     "orchd.yaml:2:15: control.max_header: \"1.5KiB\" is not a whole number: sizes are whole "
     "numbers with a unit, such as 1536"},
    {"fractional duration", "history:\n  retain_success: 1.5d\n",
     "orchd.yaml:2:19: history.retain_success: \"1.5d\" is not a whole number: durations are "
     "whole numbers with a unit, such as 36h"},
    {"bad mode", "control:\n  mode: \"0888\"\n",
     "orchd.yaml:2:9: control.mode: expected an octal mode like \"0660\", got \"0888\""},
    {"mode beyond 0777", "control:\n  mode: \"4777\"\n",
     "orchd.yaml:2:9: control.mode: mode \"4777\" must be within 0777"},
    {"bad port", "agents:\n  listen: 0.0.0.0:70000\n",
     "orchd.yaml:2:11: agents.listen: port \"70000\" is not in 0..65535"},
    {"host name in listen", "agents:\n  listen: localhost:8443\n",
     "orchd.yaml:2:11: agents.listen: \"localhost\" is not an IP address (expected "
     "\"ipv4:port\" or \"[ipv6]:port\", e.g. \"0.0.0.0:8443\")"},
    {"bad log level", "logging:\n  level: verbose\n",
     "orchd.yaml:2:10: logging.level: unknown log level \"verbose\" (expected trace, debug, "
     "info, warn, error, critical or off)"},
    {"bad log format", "logging:\n  format: json\n",
     "orchd.yaml:2:11: logging.format: expected one of auto, text, journal, got \"json\""},
    {"bad synchronous", "store:\n  synchronous: extra\n",
     "orchd.yaml:2:16: store.synchronous: expected one of off, normal, full, got \"extra\""},
    {"tls cert without key", "agents:\n  tls:\n    names: [a.example]\n    cert: /x.crt\n",
     "orchd.yaml:4:5: agents.tls: cert is given without key; give both or neither"},
    {"tls neither map nor off", "agents:\n  tls: maybe\n",
     "orchd.yaml:2:8: agents.tls: expected off (or another YAML boolean) or a map with keys "
     "cert, key, names; got \"maybe\""},
    {"tls without names", "agents:\n  tls:\n    names: []\n",
     "orchd.yaml:3:12: agents.tls: names must not be empty when no cert is given"},
    {"bad tls name", "agents:\n  tls:\n    names: [good.example, \"bad name\"]\n",
     "orchd.yaml:3:27: agents.tls.names[1]: \"bad name\" is not a DNS name or IP address"},
    {"ca key without cert", "ca:\n  key: /etc/ca.key\n",
     "orchd.yaml:2:3: ca: key is given without cert; give both or neither"},
    {"short cert validity", "ca:\n  agent_cert_validity: 12h\n",
     "orchd.yaml:2:24: ca.agent_cert_validity: must be at least 1d"},
    {"heartbeat in seconds", "agents:\n  heartbeat: 90s\n",
     "orchd.yaml:2:14: agents.heartbeat: must be a whole number of minutes (agents receive it "
     "in minutes)"},
    {"heartbeat too short", "agents:\n  heartbeat: 30s\n",
     "orchd.yaml:2:14: agents.heartbeat: must be at least 1m"},
    {"empty auto-approve rule", "agents:\n  auto_approve:\n    - {}\n",
     "orchd.yaml:3:7: agents.auto_approve[0]: a rule needs client_machine, secret or both"},
    {"proxy not an address", "agents:\n  trusted_proxies: [10.0.0.1, proxy.lan]\n",
     "orchd.yaml:2:31: agents.trusted_proxies[1]: \"proxy.lan\" is not an IP address"},
    {"max_attempts out of range", "scheduler:\n  max_attempts: 0\n",
     "orchd.yaml:2:17: scheduler.max_attempts: must be in 1..100"},
    {"section not a map", "store: /var/lib/orchd.db\n",
     "orchd.yaml:1:8: store: expected a map with keys path, synchronous"},
    {"duplicate role name", "roles:\n  - name: ops\n    claims: [/ssl/read/]\n  - name: ops\n",
     "orchd.yaml:4:11: roles[1].name: duplicate role name \"ops\" (first at line 2, column 11)"},
    {"role without name", "roles:\n  - users: [alice]\n",
     "orchd.yaml:2:5: roles[0]: missing key \"name\""},
    {"claim without slashes", "roles:\n  - name: ops\n    claims: [/ssl/read/, ssl/modify]\n",
     "orchd.yaml:3:26: roles[0].claims[1]: claim \"ssl/modify\" must start and end with '/' "
     "(e.g. \"/ssl/read/\")"},
    {"roles not a list", "roles:\n  name: ops\n", "orchd.yaml:2:3: roles: expected a list"},
    {"bad pool GUID", "pools:\n  - name: web\n    agents:\n      - not-a-guid\n",
     "orchd.yaml:4:9: pools[0].agents[0]: \"not-a-guid\" is not an agent GUID "
     "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"},
    {"agent in two pools",
     "pools:\n  - name: a\n    agents: [7c9e6679-7425-40de-944b-e07fc1f90ae7]\n"
     "  - name: b\n    agents: [7C9E6679-7425-40DE-944B-E07FC1F90AE7]\n",
     "orchd.yaml:5:14: pools[1]: agent 7c9e6679-7425-40de-944b-e07fc1f90ae7 is already in pool "
     "\"a\""},
    {"default pool declared", "pools:\n  - name: Default Agent Pool\n",
     "orchd.yaml:2:11: pools[0].name: \"Default Agent Pool\" is the built-in pool's name "
     "(\"Default Agent Pool\"; pool names are compared ignoring case)"},
    {"default pool declared in another case", "pools:\n  - name: default agent pool\n",
     "orchd.yaml:2:11: pools[0].name: \"default agent pool\" is the built-in pool's name "
     "(\"Default Agent Pool\"; pool names are compared ignoring case)"},
    {"pool names differing in case", "pools:\n  - name: p\n  - name: P\n",
     "orchd.yaml:3:11: pools[1].name: duplicate pool name \"P\" (first at line 2, column 11 as "
     "\"p\"; pool names are compared ignoring case)"},
    {"duplicate pool name", "pools:\n  - name: web\n  - {name: web}\n",
     "orchd.yaml:3:12: pools[1].name: duplicate pool name \"web\" (first at line 2, column 11)"},
    {"unknown claim", "roles:\n  - name: ops\n    claims: [/ssl/read/, /ssl/raed/]\n",
     "orchd.yaml:3:26: roles[0].claims[1]: unknown claim \"/ssl/raed/\" (expected one of: "
     "/ssl/read/, /ssl/modify/, /agents/management/read/, /agents/management/modify/, "
     "/certificates/collections/read/, /certificate_stores/schedule/, /certificates/import/, "
     "/certificate_stores/modify/, /agents/secrets/modify/, "
     "/certificates/collections/read/<id>/, /certificate_stores/schedule/<id>/)"},
    {"scope on a claim that takes none", "roles:\n  - name: ops\n    claims: [/ssl/read/4/]\n",
     "orchd.yaml:3:14: roles[0].claims[0]: unknown claim \"/ssl/read/4/\" (expected one of: "
     "/ssl/read/, /ssl/modify/, /agents/management/read/, /agents/management/modify/, "
     "/certificates/collections/read/, /certificate_stores/schedule/, /certificates/import/, "
     "/certificate_stores/modify/, /agents/secrets/modify/, "
     "/certificates/collections/read/<id>/, /certificate_stores/schedule/<id>/)"},
    {"scope that is not an id",
     "roles:\n  - name: ops\n    claims: [/certificate_stores/schedule/web/]\n",
     "orchd.yaml:3:14: roles[0].claims[0]: unknown claim \"/certificate_stores/schedule/web/\" "
     "(expected one of: "
     "/ssl/read/, /ssl/modify/, /agents/management/read/, /agents/management/modify/, "
     "/certificates/collections/read/, /certificate_stores/schedule/, /certificates/import/, "
     "/certificate_stores/modify/, /agents/secrets/modify/, "
     "/certificates/collections/read/<id>/, /certificate_stores/schedule/<id>/)"},
    {"YAML syntax error", "control:\n  socket: [a, b\nstore: {}\n",
     "orchd.yaml:3:6: end of sequence flow not found"},
    {"tab indentation", "control:\n\tsocket: /x\n", "orchd.yaml:2:8: illegal map value"},
    {"several documents", "control: {}\n---\nstore: {}\n",
     "orchd.yaml:3:1: expected one YAML document, found several"},
    {"top level not a map", "- control\n",
     "orchd.yaml:1:1: expected a map of sections (state_dir, control, agents, store, "
     "scheduler, history, ca, keys, roles, pools, logging)"},
    {"empty state_dir", "state_dir: \"\"\n",
     "orchd.yaml:1:12: state_dir: expected a non-empty string"},
};

TEST_F(ConfigTest, EveryMistakeIsReportedAtItsLineAndColumn) {
  // Given each malformed file, the error is "file:line:col: message" at the offending node.
  for (const ErrorCase& c : kErrorCases) {
    EXPECT_EQ(ErrorOf(c.yaml), c.message) << c.what;
  }
}

TEST_F(ConfigTest, NoExceptionEscapesOnHostileInput) {
  // Given malformed or hostile YAML, ParseYaml returns an error instead of throwing.
  std::string deep(10000, '[');
  for (const std::string& text :
       {deep, std::string("a: *undefined\n"), std::string("\xff\xfe\x00junk", 7),
        std::string("? [a, b]\n: c\n"), std::string("control: !!binary AAAA\n"),
        std::string("{control: {socket: 1}, control: {}}")}) {
    StatusOr<Config> config = Defaults();
    EXPECT_NO_THROW(config = ParseYaml(text, "f.yaml"));
    EXPECT_FALSE(config.ok()) << text;
    if (!config.ok()) {
      EXPECT_EQ(config.status().message().rfind("f.yaml:", 0), 0u);
    }
  }
}

TEST_F(ConfigTest, DeepNestingIsRefusedWithItsPosition) {
  // Given flow sequences and flow maps nested 10 000 deep, and block sequences nested 1 000
  // deep, each is refused with file:line:col and a message that says what is wrong.
  std::string block = "pools:\n";
  for (int i = 1; i <= 1000; ++i) block += std::string(2 * i, ' ') + "-\n";
  std::string maps = "pools: ";
  for (int i = 0; i < 10000; ++i) maps += "{a: ";
  maps += "1" + std::string(10000, '}') + "\n";
  for (const std::string& text :
       {"pools: " + std::string(10000, '[') + std::string(10000, ']'), maps, block}) {
    StatusOr<Config> refused = ParseYaml(text, "deep.yaml");
    ASSERT_FALSE(refused.ok());
    EXPECT_THAT(refused.status().message(),
                ::testing::MatchesRegex("deep\\.yaml:[0-9]+:[0-9]+: the YAML nests too deeply.*"));
  }
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
  EXPECT_THAT(RestartRequired(running, next),
              ElementsAre("control.socket", "agents.tls", "ca.agent_cert_validity",
                          "keys.master_key_file"));
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
