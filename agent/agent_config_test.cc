#include "agent/agent_config.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "jobs/store_types.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace orch::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;

// Each test gets a directory with orchd's CA file and a private secret file in it, and a fixed
// host name and $STATE_DIRECTORY, so that nothing depends on the machine running the tests.
class AgentConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_file_ = Write("orchd-ca.crt", "-----BEGIN CERTIFICATE-----\n", 0644);
    secret_file_ = Write("agent-secret", "teybLIhCsauRHFulohZUerk-_1Ot1_9Du0-UXUNsvvQ\n", 0600);
  }

  // Writes `text` to `name` in the test's directory with `mode`; returns its path.
  std::string Write(const std::string& name, const std::string& text, mode_t mode) const {
    std::string path = temp_.File(name);
    testing::WriteFileOrFail(path, text);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  // The three settings every file needs, after whatever a test puts first.
  std::string Required() const {
    return "server: https://orchd.example.com:8443\nca_file: " + ca_file_ +
           "\nstore_roots: [/srv/certs]\n";
  }

  StatusOr<AgentConfig> Parse(std::string_view yaml) const {
    return ParseAgentConfig(yaml, "agent.yaml", env_);
  }

  // The message of the error for `yaml`, or "" when it parses.
  std::string ErrorOf(std::string_view yaml) const {
    StatusOr<AgentConfig> config = Parse(yaml);
    if (config.ok()) return "";
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    return config.status().message();
  }

  AgentConfigEnv env_{"host1.example.com", ""};
  testing::TempDir temp_{"orch-agent-config"};
  const std::string dir_ = temp_.path();
  std::string ca_file_;
  std::string secret_file_;
};

TEST_F(AgentConfigTest, RequiredSettingsAloneTakeEveryDefault) {
  // Given only server, ca_file and store_roots, every other setting has its documented default.
  ASSERT_OK_AND_ASSIGN(AgentConfig c, Parse(Required()));
  EXPECT_EQ(c.server, (ServerUrl{true, "orchd.example.com", 8443, ""}));
  EXPECT_FALSE(c.insecure_plain_http);
  EXPECT_EQ(c.ca_file, ca_file_);
  EXPECT_EQ(c.secret, std::nullopt);
  EXPECT_EQ(c.client_machine, "host1.example.com");
  EXPECT_EQ(c.state_dir, "/var/lib/orch-agent");
  EXPECT_THAT(c.store_roots, ElementsAre("/srv/certs"));
  EXPECT_THAT(c.store_types, ElementsAre(jobs::kPemStoreType, jobs::kPkcs12StoreType));
  EXPECT_TRUE(c.hooks.empty());
  EXPECT_EQ(c.poll_wait, seconds(60));
  EXPECT_EQ(c.max_parallel, 4u);
  EXPECT_EQ(c.backoff, (BackoffConfig{seconds(1), seconds(60)}));
  EXPECT_EQ(c.logging, LoggingConfig{});
  EXPECT_THAT(AdvertisedCapabilities(c),
              ElementsAre("CertStores.PEM.Management", "CertStores.P12.Management"));
}

TEST_F(AgentConfigTest, EverySettingIsRead) {
  // Given a value for every setting, each lands in its field.
  std::string yaml =
      "server: HTTPS://[::1]/orchd/\n"
      "ca_file: orchd-ca.crt\n"
      "secret:\n  name: bootstrap\n  value_file: agent-secret\n"
      "client_machine: web01\n"
      "state_dir: " +
      dir_ +
      "\n"
      "store_roots: [/etc/ssl/orch/, /srv/./certs]\n"
      "store_types: [PKCS12]\n"
      "hooks:\n"
      "  - stores: /etc/ssl/orch/*\n    run: [/usr/bin/systemctl, reload, nginx]\n"
      "  - {stores: \"*\", run: [/bin/true], timeout: 10m}\n"
      "poll_wait: 25s\n"
      "max_parallel: 64\n"
      "backoff: {initial: 500ms, max: 1h}\n"
      "logging: {level: debug, format: journal}\n";
  ASSERT_OK_AND_ASSIGN(AgentConfig c, Parse(yaml));
  AgentConfig expected;
  expected.server = ServerUrl{true, "::1", 443, "/orchd"};
  expected.ca_file = ca_file_;  // relative to state_dir
  expected.secret =
      SecretConfig{"bootstrap", secret_file_, "teybLIhCsauRHFulohZUerk-_1Ot1_9Du0-UXUNsvvQ"};
  expected.client_machine = "web01";
  expected.state_dir = dir_;
  expected.store_roots = {"/etc/ssl/orch", "/srv/certs"};
  expected.store_types = {jobs::kPkcs12StoreType};
  expected.hooks = {
      HookConfig{"/etc/ssl/orch/*", {"/usr/bin/systemctl", "reload", "nginx"}, seconds(30)},
      HookConfig{"*", {"/bin/true"}, minutes(10)}};
  expected.poll_wait = seconds(25);
  expected.max_parallel = 64;
  expected.backoff = BackoffConfig{milliseconds(500), std::chrono::hours(1)};
  expected.logging = LoggingConfig{spdlog::level::debug, LogFormat::kJournal};
  EXPECT_EQ(c, expected);
  EXPECT_THAT(AdvertisedCapabilities(c), ElementsAre("CertStores.P12.Management"));
}

TEST_F(AgentConfigTest, StateDirComesFromSystemdUnlessTheFileSetsIt) {
  // Given $STATE_DIRECTORY with two entries, the first is the state directory; the file wins.
  env_.state_directory = "/var/lib/orch-agent-a:/var/lib/other";
  ASSERT_OK_AND_ASSIGN(AgentConfig from_systemd, Parse(Required()));
  EXPECT_EQ(from_systemd.state_dir, "/var/lib/orch-agent-a");
  ASSERT_OK_AND_ASSIGN(AgentConfig from_file, Parse(Required() + "state_dir: /srv/agent\n"));
  EXPECT_EQ(from_file.state_dir, "/srv/agent");
}

TEST_F(AgentConfigTest, ClientMachineDefaultsToAUsableHostName) {
  // Given no client_machine, the host name is used; an unknown or too long one is an error.
  env_.host_name = "";
  EXPECT_EQ(ErrorOf(Required()),
            "agent.yaml: client_machine: the host name is unknown; set "
            "client_machine");
  env_.host_name = std::string(65, 'h');
  EXPECT_EQ(ErrorOf(Required()),
            "agent.yaml: client_machine: the host name \"" + env_.host_name +
                "\" is not a client machine name: at most 64 characters and no control "
                "characters (it becomes the common name of the agent's certificate); set "
                "client_machine");
  ASSERT_OK_AND_ASSIGN(AgentConfig c, Parse(Required() + "client_machine: web01\n"));
  EXPECT_EQ(c.client_machine, "web01");
}

TEST_F(AgentConfigTest, RequiredSettingsLeftOutAreNamed) {
  // Given a file without server or store_roots, the error names the setting without a line.
  EXPECT_EQ(ErrorOf("ca_file: " + ca_file_ + "\nstore_roots: [/srv]\n"),
            "agent.yaml: server: required: the URL of orchd's agent listener, such as "
            "https://orchd.example.com:8443");
  EXPECT_EQ(ErrorOf("server: https://orchd.example.com\nca_file: " + ca_file_ + "\n"),
            "agent.yaml: store_roots: required: the directories the agent may write under "
            "(there is no default)");
  EXPECT_EQ(ErrorOf(""),
            "agent.yaml: server: required: the URL of orchd's agent listener, such "
            "as https://orchd.example.com:8443");
  EXPECT_EQ(ErrorOf("server: https://orchd.example.com\nstore_roots: [/srv]\n"),
            "agent.yaml: ca_file: required with an https:// server: the PEM certificate of "
            "orchd's CA");
}

TEST_F(AgentConfigTest, PlainHttpNeedsInsecurePlainHttp) {
  // Given an http:// server, it is refused unless insecure_plain_http is true, and only then.
  EXPECT_EQ(ErrorOf("server: http://127.0.0.1:8080\nstore_roots: [/srv]\n"),
            "agent.yaml:1:9: server: a plain http:// server is refused; use https://, or set "
            "insecure_plain_http: true (for loopback tests only)");
  ASSERT_OK_AND_ASSIGN(
      AgentConfig c,
      Parse("server: http://127.0.0.1:8080\ninsecure_plain_http: true\nstore_roots: [/srv]\n"));
  EXPECT_EQ(c.server, (ServerUrl{false, "127.0.0.1", 8080, ""}));
  EXPECT_TRUE(c.insecure_plain_http);
  EXPECT_EQ(c.ca_file, "");
  EXPECT_EQ(ErrorOf("insecure_plain_http: yes\n" + Required()),
            "agent.yaml:1:22: insecure_plain_http: applies only to an http:// server; remove it");
  EXPECT_EQ(ErrorOf("server: http://127.0.0.1:8080\ninsecure_plain_http: true\nca_file: " +
                    ca_file_ + "\nstore_roots: [/srv]\n"),
            "agent.yaml:3:10: ca_file: is not used with a plain http:// server; remove it");
  // false is allowed with https: it says what is already so.
  EXPECT_EQ(ErrorOf("insecure_plain_http: false\n" + Required()), "");
}

TEST_F(AgentConfigTest, SecretValueIsTheFirstLineOfItsFile) {
  // Given value files with one or more lines and either line ending, the first line is the value.
  for (const char* text : {"s3cret", "s3cret\n", "s3cret\r\nsecond line\n"}) {
    std::string file = Write("value", text, 0600);
    ASSERT_OK_AND_ASSIGN(AgentConfig c,
                         Parse(Required() + "secret:\n  name: boot\n  value_file: " + file + "\n"));
    ASSERT_TRUE(c.secret.has_value());
    EXPECT_EQ(*c.secret, (SecretConfig{"boot", file, "s3cret"})) << text;
  }
}

TEST_F(AgentConfigTest, SecretValueIsNeverInTheFile) {
  // Given the value itself under secret, the error says to use value_file and repeats no value.
  std::string error = ErrorOf("secret:\n  name: boot\n  value: s3cret\n" + Required());
  EXPECT_EQ(error,
            "agent.yaml:3:3: secret.value: the secret value is never written in the "
            "configuration; put it in a file only the agent can read and name that file in "
            "value_file");
}

TEST_F(AgentConfigTest, SecretFileMustBePrivate) {
  // Given value files that group or others may read, missing, empty or not a file, each is
  // refused at value_file with the path and never the value.
  const std::string prefix = "secret:\n  name: boot\n  value_file: ";
  std::string group = Write("group", "s3cret\n", 0640);
  EXPECT_EQ(ErrorOf(prefix + group + "\n" + Required()),
            "agent.yaml:3:15: secret.value_file: " + group +
                " has mode 0640 and is accessible to group or others; run `chmod 600 " + group +
                "`");
  std::string others = Write("others", "s3cret\n", 0604);
  EXPECT_EQ(ErrorOf(prefix + others + "\n" + Required()),
            "agent.yaml:3:15: secret.value_file: " + others +
                " has mode 0604 and is accessible to group or others; run `chmod 600 " + others +
                "`");
  EXPECT_EQ(ErrorOf(prefix + dir_ + "/absent\n" + Required()),
            "agent.yaml:3:15: secret.value_file: " + dir_ +
                "/absent: cannot open: No such file or directory");
  std::string empty = Write("empty", "\nsecond\n", 0600);
  EXPECT_EQ(ErrorOf(prefix + empty + "\n" + Required()),
            "agent.yaml:3:15: secret.value_file: " + empty + ": the first line is empty");
  EXPECT_EQ(ErrorOf(prefix + dir_ + "\n" + Required()),
            "agent.yaml:3:15: secret.value_file: " + dir_ + " is not a regular file");
  std::string huge = Write("huge", std::string(5000, 'x'), 0600);
  EXPECT_EQ(ErrorOf(prefix + huge + "\n" + Required()),
            "agent.yaml:3:15: secret.value_file: " + huge +
                " is larger than 4 KiB; not a secret value file");
}

TEST_F(AgentConfigTest, SecretNeedsNameAndValueFile) {
  // Given a secret without one of its keys, the error is at the secret; an empty one is none.
  EXPECT_EQ(ErrorOf("secret:\n  name: boot\n" + Required()),
            "agent.yaml:2:3: secret: missing key \"value_file\"");
  EXPECT_EQ(ErrorOf("secret:\n  value_file: " + secret_file_ + "\n" + Required()),
            "agent.yaml:2:3: secret: missing key \"name\"");
  ASSERT_OK_AND_ASSIGN(AgentConfig c, Parse("secret:\n" + Required()));
  EXPECT_EQ(c.secret, std::nullopt);
}

TEST_F(AgentConfigTest, CaFileMustBeAFile) {
  // Given a ca_file that does not exist or is a directory, the error is at its value.
  EXPECT_EQ(ErrorOf("ca_file: /nonexistent/ca.crt\n" + Required()),
            "agent.yaml:1:10: ca_file: /nonexistent/ca.crt does not exist");
  EXPECT_EQ(ErrorOf("ca_file: " + dir_ + "\n" + Required()),
            "agent.yaml:1:10: ca_file: " + dir_ + " is not a regular file");
}

struct ErrorCase {
  const char* what;
  const char* yaml;  // put before the required settings, so positions start at line 1
  const char* message;
};

// One row per kind of mistake, each with the exact position and wording operators see.
const ErrorCase kErrorCases[] = {
    {"unknown key", "\nsevrer: https://x\n",
     "agent.yaml:2:1: sevrer: unknown key (expected one of: server, insecure_plain_http, "
     "ca_file, secret, client_machine, state_dir, store_roots, store_types, hooks, poll_wait, "
     "max_parallel, backoff, logging)"},
    {"unknown key in a section", "backoff:\n  initial: 1s\n  maximum: 2m\n",
     "agent.yaml:3:3: backoff.maximum: unknown key (expected one of: initial, max)"},
    {"unknown key in the secret", "secret:\n  name: boot\n  file: /x\n",
     "agent.yaml:3:3: secret.file: unknown key (expected one of: name, value_file)"},
    {"unknown key in a hook", "hooks:\n  - stores: /x\n    command: [/bin/true]\n",
     "agent.yaml:3:5: hooks[0].command: unknown key (expected one of: stores, run, timeout)"},
    {"duplicate key", "poll_wait: 10s\npoll_wait: 20s\n",
     "agent.yaml:2:1: poll_wait: duplicate key (first at line 1, column 1)"},
    {"duplicate key in a section", "logging:\n  level: info\n  level: debug\n",
     "agent.yaml:3:3: logging.level: duplicate key (first at line 2, column 3)"},
    {"server not a URL", "server: orchd.example.com:8443\n",
     "agent.yaml:1:9: server: \"orchd.example.com:8443\" is not a URL (expected "
     "https://HOST[:PORT][/PATH], e.g. https://orchd.example.com:8443)"},
    {"server with another scheme", "server: ftp://orchd.example.com\n",
     "agent.yaml:1:9: server: unsupported scheme \"ftp\" (expected https://HOST[:PORT][/PATH], "
     "e.g. https://orchd.example.com:8443)"},
    {"server with a bad host", "server: https://orchd_1.example.com\n",
     "agent.yaml:1:9: server: \"orchd_1.example.com\" is not a host name or IP address (an "
     "IPv6 address goes in brackets)"},
    {"server with a bad port", "server: https://orchd.example.com:0\n",
     "agent.yaml:1:9: server: port \"0\" is not in 1..65535"},
    {"server with a query", "server: https://orchd.example.com/a?b=c\n",
     "agent.yaml:1:9: server: a query is not allowed; give only scheme, host, port and path"},
    {"server with a user", "server: https://agent:pw@orchd.example.com\n",
     "agent.yaml:1:9: server: a user name or password is not allowed in the URL (the agent "
     "authenticates with its secret and certificate)"},
    {"server as a list", "server: [https://a]\n",
     "agent.yaml:1:9: server: expected a single value"},
    {"insecure_plain_http not a boolean", "insecure_plain_http: maybe\n",
     "agent.yaml:1:22: insecure_plain_http: expected true or false, got \"maybe\""},
    {"secret name with a colon", "secret:\n  name: a:b\n",
     "agent.yaml:2:9: secret.name: \"a:b\" is not a secret name (no ':' or control characters)"},
    {"secret not a map", "secret: boot\n",
     "agent.yaml:1:9: secret: expected a map with keys name, value_file"},
    {"client_machine too long",
     "client_machine: "
     "m123456789012345678901234567890123456789012345678901234567890123456789\n",
     "agent.yaml:1:17: client_machine: "
     "\"m123456789012345678901234567890123456789012345678901234567890123456789\" is not a "
     "client machine name: at most 64 characters and no control characters (it becomes the "
     "common name of the agent's certificate)"},
    {"empty client_machine", "client_machine: \"\"\n",
     "agent.yaml:1:17: client_machine: expected a non-empty string"},
    {"empty state_dir", "state_dir:\n", "agent.yaml:1:1: state_dir: expected a non-empty string"},
    {"relative store root", "store_roots: [/srv, certs]\n",
     "agent.yaml:1:21: store_roots[1]: \"certs\" is not an absolute path"},
    {"repeated store root", "store_roots:\n  - /srv/certs\n  - /srv/certs/\n",
     "agent.yaml:3:5: store_roots[1]: \"/srv/certs\" is listed twice (first at line 2, "
     "column 5)"},
    {"no store roots", "store_roots: []\n",
     "agent.yaml:1:14: store_roots: must list at least one directory the agent may write under"},
    {"empty store roots", "store_roots:\n",
     "agent.yaml:1:1: store_roots: must list at least one directory the agent may write under"},
    {"store roots not a list", "store_roots: /srv\n",
     "agent.yaml:1:14: store_roots: expected a list"},
    {"unknown store type", "store_types: [PEM, JKS]\n",
     "agent.yaml:1:20: store_types[1]: expected one of PEM, PKCS12, got \"JKS\""},
    {"repeated store type", "store_types: [PEM, PEM]\n",
     "agent.yaml:1:20: store_types[1]: \"PEM\" is listed twice (first at line 1, column 15)"},
    {"no store types", "store_types: []\n",
     "agent.yaml:1:14: store_types: must name at least one of PEM, PKCS12"},
    {"hook without run", "hooks:\n  - stores: /srv/*\n",
     "agent.yaml:2:5: hooks[0]: missing key \"run\""},
    {"hook without stores", "hooks:\n  - run: [/bin/true]\n",
     "agent.yaml:2:5: hooks[0]: missing key \"stores\""},
    {"hook not a map", "hooks:\n  - /bin/true\n",
     "agent.yaml:2:5: hooks[0]: expected a map with keys stores, run, timeout"},
    {"hook pattern that matches nothing", "hooks:\n  - {stores: certs/*.pem, run: [/bin/true]}\n",
     "agent.yaml:2:14: hooks[0].stores: \"certs/*.pem\" matches no store: store paths are "
     "absolute, so start the pattern with '/' or '*'"},
    {"hook run as a command line", "hooks:\n  - stores: /srv/*\n    run: systemctl reload nginx\n",
     "agent.yaml:3:10: hooks[0].run: expected a list of the program and its arguments, run "
     "without a shell, such as [/usr/bin/systemctl, reload, nginx]"},
    {"hook run empty", "hooks:\n  - stores: /srv/*\n    run: []\n",
     "agent.yaml:3:10: hooks[0].run: must list the program and its arguments"},
    {"hook program not absolute", "hooks:\n  - stores: /srv/*\n    run: [systemctl, reload]\n",
     "agent.yaml:3:11: hooks[0].run[0]: \"systemctl\" is not an absolute path (hooks run "
     "without a shell or PATH)"},
    {"hook argument not a string", "hooks:\n  - stores: /srv/*\n    run: [/bin/echo, [a]]\n",
     "agent.yaml:3:22: hooks[0].run[1]: expected a string"},
    {"hook timeout too long", "hooks:\n  - {stores: /srv/*, run: [/bin/true], timeout: 11m}\n",
     "agent.yaml:2:49: hooks[0].timeout: must be at most 10m"},
    {"hook timeout zero", "hooks:\n  - {stores: /srv/*, run: [/bin/true], timeout: 0s}\n",
     "agent.yaml:2:49: hooks[0].timeout: must be longer than 0s"},
    {"hooks not a list", "hooks: {stores: /srv}\n", "agent.yaml:1:8: hooks: expected a list"},
    {"poll_wait without unit", "poll_wait: 30\n",
     "agent.yaml:1:12: poll_wait: \"30\" needs a unit: ms, s, m, h or d (for example 30s)"},
    {"poll_wait too long", "poll_wait: 2m\n", "agent.yaml:1:12: poll_wait: must be at most 1m"},
    {"poll_wait too short", "poll_wait: 500ms\n",
     "agent.yaml:1:12: poll_wait: must be at least 1s"},
    {"poll_wait not whole seconds", "poll_wait: 1500ms\n",
     "agent.yaml:1:12: poll_wait: must be a whole number of seconds"},
    {"max_parallel zero", "max_parallel: 0\n", "agent.yaml:1:15: max_parallel: must be in 1..64"},
    {"max_parallel not a number", "max_parallel: four\n",
     "agent.yaml:1:15: max_parallel: \"four\" is not a whole number"},
    {"backoff initial longer than max", "backoff:\n  initial: 2m\n  max: 30s\n",
     "agent.yaml:3:8: backoff.max: backoff.initial (2m) is longer than backoff.max (30s)"},
    {"backoff initial longer than the default max", "backoff:\n  initial: 2m\n",
     "agent.yaml:2:12: backoff.initial: backoff.initial (2m) is longer than backoff.max (1m)"},
    {"backoff max too long", "backoff: {max: 2h}\n",
     "agent.yaml:1:16: backoff.max: must be at most 1h"},
    {"bad log level", "logging:\n  level: verbose\n",
     "agent.yaml:2:10: logging.level: unknown log level \"verbose\" (expected trace, debug, "
     "info, warn, error, critical or off)"},
    {"bad log format", "logging:\n  format: json\n",
     "agent.yaml:2:11: logging.format: expected one of auto, text, journal, got \"json\""},
    {"YAML syntax error", "store_roots: [/a, /b\nserver: x\n",
     "agent.yaml:2:7: end of sequence flow not found"},
    {"several documents", "max_parallel: 2\n---\nmax_parallel: 3\n",
     "agent.yaml:2:1: expected one YAML document, found several"},
    {"top level not a map", "- server\n",
     "agent.yaml:1:1: expected a map of settings (server, insecure_plain_http, ca_file, secret, "
     "client_machine, state_dir, store_roots, store_types, hooks, poll_wait, max_parallel, "
     "backoff, logging)"},
};

TEST_F(AgentConfigTest, ErrorsNameFileLineColumnAndSetting) {
  // Given each mistake in turn, the first error is exactly the expected message.
  for (const ErrorCase& c : kErrorCases) {
    std::string yaml = c.yaml;
    // Documents that are not one map are refused before the required settings are looked at.
    if (yaml.find("---") == std::string::npos && !yaml.starts_with("- ")) yaml += Required();
    EXPECT_EQ(ErrorOf(yaml), c.message) << c.what;
  }
}

TEST_F(AgentConfigTest, DeepNestingIsAnError) {
  // Given YAML nested far deeper than any configuration, the error is located, not a crash.
  std::string yaml = "hooks: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  EXPECT_THAT(ErrorOf(yaml),
              ::testing::MatchesRegex("agent\\.yaml:[0-9]+:[0-9]+: the YAML nests too deeply.*"));
}

TEST_F(AgentConfigTest, ExampleFileParses) {
  // Given docs/orch-agent.example.yaml with its CA and secret files in a temporary directory,
  // it parses into what its comments say.
  std::ifstream in(std::string(ORCHD_SOURCE_DIR) + "/docs/orch-agent.example.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  for (auto [from, to] :
       {std::pair<std::string, std::string>{"/etc/orch-agent/orchd-ca.crt", ca_file_},
        {"/etc/orch-agent/agent-secret", secret_file_}}) {
    size_t at = yaml.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    yaml.replace(at, from.size(), to);
  }
  StatusOr<AgentConfig> parsed = ParseAgentConfig(yaml, "orch-agent.example.yaml", env_);
  ASSERT_OK(parsed);
  const AgentConfig& c = *parsed;
  EXPECT_EQ(FormatServerUrl(c.server), "https://orchd.example.com:8443");
  ASSERT_TRUE(c.secret.has_value());
  EXPECT_EQ(c.secret->name, "bootstrap");
  EXPECT_EQ(c.client_machine, "web01.example.com");
  EXPECT_EQ(c.state_dir, "/var/lib/orch-agent");
  EXPECT_THAT(c.store_roots, ElementsAre("/etc/ssl/orch", "/srv/app/certs"));
  ASSERT_EQ(c.hooks.size(), 1u);
  EXPECT_THAT(c.hooks[0].run, ElementsAre("/usr/bin/systemctl", "reload", "nginx"));
  // Every other value in the example is its default.
  AgentConfig defaults;
  EXPECT_EQ(c.store_types, defaults.store_types);
  EXPECT_EQ(c.hooks[0].timeout, HookConfig{}.timeout);
  EXPECT_EQ(c.poll_wait, defaults.poll_wait);
  EXPECT_EQ(c.max_parallel, defaults.max_parallel);
  EXPECT_EQ(c.backoff, defaults.backoff);
  EXPECT_EQ(c.logging, defaults.logging);
}

TEST_F(AgentConfigTest, LoadAgentConfigReadsAFileAndNamesAMissingOne) {
  // Given good, bad, oversized and missing files, the good one loads and the rest name the path.
  std::string good = Write("good.yaml", Required(), 0644);
  ASSERT_OK_AND_ASSIGN(AgentConfig c, LoadAgentConfig(good, env_));
  EXPECT_THAT(c.store_roots, ElementsAre("/srv/certs"));

  std::string bad = Write("bad.yaml", "poll_wait: 90\n" + Required(), 0644);
  EXPECT_EQ(LoadAgentConfig(bad, env_).status().message(),
            bad + ":1:12: poll_wait: \"90\" needs a unit: ms, s, m, h or d (for example 90s)");

  std::string huge = Write("huge.yaml", "# " + std::string(2 << 20, 'x') + "\n", 0644);
  EXPECT_EQ(LoadAgentConfig(huge, env_).status().message(),
            huge + ": larger than 1 MiB; not a configuration file");

  EXPECT_EQ(LoadAgentConfig(dir_ + "/absent.yaml", env_).status().message(),
            dir_ + "/absent.yaml: cannot open: No such file or directory");
}

}  // namespace
}  // namespace orch::agent
