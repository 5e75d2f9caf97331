// ParseYaml's refusals: every kind of mistake at its line and column, and hostile input.
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/config_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::config {
namespace {

using testing::ConfigTest;

// The message of the error ParseYaml gives for `yaml`, or "" when it succeeds.
std::string ErrorOf(std::string_view yaml) {
  StatusOr<Config> config = ParseYaml(yaml, "orchd.yaml");
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  return config.status().message();
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
     "metrics, store, scheduler, history, ca, keys, roles, pools, logging)"},
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
    {"timeout beyond a day", "control:\n  read_timeout: 25h\n",
     "orchd.yaml:2:17: control.read_timeout: must be at most 1d"},
    {"lease beyond a week", "scheduler:\n  lease: 8d\n",
     "orchd.yaml:2:10: scheduler.lease: must be at most 7d"},
    {"retention beyond a century", "history:\n  retain_failure: 36501d\n",
     "orchd.yaml:2:19: history.retain_failure: must be at most 36500d"},
    {"duration past any clock", "ca:\n  agent_cert_validity: 9999999999999d\n",
     "orchd.yaml:2:24: ca.agent_cert_validity: \"9999999999999d\" is too large"},
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
    {"metrics listener on a routable address", "metrics:\n  listen: 0.0.0.0:9464\n",
     "orchd.yaml:2:11: metrics.listen: \"0.0.0.0\" is not a loopback address (127.0.0.0/8 or "
     "[::1]): the metrics listener has no authentication, so only this machine may reach it"},
    {"metrics listener that is not an address", "metrics:\n  listen: localhost:9464\n",
     "orchd.yaml:2:11: metrics.listen: \"localhost\" is not an IP address (expected "
     "\"ipv4:port\" or \"[ipv6]:port\", e.g. \"0.0.0.0:8443\")"},
    {"metrics as a list", "metrics: [a]\n",
     "orchd.yaml:1:10: metrics: expected a map with keys listen"},
    {"agent connection cap out of range", "agents:\n  max_connections: 0\n",
     "orchd.yaml:2:20: agents.max_connections: must be in 1..1000000"},
    {"max_attempts out of range", "scheduler:\n  max_attempts: 0\n",
     "orchd.yaml:2:17: scheduler.max_attempts: must be in 1..100"},
    {"section not a map", "store: /var/lib/orchd.db\n",
     "orchd.yaml:1:8: store: expected a map with keys path, synchronous, readers"},
    {"readers out of range", "store:\n  readers: 17\n",
     "orchd.yaml:2:12: store.readers: must be in 1..16"},
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
     "orchd.yaml:2:1: expected one YAML document, found several"},
    {"stray comma", ",\n",
     "orchd.yaml:1:1: this is not YAML that can be read (a stray \",\"?); expected a map of "
     "sections (state_dir, control, agents, metrics, store, scheduler, history, ca, keys, roles, pools, "
     "logging)"},
    {"top level not a map", "- control\n",
     "orchd.yaml:1:1: expected a map of sections (state_dir, control, agents, metrics, "
     "store, scheduler, history, ca, keys, roles, pools, logging)"},
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

}  // namespace
}  // namespace orch::config
