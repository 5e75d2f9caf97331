// End-to-end: agent secrets (shown once, stored only as hashes, revoked at once), refused
// registrations that change nothing, and agent pools including ones declared in the YAML.
#include <signal.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/agents_e2e_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using testing::BasicAuthHeader;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TlsReply;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kHeartbeat[] = "/KeyfactorAgents/Session/Heartbeat";
constexpr char kExchange[] = "/api/v2/agent/secrets/exchange";

json Body(const TlsReply& reply) {
  return json::parse(reply.body, nullptr, false);
}

class SecretsE2E : public AgentsE2E {
 protected:
  // The database file and its WAL as they are on disk now.
  std::string DatabaseBytes() {
    return ReadFile(orchd_.dir().File("orchd.db")) + ReadFile(orchd_.dir().File("orchd.db-wal"));
  }
  // A registration with `headers` and `csr`; the reply.
  TlsReply Register(const std::vector<std::string>& headers,
                    const std::optional<std::string>& csr = std::nullopt) {
    StatusOr<TlsReply> reply = AgentPost(kRegister, RegisterBody("", "host", csr), headers);
    EXPECT_OK(reply);
    return reply.ok() ? *reply : TlsReply{};
  }
  bool SessionValid(const std::string& token) {
    StatusOr<TlsReply> reply = AgentPost(kHeartbeat, {{"SessionToken", token}});
    return reply.ok() && Body(*reply).value("SessionValid", false);
  }
};

TEST_F(SecretsE2E, SecretShownOnceRevokedAtOnceAndNeverStored) {
  // Given a secret, its value appears only in the create answer; a session opened with it and
  // one opened with an access token made from it die with the revoke, as do the secret and
  // the token; the value is in neither the log, the list, nor the database files.
  StartOrchd();
  auto [create_status, created] =
      Control("POST", "/api/v2/agent/secrets", R"({"name":"bootstrap"})");
  ASSERT_EQ(create_status, 201);
  const std::string value = created["secret"];
  const std::string basic = BasicAuthHeader("bootstrap", value);
  EXPECT_EQ(Control("POST", "/api/v2/agent/secrets", R"({"name":"bootstrap"})").first, 409);
  auto [list_status, list] = Control("GET", "/api/v2/agent/secrets");
  EXPECT_EQ(list_status, 200);
  EXPECT_THAT(list.dump(), Not(HasSubstr(value)));

  ASSERT_OK_AND_ASSIGN(TlsReply exchanged, AgentPost(kExchange, {{"secret", value}}));
  ASSERT_EQ(exchanged.status, 200) << exchanged.body;
  const std::string token = Body(exchanged)["access_token"];
  const std::string by_secret = Body(Register({basic}))["Session"]["Token"];
  const std::string by_token =
      Body(Register({"Authorization: Bearer " + token}))["Session"]["Token"];
  ASSERT_TRUE(SessionValid(by_secret));
  ASSERT_TRUE(SessionValid(by_token));

  auto [revoke_status, revoked] = Control("POST", "/api/v2/agent/secrets/bootstrap/revoke");
  ASSERT_EQ(revoke_status, 200);
  EXPECT_EQ(revoked["status"], "REVOKED");
  EXPECT_FALSE(SessionValid(by_secret));
  EXPECT_FALSE(SessionValid(by_token));
  EXPECT_EQ(Register({basic}).status, 401);
  EXPECT_EQ(Register({"Authorization: Bearer " + token}).status, 401);
  ASSERT_OK_AND_ASSIGN(TlsReply again, AgentPost(kExchange, {{"secret", value}}));
  EXPECT_EQ(again.status, 400);

  EXPECT_THAT(DatabaseBytes(), Not(HasSubstr(value)));
  EXPECT_THAT(DatabaseBytes(), Not(HasSubstr(token)));
  orchd_.process().Signal(SIGTERM);
  ASSERT_EQ(orchd_.process().WaitExit(), 0);
  EXPECT_THAT(DatabaseBytes(), Not(HasSubstr(value)));
  const std::string log = orchd_.process().Log();
  EXPECT_THAT(log, HasSubstr("bootstrap"));
  EXPECT_THAT(log, Not(HasSubstr(value)));
  EXPECT_THAT(log, Not(HasSubstr(token)));
}

TEST_F(SecretsE2E, RefusedRegistrationsChangeNothing) {
  // Given a secret, a wrong value, a garbage Authorization header, an oversized CSR, a CSR
  // with a bad signature and a 1024-bit RSA CSR are each refused clearly, and no agent exists.
  StartOrchd();
  auto secret = CreateSecret("bootstrap");
  const std::string basic = BasicAuthHeader(secret.first, secret.second);
  TlsReply wrong = Register({BasicAuthHeader(secret.first, "wrong")});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Body(wrong)["errorCode"], "SECURITY_ERROR");
  TlsReply garbage = Register({"Authorization: Basic ***garbage***"});
  EXPECT_EQ(garbage.status, 401);
  EXPECT_FALSE(Body(garbage)["errorMessage"].get<std::string>().empty());
  const std::string good_csr = NewKeyAndCsr().csr_der;
  const std::string bad_csrs[] = {
      std::string(20000, '\x30'),
      pki::testing::CorruptCsrSignature(good_csr),
      NewKeyAndCsr(pki::testing::TestKeyType::kRsa1024).csr_der,
  };
  const std::string reasons[] = {"at most", "signature", "RSA-1024"};
  for (size_t i = 0; i < 3; ++i) {
    TlsReply refused = Register({basic}, bad_csrs[i]);
    EXPECT_EQ(refused.status, 200);
    json answer = Body(refused);
    EXPECT_EQ(answer["Result"]["Status"], 3) << refused.body;
    EXPECT_THAT(answer["Result"]["Error"]["Message"].get<std::string>(), HasSubstr(reasons[i]));
    EXPECT_TRUE(answer["Session"].is_null());
  }
  EXPECT_EQ(TotalCount("/Agents"), "0");
}

class PoolsE2E : public AgentsE2E {
 protected:
  json Pool(const std::string& id) { return Control("GET", "/AgentPools/" + id).second; }
  std::vector<std::string> DefaultMembers() {
    std::vector<std::string> ids;
    for (const json& m : Control("GET", "/AgentPools/Agents").second) ids.push_back(m["AgentId"]);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::string Approved(const std::pair<std::string, std::string>& secret,
                       const std::string& machine, const json& capabilities = json::array()) {
    const std::string id = EnrollAgent(secret, machine, nullptr, capabilities);
    EXPECT_EQ(Control("POST", "/Agents/Approve", json::array({id}).dump()).first, 204);
    return id;
  }
};

TEST_F(PoolsE2E, CustomPoolsTheDefaultPoolAndDeclaredPools) {
  // Given three approved agents, a custom pool takes one out of the Default pool, a full
  // replace swaps members, delete returns them; the Default pool cannot be deleted or renamed;
  // an agent in another pool is refused by name; a pool added to the YAML appears on SIGHUP
  // and refuses PUT and DELETE.
  StartOrchd();
  auto secret = CreateSecret("pools");
  const std::string a = Approved(secret, "a", {"SSL.Discovery", "SSL.Monitoring"});
  const std::string b = Approved(secret, "b");
  const std::string c = Approved(secret, "c");
  auto [created_status, created] = Control(
      "POST", "/AgentPools",
      json{{"Name", "web"},
           {"Agents", {{{"AgentId", a}, {"EnableDiscover", true}, {"EnableMonitor", true}}}}}
          .dump());
  ASSERT_EQ(created_status, 200) << created.dump();
  const std::string web = created["AgentPoolId"];
  EXPECT_EQ(created["DiscoverAgentsCount"], 1);
  EXPECT_EQ(created["MonitorAgentsCount"], 1);
  EXPECT_THAT(DefaultMembers(), Not(::testing::Contains(a)));

  auto [put_status, replaced] = Control(
      "PUT", "/AgentPools",
      json{{"AgentPoolId", web},
           {"Name", "web-2"},
           {"Agents", {{{"AgentId", b}, {"EnableDiscover", false}, {"EnableMonitor", true}}}}}
          .dump());
  ASSERT_EQ(put_status, 200) << replaced.dump();
  EXPECT_EQ(replaced["Name"], "web-2");
  EXPECT_EQ(replaced["DiscoverAgentsCount"], 0);
  EXPECT_EQ(replaced["MonitorAgentsCount"], 1);
  EXPECT_THAT(DefaultMembers(), ::testing::Contains(a));
  EXPECT_THAT(DefaultMembers(), Not(::testing::Contains(b)));

  auto [taken_status, taken] =
      Control("POST", "/AgentPools", json{{"Name", "db"}, {"Agents", {{{"AgentId", b}}}}}.dump());
  EXPECT_EQ(taken_status, 400);
  EXPECT_THAT(taken["errorMessage"].get<std::string>(), HasSubstr(b));
  EXPECT_THAT(taken["errorMessage"].get<std::string>(), HasSubstr("web-2"));

  const std::string default_id = "00000000-0000-0000-0000-000000000000";
  EXPECT_EQ(Control("DELETE", "/AgentPools/" + default_id).first, 400);
  EXPECT_EQ(
      Control("PUT", "/AgentPools", json{{"AgentPoolId", default_id}, {"Name", "Mine"}}.dump())
          .first,
      400);
  EXPECT_EQ(Pool(default_id)["Name"], "Default Agent Pool");

  EXPECT_EQ(Control("DELETE", "/AgentPools/" + web).first, 204);
  EXPECT_EQ(DefaultMembers().size(), 3u);

  Reload("", "pools:\n  - name: declared\n    agents: [" + c + "]\n");
  auto [list_status, list] =
      Control("GET", "/AgentPools?pq.queryString=Name%20-eq%20%22declared%22");
  ASSERT_EQ(list_status, 200);
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["Managed"], true);
  EXPECT_EQ(list[0]["Agents"][0]["AgentId"], c);
  const std::string declared = list[0]["AgentPoolId"];
  auto [refused_status, refused] =
      Control("PUT", "/AgentPools", json{{"AgentPoolId", declared}, {"Name", "x"}}.dump());
  EXPECT_EQ(refused_status, 400);
  EXPECT_THAT(refused["errorMessage"].get<std::string>(), HasSubstr("configuration file"));
  EXPECT_EQ(Control("DELETE", "/AgentPools/" + declared).first, 400);
  EXPECT_THAT(DefaultMembers(), Not(::testing::Contains(c)));
}

}  // namespace
}  // namespace orch::e2e
