// Heartbeats, secret exchange, access tokens and revocation (SPEC §6.1, §6.5, §6.7).
#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/agent_api_fixture.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::AgentApiFixture;
using testing::Answer;
using testing::Secret;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kHeartbeat[] = "/KeyfactorAgents/Session/Heartbeat";
constexpr char kExchange[] = "/api/v2/agent/secrets/exchange";

class SessionTest : public AgentApiFixture {
 protected:
  // Registers an agent with `headers` (no CSR) and answers the session token.
  std::string Register(const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& agent_id = "") {
    Answer answer = Agent(kRegister, RegisterBody(agent_id, "web01", std::nullopt), headers);
    EXPECT_EQ(answer.body["Result"]["Status"], 1) << answer.raw;
    return answer.body["Session"].value("Token", "");
  }
  bool Beat(const std::string& token) {
    Answer answer = Agent(kHeartbeat, json{{"SessionToken", token}});
    EXPECT_EQ(answer.status, 200) << answer.raw;
    EXPECT_EQ(answer.body["HeartbeatInterval"], 5);
    return answer.body.value("SessionValid", false);
  }
  std::string Exchange(const Secret& secret) {
    Answer answer = Agent(kExchange, json{{"secret", secret.value}});
    EXPECT_EQ(answer.status, 200) << answer.raw;
    EXPECT_EQ(answer.body["name"], secret.name);
    EXPECT_TRUE(answer.body["new_secret"].is_null());
    EXPECT_EQ(answer.body["ttl"], 1800000);
    return answer.body.value("access_token", "");
  }
};

TEST_F(SessionTest, AnotherAgentsCertificateDoesNotCarryASessionToken) {
  // Given agents A and B with sessions, a heartbeat or poll with B's token presenting A's
  // certificate is 403 SECURITY_ERROR and leaves B's LastSeen alone; with B's own
  // certificate, or none, the token serves.
  Secret secret = CreateSecret("bootstrap");
  auto [a, a_der] = Enroll(secret, "a");
  auto [b, b_der] = Enroll(secret, "b");
  ASSERT_EQ(Control("POST", "/Agents/Approve", json::array({a, b}).dump()).status, 204);
  const std::string token =
      Agent(kRegister, RegisterBody(b, "b", std::nullopt), {}, b_der).body["Session"]["Token"];
  const json last_seen = GetAgent(b)["LastSeen"];
  clock_.Advance(std::chrono::minutes(1));
  for (const char* path : {kHeartbeat, "/KeyfactorAgents/Jobs/Poll"}) {
    Answer refused = Agent(path, json{{"SessionToken", token}}, {}, a_der);
    EXPECT_EQ(refused.status, 403) << path << ": " << refused.raw;
    EXPECT_EQ(refused.body["errorCode"], "SECURITY_ERROR") << path;
  }
  EXPECT_EQ(GetAgent(b)["LastSeen"], last_seen);
  EXPECT_EQ(Agent(kHeartbeat, json{{"SessionToken", token}}, {}, b_der).body["SessionValid"], true);
  EXPECT_TRUE(Beat(token));
}

TEST_F(SessionTest, HeartbeatsKeepTheSessionAliveAndMoveLastSeen) {
  // Given a session, heartbeats within two intervals keep it valid and move LastSeen; after
  // more than two intervals of silence it is gone.
  Secret secret = CreateSecret("bootstrap");
  auto [id, der] = Enroll(secret, "web01");
  const std::string session =
      Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {}, der).body["Session"]["Token"];
  clock_.Advance(std::chrono::minutes(9));
  EXPECT_TRUE(Beat(session));
  EXPECT_EQ(GetAgent(id)["LastSeen"], "2026-01-01T00:09:00Z");
  clock_.Advance(std::chrono::minutes(9));
  EXPECT_TRUE(Beat(session));
  EXPECT_EQ(GetAgent(id)["LastSeen"], "2026-01-01T00:18:00Z");
  clock_.Advance(std::chrono::minutes(10) + std::chrono::seconds(1));
  EXPECT_FALSE(Beat(session));
  EXPECT_FALSE(Beat("00000000-0000-4000-8000-000000000000"));
}

TEST_F(SessionTest, ExchangedTokenAuthenticatesAndExpires) {
  // Given a secret exchanged for a token with ttl 60 s, the token registers an agent as the
  // secret would, and stops working once expired.
  Secret secret = CreateSecret("bootstrap");
  Answer answer = Agent(kExchange, json{{"secret", secret.value}, {"ttl", 60000}});
  ASSERT_EQ(answer.status, 200) << answer.raw;
  const std::string token = answer.body["access_token"];
  EXPECT_EQ(token.size(), 43u);
  EXPECT_FALSE(Register({{"authorization", "Bearer " + token}}).empty());
  EXPECT_EQ(GetAgent(Control("GET", "/Agents").body[0]["AgentId"])["Username"], "bootstrap");
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(Agent(kRegister, RegisterBody("", "web02", std::nullopt),
                  {{"authorization", "Bearer " + token}})
                .status,
            401);
}

TEST_F(SessionTest, ExchangeRefusesBadSecretsAndTtls) {
  // Given a wrong secret, a missing one and out-of-range ttls, each exchange is a 400 and no
  // token comes back.
  Secret secret = CreateSecret("bootstrap");
  Answer wrong = Agent(kExchange, json{{"secret", "nope"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.body["errorCode"], "SECURITY_ERROR");
  EXPECT_EQ(Agent(kExchange, json::object()).body["errorDetails"]["field"], "secret");
  EXPECT_EQ(Agent(kExchange, json{{"secret", secret.value}, {"ttl", 59999}}).status, 400);
  EXPECT_EQ(Agent(kExchange, json{{"secret", secret.value}, {"ttl", 15552000001}}).status, 400);
}

TEST_F(SessionTest, RevokeStopsSecretTokensAndSessionsAtOnce) {
  // Given a session opened with the secret and one opened with a token made from it, revoking
  // the secret ends both sessions and refuses the secret and the token; another secret's
  // session lives on.
  Secret secret = CreateSecret("bootstrap");
  Secret other = CreateSecret("other");
  const std::string token = Exchange(secret);
  const std::string by_secret = Register({Basic(secret)});
  const std::string by_token = Register({{"authorization", "Bearer " + token}});
  const std::string by_other = Register({Basic(other)});
  ASSERT_TRUE(Beat(by_secret));
  ASSERT_TRUE(Beat(by_token));
  Answer revoked = Control("POST", "/api/v2/agent/secrets/bootstrap/revoke");
  ASSERT_EQ(revoked.status, 200) << revoked.raw;
  EXPECT_EQ(revoked.body["status"], "REVOKED");
  EXPECT_FALSE(Beat(by_secret));
  EXPECT_FALSE(Beat(by_token));
  EXPECT_TRUE(Beat(by_other));
  EXPECT_EQ(Agent(kRegister, RegisterBody("", "x", std::nullopt), {Basic(secret)}).status, 401);
  EXPECT_EQ(
      Agent(kRegister, RegisterBody("", "x", std::nullopt), {{"authorization", "Bearer " + token}})
          .status,
      401);
  EXPECT_EQ(Agent(kExchange, json{{"secret", secret.value}}).status, 400);
}

}  // namespace
}  // namespace orch::api
