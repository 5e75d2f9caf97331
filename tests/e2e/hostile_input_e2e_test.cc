// End-to-end: input built to exhaust a recursive parser — JSON nested 100 000 deep on both
// listeners, queries with 10 000 parentheses, YAML nested 10 000 deep — is refused with a
// clear error; orchd keeps serving and its database does not change.
#include <signal.h>

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/agents_e2e_support.h"
#include "tests/e2e/db_content.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using testing::BasicAuthHeader;
using ::testing::HasSubstr;
using testing::TlsReply;

constexpr char kExchange[] = "/api/v2/agent/secrets/exchange";
constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kDefaultPool[] = "00000000-0000-0000-0000-000000000000";

std::string DeepArrays(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// {"a":{"a":...{"a":1}...}} with `depth` objects.
std::string DeepObjects(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += "{\"a\":";
  return text + "1" + std::string(depth, '}');
}

// The hostile bodies: arrays and objects 100 000 deep.
std::vector<std::string> HostileBodies() {
  return {DeepArrays(100000), DeepObjects(100000)};
}

// A store body whose whole JSON nests exactly `depth` levels: the body is one, and Properties
// holds the rest.
json StoreBodyNested(int depth) {
  json properties = 1;
  for (int i = 0; i < depth - 1; ++i) properties = json{{"a", std::move(properties)}};
  return {{"ClientMachine", "web01"},
          {"Storepath", "/etc/ssl/web01.pem"},
          {"CertStoreType", 2},
          {"AgentPoolId", kDefaultPool},
          {"Properties", std::move(properties)}};
}

void ExpectJsonFormatError(int status, const std::string& body, const std::string& what) {
  EXPECT_EQ(status, 400) << what << ": " << body.substr(0, 300);
  json error = json::parse(body, nullptr, false);
  if (!error.is_object()) error = json::object();
  EXPECT_EQ(error.value("errorCode", ""), "JSON_FORMAT_ERROR") << what << ": " << body;
  EXPECT_THAT(error.value("errorMessage", ""), HasSubstr("nested deeper than 64")) << what;
}

class HostileInputE2E : public AgentsE2E {
 protected:
  std::string Database() { return DatabaseContent(orchd_.dir().File("orchd.db")); }

  // A control call with a body sent byte for byte; status and body.
  std::pair<int, std::string> ControlRaw(const std::string& method, const std::string& target,
                                         const std::string& body) {
    StatusOr<UnixClient> client = orchd_.Connect();
    EXPECT_OK(client);
    if (!client.ok()) return {0, ""};
    StatusOr<HttpReply> reply = client->Request(method, target, body);
    EXPECT_OK(reply);
    return reply.ok() ? std::make_pair(reply->status, reply->body) : std::make_pair(0, "");
  }

  // The agent listener still answers, and so does the control socket: orchd did not crash.
  void ExpectStillServing() {
    EXPECT_FALSE(orchd_.process().WaitExit(std::chrono::milliseconds(0)).has_value())
        << orchd_.process().Log();
    EXPECT_EQ(Control("GET", "/Status").first, 200);
    StatusOr<TlsReply> agent_side = AgentPost(kExchange, {{"secret", "not-a-secret"}});
    ASSERT_OK(agent_side);
    EXPECT_EQ(agent_side->status, 400) << agent_side->body;
  }

  // Deep bodies to the exchange call (no credentials) and to Session/Register (with a valid
  // secret); each is refused and nothing is written.
  void ExpectAgentPortRefusesDeepBodies() {
    const auto [name, value] = CreateSecret("bootstrap");
    const std::string before = Database();
    ASSERT_NE(before, "");
    for (const std::string& body : HostileBodies()) {
      ASSERT_OK_AND_ASSIGN(TlsReply exchanged, AgentPostRaw(kExchange, body));
      ExpectJsonFormatError(exchanged.status, exchanged.body, "exchange");
      ASSERT_OK_AND_ASSIGN(TlsReply registered,
                           AgentPostRaw(kRegister, body, {BasicAuthHeader(name, value)}));
      ExpectJsonFormatError(registered.status, registered.body, "register");
    }
    EXPECT_EQ(Database(), before);
    ExpectStillServing();
  }
};

TEST_F(HostileInputE2E, DeepJsonOnTheTlsAgentPortIsRefusedBeforeAuthentication) {
  // Given the TLS agent listener, 100 000-deep arrays and objects sent to the exchange call
  // and to Session/Register answer 400 JSON_FORMAT_ERROR; orchd serves on, unchanged.
  StartOrchd();
  ExpectAgentPortRefusesDeepBodies();
}

TEST_F(HostileInputE2E, DeepJsonOnThePlainAgentPortIsRefused) {
  // Given a plain-HTTP agent listener (agents.tls: off), the same bodies get the same answers.
  agent_tls_ = false;
  StartOrchd();
  ExpectAgentPortRefusesDeepBodies();
}

TEST_F(HostileInputE2E, DeepJsonOnTheControlSocketIsRefusedByEveryJsonCall) {
  // Given every control call that reads a JSON body, 100 000-deep bodies answer 400
  // JSON_FORMAT_ERROR and the database stays as it was.
  StartOrchd();
  const std::string before = Database();
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"POST", "/CertificateStores/Certificates/Add"},
      {"POST", "/Certificates/Import"},
      {"POST", "/CertificateCollections"},
      {"POST", "/CertificateStoreContainers"},
      {"POST", "/CertificateStores"},
      {"PUT", "/CertificateStores"},
      {"POST", "/AgentPools"},
      {"PUT", "/AgentPools"},
      {"POST", "/Agents/Approve"},
      {"POST", "/Agents/Disapprove"},
      {"POST", "/Agents/Reset"},
      {"POST", "/Agents/SetAuthCertificateReenrollment"},
      {"POST", "/api/v2/agent/secrets"},
      {"POST", "/OrchestratorJobs/Unschedule"},
      {"POST", "/OrchestratorJobs/Reschedule"},
      {"POST", "/OrchestratorJobs/Acknowledge"},
      {"POST", "/KeyfactorAPI/CertificateStores/Certificates/Add"},
  };
  for (const auto& [method, target] : calls) {
    for (const std::string& body : HostileBodies()) {
      auto [status, answer] = ControlRaw(method, target, body);
      ExpectJsonFormatError(status, answer, method + " " + target);
    }
  }
  EXPECT_EQ(Database(), before);
  ExpectStillServing();
}

TEST_F(HostileInputE2E, SixtyFourLevelsAreAcceptedAndSixtyFiveRefused) {
  // Given a store whose body nests exactly 64 levels, it is created and read back whole; at 65
  // levels the call answers 400 JSON_FORMAT_ERROR and creates nothing.
  StartOrchd();
  auto [created, store] = Control("POST", "/CertificateStores", StoreBodyNested(64).dump());
  ASSERT_EQ(created, 200) << store.dump().substr(0, 300);
  auto [read, again] = Control("GET", "/CertificateStores/" + store["Id"].get<std::string>());
  ASSERT_EQ(read, 200);
  EXPECT_EQ(again["Properties"], StoreBodyNested(64)["Properties"]);

  const std::string before = Database();
  auto [status, answer] = ControlRaw("POST", "/CertificateStores", StoreBodyNested(65).dump());
  ExpectJsonFormatError(status, answer, "65 levels");
  EXPECT_EQ(Database(), before);
  EXPECT_EQ(TotalCount("/CertificateStores"), "1");
}

TEST_F(HostileInputE2E, TenThousandNestedParenthesesNameThePosition) {
  // Given a query of 10 000 nested parentheses in a body and one just deep enough to pass, the
  // first is 400 FIELD_ERROR naming the Query and the position of the first '(' too deep.
  StartOrchd();
  const std::string hostile =
      std::string(10000, '(') + "ClientMachine -eq \"x\"" + std::string(10000, ')');
  auto [status, answer] =
      Control("POST", "/OrchestratorJobs/Unschedule", json{{"Query", hostile}}.dump());
  EXPECT_EQ(status, 400) << answer.dump();
  EXPECT_EQ(answer["errorCode"], "FIELD_ERROR");
  EXPECT_EQ(answer["errorMessage"], "query error at position 33: nesting is deeper than 32 levels");

  const std::string deep_enough =
      std::string(32, '(') + "ClientMachine -eq \"x\"" + std::string(32, ')');
  EXPECT_EQ(
      Control("POST", "/OrchestratorJobs/Unschedule", json{{"Query", deep_enough}}.dump()).first,
      204);
  ExpectStillServing();
}

class DeepYamlE2E : public ::testing::Test {
 protected:
  // `pools:` holding sequences or maps nested 10 000 deep.
  static std::vector<std::string> DeepDocuments() {
    std::string maps = "pools: ";
    for (int i = 0; i < 10000; ++i) maps += "{name: ";
    return {"pools: " + DeepArrays(10000) + "\n", maps + "x" + std::string(10000, '}') + "\n"};
  }
  OrchdFixture orchd_;
};

TEST_F(DeepYamlE2E, CheckConfigRefusesItWithFileLineColumn) {
  // Given a configuration nested 10 000 deep, --check-config exits 1 with file:line:col.
  for (const std::string& yaml : DeepDocuments()) {
    WriteFile(orchd_.config_path(), yaml);
    ASSERT_OK_AND_ASSIGN(Process check,
                         orchd_.Spawn({"--check-config", orchd_.config_path()}, "check.log"));
    EXPECT_EQ(check.WaitExit(), 1) << check.Log();
    EXPECT_THAT(check.Log(), HasSubstr(orchd_.config_path() + ":1:")) << check.Log();
    EXPECT_THAT(check.Log(), HasSubstr(": the YAML nests too deeply")) << check.Log();
  }
}

TEST_F(DeepYamlE2E, ReloadRefusesItAndKeepsServing) {
  // Given a running orchd whose file is replaced by one nested 10 000 deep, SIGHUP rejects it
  // with file:line:col and orchd serves on with the configuration it had.
  ASSERT_OK(orchd_.Start());
  for (const std::string& yaml : DeepDocuments()) {
    WriteFile(orchd_.config_path(), yaml);
    orchd_.process().Signal(SIGHUP);
    ASSERT_TRUE(orchd_.notify().WaitFor("READY=1")) << orchd_.process().Log();
  }
  const std::string log = orchd_.process().Log();
  EXPECT_THAT(log, HasSubstr("reload rejected")) << log;
  EXPECT_THAT(log, HasSubstr(orchd_.config_path() + ":1:")) << log;
  EXPECT_THAT(log, HasSubstr(": the YAML nests too deeply")) << log;
  ASSERT_OK_AND_ASSIGN(UnixClient client, orchd_.Connect());
  ASSERT_OK_AND_ASSIGN(HttpReply status, client.Request("GET", "/Status"));
  EXPECT_EQ(status.status, 200);
}

}  // namespace
}  // namespace orch::e2e
