#include "store/pool_store.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/guid.h"
#include "store/agent_store.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class PoolStoreTest : public testing::StoreFileTest {
 protected:
  std::string Agent(const std::string& machine, std::vector<std::string> capabilities = {},
                    AgentStatus status = AgentStatus::kApproved) {
    store::Agent agent;
    agent.agent_id = NewGuid();
    agent.client_machine = machine;
    agent.status = status;
    agent.capabilities = std::move(capabilities);
    agent.created_at = clock_.WallNow();
    EXPECT_OK(SqliteAgentStore(*store_).CreateAgent(agent));
    return agent.agent_id;
  }
  StatusOr<PoolRecord> Create(const std::string& name, std::vector<PoolMemberSpec> agents) {
    return SqlitePoolStore(*store_).CreatePool({NewGuid(), name, std::move(agents)}, clock_.WallNow());
  }
  std::vector<std::string> DefaultIds() {
    std::vector<std::string> ids;
    StatusOr<PoolRecord> pool = SqlitePoolStore(*store_).GetPool(kDefaultPoolId);
    EXPECT_OK(pool);
    if (!pool.ok()) return ids;
    for (const PoolMember& m : pool->agents) ids.push_back(m.agent_id);
    return ids;
  }
};

TEST_F(PoolStoreTest, MemberLeavesDefaultPoolAndReturnsWhenRemoved) {
  // Given an approved agent, it is in the Default pool until a custom pool takes it, and
  // back when the pool is deleted; a New agent is in no pool.
  std::string a = Agent("a");
  Agent("new", {}, AgentStatus::kNew);
  EXPECT_THAT(DefaultIds(), ElementsAre(a));
  ASSERT_OK_AND_ASSIGN(PoolRecord pool, Create("web", {{a, true, false}}));
  EXPECT_TRUE(DefaultIds().empty());
  ASSERT_EQ(pool.agents.size(), 1u);
  EXPECT_TRUE(pool.agents[0].enable_discover);
  EXPECT_FALSE(pool.agents[0].enable_monitor);
  ASSERT_OK(SqlitePoolStore(*store_).DeletePool(pool.pool_id));
  EXPECT_THAT(DefaultIds(), ElementsAre(a));
}

TEST_F(PoolStoreTest, RefusesDuplicateNamesUnknownAgentsAndAgentsOfOtherPools) {
  // Given a pool holding agent a, a second pool with the same name (other case), an unknown
  // agent, or agent a is refused with a message naming the agent and its pool.
  std::string a = Agent("host-a");
  ASSERT_OK_AND_ASSIGN(PoolRecord web, Create("web", {{a}}));
  EXPECT_EQ(Create("WEB", {}).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Create("Default Agent Pool", {}).status().code(), StatusCode::kAlreadyExists);
  auto unknown = Create("db", {{NewGuid()}});
  EXPECT_EQ(unknown.status().field(), "Agents[0].AgentId");
  auto taken = Create("db", {{a}});
  ASSERT_EQ(taken.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(taken.status().message(), HasSubstr(a));
  EXPECT_THAT(taken.status().message(), HasSubstr("host-a"));
  EXPECT_THAT(taken.status().message(), HasSubstr("\"web\""));
}

TEST_F(PoolStoreTest, ReplaceIsFullAndDefaultPoolIsFixed) {
  // Given a pool with agent a, replacing it with name "web2" and agent b leaves only b; the
  // Default pool can be neither replaced nor deleted.
  std::string a = Agent("a");
  std::string b = Agent("b");
  ASSERT_OK_AND_ASSIGN(PoolRecord pool, Create("web", {{a}}));
  SqlitePoolStore pools(*store_);
  ASSERT_OK_AND_ASSIGN(
      PoolRecord replaced,
      pools.ReplacePool({pool.pool_id, "web2", {{b, false, true}}}, clock_.WallNow()));
  EXPECT_EQ(replaced.name, "web2");
  ASSERT_EQ(replaced.agents.size(), 1u);
  EXPECT_EQ(replaced.agents[0].agent_id, b);
  EXPECT_THAT(DefaultIds(), ElementsAre(a));
  EXPECT_EQ(
      pools.ReplacePool({std::string(kDefaultPoolId), "x", {}}, clock_.WallNow()).status().code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(pools.DeletePool(kDefaultPoolId).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(pools.DeletePool(NewGuid()).code(), StatusCode::kNotFound);
  EXPECT_EQ(pools.ReplacePool({NewGuid(), "y", {}}, clock_.WallNow()).status().code(),
            StatusCode::kNotFound);
}

TEST_F(PoolStoreTest, DefaultMembersAllowWhatTheirCapabilitiesSay) {
  // Given an agent advertising SSL discovery only, it allows and is enabled for discovery.
  std::string a = Agent("a", {"ssl.discovery", "CertStores.PEM.Management"});
  ASSERT_OK_AND_ASSIGN(PoolRecord pool, SqlitePoolStore(*store_).GetPool(kDefaultPoolId));
  ASSERT_EQ(pool.agents.size(), 1u);
  EXPECT_TRUE(pool.agents[0].allows_discover);
  EXPECT_TRUE(pool.agents[0].enable_discover);
  EXPECT_FALSE(pool.agents[0].allows_monitor);
  EXPECT_EQ(pool.name, kDefaultPoolName);
}

TEST_F(PoolStoreTest, ListPoolsIncludesDefaultAndPagesWithTotal) {
  // Given two custom pools, the list holds three pools, Default among them.
  ASSERT_OK(Create("alpha", {}));
  ASSERT_OK(Create("beta", {}));
  ASSERT_OK_AND_ASSIGN(jobs::Paging paging, jobs::ParsePaging({}, PoolQueryFields(), "Name"));
  ASSERT_OK_AND_ASSIGN(Page<PoolRecord> page, SqlitePoolStore(*store_).ListPools(paging));
  EXPECT_EQ(page.total, 3);
  ASSERT_EQ(page.rows.size(), 3u);
  EXPECT_EQ(page.rows[0].name, "alpha");
  EXPECT_EQ(page.rows[2].name, "Default Agent Pool");  // names sort ignoring case
  ASSERT_OK_AND_ASSIGN(bool exists, SqlitePoolStore(*store_).PoolExists(kDefaultPoolId));
  EXPECT_TRUE(exists);
  ASSERT_OK_AND_ASSIGN(exists, SqlitePoolStore(*store_).PoolExists(page.rows[0].pool_id));
  EXPECT_TRUE(exists);
  ASSERT_OK_AND_ASSIGN(exists, SqlitePoolStore(*store_).PoolExists(NewGuid()));
  EXPECT_FALSE(exists);
}

TEST_F(PoolStoreTest, ReconcileCreatesAdoptsUpdatesAndDeletesManagedPools) {
  // Given an API pool "web" holding agent a, declaring "db" with a and an unknown id and "web"
  // with b adopts web, moves a, skips the unknown id; declaring nothing deletes both.
  std::string a = Agent("a");
  std::string b = Agent("b");
  ASSERT_OK_AND_ASSIGN(PoolRecord web, Create("web", {{a}}));
  const std::string ghost = NewGuid();
  SqlitePoolStore pools(*store_);
  ASSERT_OK_AND_ASSIGN(
      ReconcileReport report,
      pools.ReconcileDeclaredPools({{"db", {a, ghost}}, {"web", {b}}}, clock_.WallNow()));
  EXPECT_THAT(report.created, ElementsAre("db"));
  EXPECT_THAT(report.updated, ElementsAre("web"));
  EXPECT_THAT(report.unknown_agents, ElementsAre(ghost));
  EXPECT_EQ(report.moved_agents.size(), 1u);
  ASSERT_OK_AND_ASSIGN(PoolRecord adopted, pools.GetPool(web.pool_id));
  EXPECT_TRUE(adopted.managed);
  ASSERT_EQ(adopted.agents.size(), 1u);
  EXPECT_EQ(adopted.agents[0].agent_id, b);
  EXPECT_EQ(pools.DeletePool(web.pool_id).code(), StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(
      report, pools.ReconcileDeclaredPools({{"db", {a, ghost}}, {"web", {b}}}, clock_.WallNow()));
  EXPECT_TRUE(report.created.empty());
  EXPECT_TRUE(report.updated.empty());
  ASSERT_OK_AND_ASSIGN(report, pools.ReconcileDeclaredPools({}, clock_.WallNow()));
  EXPECT_EQ(report.deleted.size(), 2u);
  EXPECT_EQ(DefaultIds().size(), 2u);
}

}  // namespace
}  // namespace orch::store
