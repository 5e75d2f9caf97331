// The session cache of job calls: changes to agents and sessions are seen by the next call.
#include "api/agent/session_cache.h"

#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/token.h"
#include "store/agent_changes.h"
#include "tests/testing/agent_api_fixture.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::AgentApiFixture;
using testing::Answer;
using testing::Secret;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";
constexpr char kComplete[] = "/KeyfactorAgents/Management/Complete";

class SessionCacheTest : public AgentApiFixture {
 protected:
  // Enrolls an agent and registers it with its certificate; answers its id and session token.
  std::pair<std::string, std::string> Session(const Secret& secret) {
    auto [id, der] = Enroll(secret, "web01");
    Answer answer = Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {}, der);
    EXPECT_EQ(answer.body["Result"]["Status"], 1) << answer.raw;
    return {id, answer.body["Session"].value("Token", "")};
  }
  int Poll(const std::string& token) {
    return Agent(kPoll, json{{"SessionToken", token}, {"WaitSeconds", 0}}).status;
  }
  int Complete(const std::string& token) {
    return Agent(kComplete, json{{"SessionToken", token},
                                 {"JobId", "00000000-0000-4000-8000-000000000001"},
                                 {"AuditId", 1},
                                 {"Status", 2}})
        .status;
  }
  int ControlStatus(const std::string& path, const std::string& id) {
    return Control("POST", path, json::array({id}).dump()).status;
  }
  // The cache's answers through the fixture's inline reader, which answers at once.
  StatusOr<std::optional<store::SessionRecord>> Find(SessionCache& cache, const std::string& hash) {
    std::optional<StatusOr<std::optional<store::SessionRecord>>> found;
    cache.FindSession(*inline_reader_, hash, [&found](auto answer) { found = std::move(answer); });
    EXPECT_TRUE(found.has_value());
    return found.value_or(InternalError("not answered"));
  }
  StatusOr<store::Agent> Get(SessionCache& cache, const std::string& id) {
    std::optional<StatusOr<store::Agent>> agent;
    cache.GetAgent(*inline_reader_, id, [&agent](auto answer) { agent = std::move(answer); });
    EXPECT_TRUE(agent.has_value());
    return agent.value_or(InternalError("not answered"));
  }
};

TEST_F(SessionCacheTest, AnApprovalIsSeenByTheNextCall) {
  // Given a new agent refused while New, its next call after the approval is accepted.
  auto [id, token] = Session(CreateSecret("bootstrap"));
  EXPECT_EQ(Poll(token), 403);
  EXPECT_EQ(Poll(token), 403);
  ASSERT_EQ(ControlStatus("/Agents/Approve", id), 204);
  EXPECT_EQ(Poll(token), 200);
  EXPECT_EQ(Complete(token), 409);  // authenticated; no run is leased
}

TEST_F(SessionCacheTest, ADisapprovedAgentIsRefusedAtOnce) {
  // Given an approved agent whose calls succeed, the first call after its disapproval is
  // refused: its session ended with it.
  auto [id, token] = Session(CreateSecret("bootstrap"));
  ASSERT_EQ(ControlStatus("/Agents/Approve", id), 204);
  EXPECT_EQ(Poll(token), 200);
  EXPECT_EQ(Poll(token), 200);
  ASSERT_EQ(ControlStatus("/Agents/Disapprove", id), 204);
  EXPECT_EQ(Poll(token), 401);
  EXPECT_EQ(Complete(token), 401);
}

TEST_F(SessionCacheTest, AResetEndsTheSession) {
  auto [id, token] = Session(CreateSecret("bootstrap"));
  ASSERT_EQ(ControlStatus("/Agents/Approve", id), 204);
  EXPECT_EQ(Poll(token), 200);
  ASSERT_EQ(ControlStatus("/Agents/Reset", id), 204);
  EXPECT_EQ(Poll(token), 401);
}

TEST_F(SessionCacheTest, ARevokedSecretEndsItsSessions) {
  // Given a session opened with an agent secret (no certificate), revoking the secret ends it.
  Secret secret = CreateSecret("bootstrap");
  Answer registered = Agent(kRegister, RegisterBody("", "web01", std::nullopt), {Basic(secret)});
  ASSERT_EQ(registered.body["Result"]["Status"], 1) << registered.raw;
  const std::string token = registered.body["Session"]["Token"];
  const std::string id = registered.body["Session"]["AgentId"];
  ASSERT_EQ(ControlStatus("/Agents/Approve", id), 204);
  EXPECT_EQ(Poll(token), 200);
  ASSERT_EQ(Control("POST", "/api/v2/agent/secrets/bootstrap/revoke", "").status, 200);
  EXPECT_EQ(Poll(token), 401);
}

TEST_F(SessionCacheTest, ANewRegistrationReplacesTheCachedSession) {
  // Given an agent registering again, its old session token stops working at once.
  Secret secret = CreateSecret("bootstrap");
  auto [id, der] = Enroll(secret, "web01");
  ASSERT_EQ(ControlStatus("/Agents/Approve", id), 204);
  const std::string first =
      Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {}, der).body["Session"]["Token"];
  EXPECT_EQ(Poll(first), 200);
  const std::string second =
      Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {}, der).body["Session"]["Token"];
  EXPECT_EQ(Poll(first), 401);
  EXPECT_EQ(Poll(second), 200);
}

TEST_F(SessionCacheTest, CallsKeepACachedSessionAliveAfterTheirTouchesAreWritten) {
  // Given calls every 9 minutes (sessions end after 10 of silence) whose touches are written
  // each time, the session stays valid: the cached copy follows the calls.
  auto [id, token] = Session(CreateSecret("bootstrap"));
  ASSERT_EQ(ControlStatus("/Agents/Approve", id), 204);
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(std::chrono::minutes(9));
    EXPECT_EQ(Poll(token), 200) << i;
    touches_->Flush();
  }
  clock_.Advance(std::chrono::minutes(10) + std::chrono::seconds(1));
  EXPECT_EQ(Poll(token), 401);
}

TEST_F(SessionCacheTest, SessionsAreReadOnceUntilAChangeIsCounted) {
  // Given a cached session, a write that counts no change (a touch) is not re-read; once a
  // change is counted, the next lookup reads the store again.
  auto [id, token] = Session(CreateSecret("bootstrap"));
  const std::string hash = pki::TokenHash(token);
  SessionCache cache;
  ASSERT_OK_AND_ASSIGN(std::optional<store::SessionRecord> first, Find(cache, hash));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->agent_id, id);
  const WallTime later = first->last_call_at + std::chrono::minutes(3);
  ASSERT_OK(store::SqliteAgentStore(*store_).TouchSessions({{hash, id, later}}));
  ASSERT_OK_AND_ASSIGN(std::optional<store::SessionRecord> cached, Find(cache, hash));
  EXPECT_EQ(cached->last_call_at, first->last_call_at);
  cache.Touched(hash, later);
  ASSERT_OK_AND_ASSIGN(cached, Find(cache, hash));
  EXPECT_EQ(cached->last_call_at, later);
  ASSERT_OK(store::SqliteAgentStore(*store_).DeleteSession(hash));
  ASSERT_OK_AND_ASSIGN(std::optional<store::SessionRecord> gone, Find(cache, hash));
  EXPECT_FALSE(gone.has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(SessionCacheTest, AChangeToOneAgentDropsOnlyThatAgentsEntries) {
  // Given the sessions and agents of A and B cached, a change counted for B (its approval) is
  // read again for B only: A's entries are answered from memory, with no read.
  auto [a, token_a] = Session(CreateSecret("first"));
  auto [b, token_b] = Session(CreateSecret("second"));
  const std::string hash_a = pki::TokenHash(token_a);
  const std::string hash_b = pki::TokenHash(token_b);
  SessionCache cache;
  ASSERT_OK(Find(cache, hash_a).status());
  ASSERT_OK(Find(cache, hash_b).status());
  ASSERT_OK(Get(cache, a).status());
  ASSERT_OK(Get(cache, b).status());
  EXPECT_EQ(cache.size(), 4u);
  ASSERT_OK(store::SqliteAgentStore(*store_).SetStatus({b}, store::AgentStatus::kApproved));
  const int64_t reads = inline_reader_->state().reads;
  ASSERT_OK(Find(cache, hash_a).status());
  ASSERT_OK(Get(cache, a).status());
  EXPECT_EQ(inline_reader_->state().reads, reads);
  ASSERT_OK_AND_ASSIGN(store::Agent approved, Get(cache, b));
  EXPECT_EQ(approved.status, store::AgentStatus::kApproved);
  ASSERT_OK(Find(cache, hash_b).status());
  EXPECT_EQ(inline_reader_->state().reads, reads + 2);
  // A change for any agent (a session ended) drops everything.
  ASSERT_OK(store::SqliteAgentStore(*store_).DeleteSession(hash_b));
  ASSERT_OK(Find(cache, hash_a).status());
  EXPECT_EQ(inline_reader_->state().reads, reads + 3);
}

TEST_F(SessionCacheTest, AFullCacheStartsOver) {
  auto [id, token] = Session(CreateSecret("bootstrap"));
  SessionCache cache(/*capacity=*/1);
  ASSERT_OK(Find(cache, pki::TokenHash(token)).status());
  ASSERT_OK(Get(cache, id).status());
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_FALSE(Get(cache, "00000000-0000-4000-8000-00000000000f").ok());
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace orch::api
