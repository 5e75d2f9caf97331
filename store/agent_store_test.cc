#include "store/agent_store.h"

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/guid.h"
#include "jobs/query.h"
#include "store/agent_changes.h"
#include "store/sqlite_store_impl.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::store {
namespace {

using ::testing::ElementsAre;

class AgentStoreTest : public testing::StoreFileTest {
 protected:
  Agent NewAgent(const std::string& machine) {
    Agent agent;
    agent.agent_id = NewGuid();
    agent.client_machine = machine;
    agent.username = "bootstrap";
    agent.capabilities = {"CertStores.PEM.Management"};
    agent.created_at = clock_.WallNow();
    EXPECT_OK(agents().CreateAgent(agent));
    return agent;
  }
  SqliteAgentStore& agents() { return agents_.emplace(*store_), *agents_; }

  std::optional<SqliteAgentStore> agents_;
};

TEST_F(AgentStoreTest, CreateReadUpdateRoundTripsEveryField) {
  // Given a created agent updated with every field set, reading it back answers the same.
  Agent agent = NewAgent("web01");
  agent.status = AgentStatus::kApproved;
  agent.version = (uint64_t{10} << 48) | (uint64_t{4} << 32);
  agent.agent_platform = 7;
  agent.last_seen = clock_.WallNow() + std::chrono::seconds(3);
  agent.thumbprint = "AA";
  agent.legacy_thumbprint = "BB";
  agent.reenrollment = Reenrollment::kRequired;
  agent.last_thumbprint_used = "AA";
  agent.last_error_code = -5;
  agent.last_error_message = "refused";
  ASSERT_OK(agents().UpdateAgent(agent));
  ASSERT_OK_AND_ASSIGN(Agent read, agents().GetAgent(agent.agent_id));
  EXPECT_EQ(read.client_machine, "web01");
  EXPECT_EQ(read.version, agent.version);
  EXPECT_EQ(read.status, AgentStatus::kApproved);
  EXPECT_EQ(read.last_seen, agent.last_seen);
  EXPECT_THAT(read.capabilities, ElementsAre("CertStores.PEM.Management"));
  EXPECT_EQ(read.reenrollment, Reenrollment::kRequired);
  EXPECT_EQ(read.last_error_code, -5);
  EXPECT_EQ(read.last_error_message, "refused");
  ASSERT_OK_AND_ASSIGN(bool exists, agents().AgentExists(agent.agent_id));
  EXPECT_TRUE(exists);
  ASSERT_OK_AND_ASSIGN(exists, agents().AgentExists(NewGuid()));
  EXPECT_FALSE(exists);
  EXPECT_EQ(agents().GetAgent(NewGuid()).status().code(), StatusCode::kNotFound);
}

TEST_F(AgentStoreTest, AStoredStatusNoBuildKnowsIsAnInternalErrorNamingIt) {
  // Given an agent row whose status was damaged past the schema's checks, reading it fails
  // with Internal naming the column and value instead of handing on an unknown status.
  const Agent agent = NewAgent("web01");
  const std::string update = "PRAGMA ignore_check_constraints = 1; UPDATE agents SET status = 9;";
  ASSERT_EQ(sqlite3_exec(store_->impl().db.getHandle(), update.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK);
  StatusOr<Agent> read = agents().GetAgent(agent.agent_id);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kInternal);
  EXPECT_THAT(read.status().message(), ::testing::HasSubstr("agents.status value 9"));
}

TEST_F(AgentStoreTest, FindsByCurrentOrLegacyThumbprint) {
  // Given agents holding thumbprints, lookups find the current holder first, then legacy.
  Agent a = NewAgent("a");
  a.thumbprint = "NEW";
  a.legacy_thumbprint = "OLD";
  ASSERT_OK(agents().UpdateAgent(a));
  ASSERT_OK_AND_ASSIGN(auto found, agents().FindAgentByThumbprint("OLD"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->agent_id, a.agent_id);
  ASSERT_OK_AND_ASSIGN(found, agents().FindAgentByThumbprint("NEW"));
  EXPECT_TRUE(found.has_value());
  ASSERT_OK_AND_ASSIGN(found, agents().FindAgentByThumbprint(""));
  EXPECT_FALSE(found.has_value());
}

TEST_F(AgentStoreTest, SetStatusIsAllOrNothingAndDisapproveEndsSessions) {
  // Given two agents and a session, approving with one unknown id changes nothing; a
  // disapproval ends the agent's session.
  Agent a = NewAgent("a");
  Agent b = NewAgent("b");
  EXPECT_EQ(agents().SetStatus({a.agent_id, NewGuid()}, AgentStatus::kApproved).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(agents().GetAgent(a.agent_id)->status, AgentStatus::kNew);
  ASSERT_OK(agents().SetStatus({a.agent_id, b.agent_id}, AgentStatus::kApproved));
  EXPECT_EQ(agents().GetAgent(b.agent_id)->status, AgentStatus::kApproved);
  ASSERT_OK(agents().CreateSession({"hash-a", a.agent_id, "", clock_.WallNow(), clock_.WallNow()}));
  ASSERT_OK(agents().SetStatus({a.agent_id}, AgentStatus::kDisapproved));
  ASSERT_OK_AND_ASSIGN(auto session, agents().FindSession("hash-a"));
  EXPECT_FALSE(session.has_value());
}

TEST_F(AgentStoreTest, ResetClearsCertificatesFlagsErrorsAndSessions) {
  // Given an approved agent with a certificate, a flag, an error and a session, Reset returns
  // it to New with none of them.
  Agent a = NewAgent("a");
  a.status = AgentStatus::kApproved;
  a.thumbprint = "T";
  a.reenrollment = Reenrollment::kRequested;
  a.last_error_code = 1;
  ASSERT_OK(agents().UpdateAgent(a));
  ASSERT_OK(agents().CreateSession({"h", a.agent_id, "", clock_.WallNow(), clock_.WallNow()}));
  ASSERT_OK(agents().Reset({a.agent_id}));
  ASSERT_OK_AND_ASSIGN(Agent read, agents().GetAgent(a.agent_id));
  EXPECT_EQ(read.status, AgentStatus::kNew);
  EXPECT_EQ(read.thumbprint, "");
  EXPECT_EQ(read.reenrollment, Reenrollment::kNone);
  EXPECT_FALSE(read.last_error_code.has_value());
  EXPECT_FALSE(agents().FindSession("h")->has_value());
}

TEST_F(AgentStoreTest, SetReenrollmentReportsUnknownIdsAndSetsTheOthers) {
  // Given one known and one unknown id, the known agent is set and the unknown one returned;
  // the agent's session ends, so it registers again and meets the flag. Clearing the flag
  // leaves sessions alone.
  Agent a = NewAgent("a");
  Agent b = NewAgent("b");
  ASSERT_OK(agents().CreateSession({"ha", a.agent_id, "", clock_.WallNow(), clock_.WallNow()}));
  ASSERT_OK(agents().CreateSession({"hb", b.agent_id, "", clock_.WallNow(), clock_.WallNow()}));
  const std::string unknown = NewGuid();
  ASSERT_OK_AND_ASSIGN(auto failed,
                       agents().SetReenrollment({unknown, a.agent_id}, Reenrollment::kRequested));
  EXPECT_THAT(failed, ElementsAre(unknown));
  EXPECT_EQ(agents().GetAgent(a.agent_id)->reenrollment, Reenrollment::kRequested);
  EXPECT_FALSE(agents().FindSession("ha")->has_value());
  ASSERT_OK(agents().SetReenrollment({b.agent_id}, Reenrollment::kNone).status());
  EXPECT_TRUE(agents().FindSession("hb")->has_value());
}

TEST_F(AgentStoreTest, OneSessionPerAgentAndTouchMovesLastSeen) {
  // Given two sessions created in turn, only the newer lives; touching it moves LastSeen.
  Agent a = NewAgent("a");
  ASSERT_OK(agents().CreateSession({"first", a.agent_id, "", clock_.WallNow(), clock_.WallNow()}));
  ASSERT_OK(agents().CreateSession({"second", a.agent_id, "", clock_.WallNow(), clock_.WallNow()}));
  EXPECT_FALSE(agents().FindSession("first")->has_value());
  ASSERT_OK_AND_ASSIGN(auto session, agents().FindSession("second"));
  ASSERT_TRUE(session.has_value());
  clock_.Advance(std::chrono::minutes(3));
  const WallTime later = clock_.WallNow();
  // One batch: the later touch wins whatever the order, and a session or agent that is gone
  // is skipped without failing the others.
  ASSERT_OK(agents().TouchSessions({{"second", a.agent_id, later},
                                    {"second", a.agent_id, later - std::chrono::minutes(1)},
                                    {"gone", "no-such-agent", later}}));
  EXPECT_EQ(agents().FindSession("second")->value().last_call_at, later);
  EXPECT_EQ(agents().GetAgent(a.agent_id)->last_seen, later);
  EXPECT_FALSE(agents().FindSession("gone")->has_value());
  ASSERT_OK(agents().DeleteSession("second"));
  EXPECT_FALSE(agents().FindSession("second")->has_value());
}

TEST_F(AgentStoreTest, WritesThatDecideWhichSessionsAreAcceptedAreCounted) {
  // Given an agent and its session, every write that can change whether a session is accepted
  // moves AgentChanges; touches, recorded errors and new agents do not.
  Agent a = NewAgent("a");
  auto moved = [last = AgentChanges::Current()]() mutable {
    const uint64_t now = AgentChanges::Current();
    const bool did = now != last;
    last = now;
    return did;
  };
  ASSERT_OK(agents().CreateSession({"s", a.agent_id, "", clock_.WallNow(), clock_.WallNow()}));
  EXPECT_TRUE(moved());
  ASSERT_OK(agents().TouchSessions({{"s", a.agent_id, clock_.WallNow()}}));
  ASSERT_OK(agents().RecordError(a.agent_id, 1, "refused", clock_.WallNow()));
  EXPECT_FALSE(moved());
  ASSERT_OK(agents().SetStatus({a.agent_id}, AgentStatus::kApproved));
  EXPECT_TRUE(moved());
  ASSERT_OK(agents().SetReenrollment({a.agent_id}, Reenrollment::kRequested).status());
  EXPECT_TRUE(moved());
  ASSERT_OK(agents().Reset({a.agent_id}));
  EXPECT_TRUE(moved());
  ASSERT_OK(agents().UpdateAgent(a));
  EXPECT_TRUE(moved());
  ASSERT_OK(agents().DeleteSession("s"));
  EXPECT_TRUE(moved());
  // A new agent, created or registered, is nothing any cache holds: not counted. A known
  // agent's registration replaces its row and session: counted.
  Agent b = NewAgent("b");
  EXPECT_FALSE(moved());
  Agent c = a;
  c.agent_id = "0c000000-0000-4000-8000-00000000000c";
  c.client_machine = "c";
  ASSERT_OK(agents().SaveRegistration(c, true, {"t", c.agent_id, "", clock_.WallNow(), clock_.WallNow()}));
  EXPECT_FALSE(moved());
  ASSERT_OK(agents().SaveRegistration(b, false, {"u", b.agent_id, "", clock_.WallNow(), clock_.WallNow()}));
  EXPECT_TRUE(moved());
}

TEST_F(AgentStoreTest, ListAgentsFiltersSortsAndCounts) {
  // Given three agents, a query on Status and a descending sort page through the matches.
  Agent a = NewAgent("alpha");
  Agent b = NewAgent("bravo");
  NewAgent("charlie");
  ASSERT_OK(agents().SetStatus({a.agent_id, b.agent_id}, AgentStatus::kApproved));
  ASSERT_OK_AND_ASSIGN(jobs::Paging paging,
                       jobs::ParsePaging({{"pq.queryString", "Status -eq \"Approved\""},
                                          {"pq.sortField", "ClientMachine"},
                                          {"pq.sortAscending", "1"},
                                          {"pq.returnLimit", "1"}},
                                         AgentQueryFields(), "ClientMachine"));
  ASSERT_OK_AND_ASSIGN(Page<Agent> page, agents().ListAgents(paging));
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].client_machine, "bravo");
}

TEST_F(AgentStoreTest, CountsAgentsByStatusAndSessionsCalledSinceAMoment) {
  // Given three agents (two approved) and two sessions, one of them called 10 minutes later.
  ASSERT_OK_AND_ASSIGN(auto counts, agents().CountAgentsByStatus());
  EXPECT_TRUE(counts.empty());
  Agent a = NewAgent("a");
  Agent b = NewAgent("b");
  NewAgent("c");
  ASSERT_OK(agents().SetStatus({a.agent_id, b.agent_id}, AgentStatus::kApproved));
  const WallTime start = clock_.WallNow();
  const WallTime later = start + std::chrono::minutes(10);
  ASSERT_OK(agents().CreateSession({"ha", a.agent_id, "", start, start}));
  ASSERT_OK(agents().CreateSession({"hb", b.agent_id, "", start, later}));

  ASSERT_OK_AND_ASSIGN(counts, agents().CountAgentsByStatus());
  EXPECT_EQ(counts, (std::map<AgentStatus, int64_t>{{AgentStatus::kNew, 1},
                                                     {AgentStatus::kApproved, 2}}));
  EXPECT_EQ(agents().CountSessionsSince(start).value(), 2);
  EXPECT_EQ(agents().CountSessionsSince(start + std::chrono::milliseconds(1)).value(), 1);
  EXPECT_EQ(agents().CountSessionsSince(later + std::chrono::milliseconds(1)).value(), 0);
}

}  // namespace
}  // namespace orch::store
