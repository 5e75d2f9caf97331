// Agent secrets, agents and agent pools on the control API, without sockets.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/guid.h"
#include "store/pool_store.h"
#include "tests/testing/agent_api_fixture.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::AgentApiFixture;
using testing::Answer;
using ::testing::HasSubstr;
using testing::Secret;

using SecretsTest = AgentApiFixture;
using AgentsTest = AgentApiFixture;

class PoolsTest : public AgentApiFixture {
 protected:
  // An approved agent, optionally advertising SSL discovery and monitoring.
  std::string ApprovedAgent(const std::string& machine, bool ssl = false) {
    if (secret_.name.empty()) secret_ = CreateSecret("pools");
    json body = RegisterBody("", machine, std::nullopt);
    if (ssl) body["Capabilities"] = {"SSL.Discovery", "SSL.Monitoring"};
    Answer answer = Agent("/KeyfactorAgents/Session/Register", body, {Basic(secret_)});
    const std::string id = answer.body["Session"]["AgentId"];
    EXPECT_EQ(Control("POST", "/Agents/Approve", json::array({id}).dump()).status, 204);
    return id;
  }
  static json Member(const std::string& id, bool discover = false, bool monitor = false) {
    return {{"AgentId", id}, {"EnableDiscover", discover}, {"EnableMonitor", monitor}};
  }
  std::vector<std::string> DefaultMembers() {
    std::vector<std::string> ids;
    for (const json& m : Control("GET", "/AgentPools/Agents").body) ids.push_back(m["AgentId"]);
    return ids;
  }

  Secret secret_;
};

TEST_F(SecretsTest, ValueIsShownOnceAndNeverListed) {
  // Given a created secret, the create answer alone holds its value; the list shows id, name,
  // status and modification time.
  Answer created = Control("POST", "/api/v2/agent/secrets", R"({"name":"bootstrap"})");
  ASSERT_EQ(created.status, 201);
  const std::string value = created.body["secret"];
  EXPECT_EQ(value.size(), 43u);
  EXPECT_EQ(created.body["status"], "ACTIVE");
  Answer list = Control("GET", "/api/v2/agent/secrets");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body.size(), 1u);
  EXPECT_EQ(list.body[0]["name"], "bootstrap");
  EXPECT_EQ(list.body[0]["id"], created.body["id"]);
  EXPECT_EQ(list.body[0]["modificationTime"], "2026-01-01T00:00:00Z");
  EXPECT_FALSE(list.body[0].contains("secret"));
  EXPECT_THAT(list.raw, ::testing::Not(HasSubstr(value)));
}

TEST_F(SecretsTest, GeneratedNamesDuplicatesBadNamesAndClaims) {
  // Given no body the name is generated; a duplicate is 409; a bad name is a FIELD_ERROR; a
  // caller without the claim gets 403; revoking an unknown name is 404.
  Answer generated = Control("POST", "/api/v2/agent/secrets");
  ASSERT_EQ(generated.status, 201);
  EXPECT_THAT(generated.body["name"].get<std::string>(), HasSubstr("agent-secret-"));
  CreateSecret("dup");
  Answer duplicate = Control("POST", "/api/v2/agent/secrets", R"({"name":"dup"})");
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_EQ(duplicate.body["errorCode"], "VALIDATION_ERROR");
  Answer bad = Control("POST", "/api/v2/agent/secrets", R"({"name":"a:b"})");
  EXPECT_EQ(bad.body["errorDetails"]["field"], "name");
  EXPECT_EQ(Control("GET", "/api/v2/agent/secrets", "", 1).status, 403);
  EXPECT_EQ(Control("POST", "/api/v2/agent/secrets/nope/revoke").status, 404);
}

TEST_F(AgentsTest, ListShowsPagesAndQueries) {
  // Given three agents, GET /Agents pages with x-total-count and filters by query.
  Secret secret = CreateSecret("s");
  std::string first = Enroll(secret, "alpha").first;
  Enroll(secret, "bravo");
  Enroll(secret, "charlie");
  Answer page = Control("GET", "/Agents?pq.returnLimit=2&pq.pageReturned=2");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("x-total-count"), "3");
  ASSERT_EQ(page.body.size(), 1u);
  EXPECT_EQ(page.body[0]["ClientMachine"], "charlie");
  Answer query = Control("GET", "/Agents?pq.queryString=ClientMachine%20-eq%20%22alpha%22");
  ASSERT_EQ(query.body.size(), 1u);
  EXPECT_EQ(query.body[0]["AgentId"], first);
  EXPECT_EQ(Control("GET", "/Agents?pq.queryString=Nope%20-eq%201").status, 400);
  EXPECT_EQ(Control("GET", "/Agents/" + NewGuid()).status, 404);
  EXPECT_EQ(Control("GET", "/Agents", "", 1).status, 403);
}

TEST_F(AgentsTest, ApproveDisapproveResetAreAllOrNothing) {
  // Given two agents, approving them with one unknown id is 404 and changes nothing;
  // without it both are approved; Reset returns one to New.
  Secret secret = CreateSecret("s");
  std::string a = Enroll(secret, "a").first;
  std::string b = Enroll(secret, "b").first;
  Answer unknown = Control("POST", "/Agents/Approve", json::array({a, b, NewGuid()}).dump());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(GetAgent(a)["Status"], 1);
  ASSERT_EQ(Control("POST", "/Agents/Approve", json::array({a, b}).dump()).status, 204);
  EXPECT_EQ(GetAgent(b)["Status"], 2);
  ASSERT_EQ(Control("POST", "/Agents/Disapprove", json::array({b}).dump()).status, 204);
  EXPECT_EQ(GetAgent(b)["Status"], 3);
  ASSERT_EQ(Control("POST", "/Agents/Reset", json::array({a}).dump()).status, 204);
  EXPECT_EQ(GetAgent(a)["Status"], 1);
  EXPECT_TRUE(GetAgent(a)["Thumbprint"].is_null());
  EXPECT_EQ(Control("POST", "/Agents/Approve", R"(["not-a-guid"])").body["errorDetails"]["field"],
            "[0]");
}

TEST_F(AgentsTest, TheModifyClaimAloneChangesAgentsButDoesNotReadThem) {
  // Given a caller holding only /agents/management/modify/, it approves and resets an agent
  // but may not list agents; a caller holding only the read claim may not approve.
  Secret secret = CreateSecret("s");
  const std::string a = Enroll(secret, "a").first;
  authorizer_->SetRoles({{"modify", {"7000"}, {}, {"/agents/management/modify/"}},
                         {"read", {"7001"}, {}, {"/agents/management/read/"}}});
  const std::string ids = json::array({a}).dump();
  EXPECT_EQ(Control("POST", "/Agents/Approve", ids, 7000).status, 204);
  EXPECT_EQ(Control("POST", "/Agents/Reset", ids, 7000).status, 204);
  Answer read = Control("GET", "/Agents", "", 7000);
  EXPECT_EQ(read.status, 403);
  EXPECT_THAT(read.body["errorMessage"].get<std::string>(), HasSubstr("/agents/management/read/"));
  Answer approve = Control("POST", "/Agents/Approve", ids, 7001);
  EXPECT_EQ(approve.status, 403);
  EXPECT_THAT(approve.body["errorMessage"].get<std::string>(),
              HasSubstr("/agents/management/modify/"));
}

TEST_F(AgentsTest, SetReenrollmentListsUnknownIdsAndSetsTheOthers) {
  // Given one known and one unknown id, the answer lists the unknown one as failed and the
  // known agent reads the new value; a Status of 3 is a FIELD_ERROR.
  Secret secret = CreateSecret("s");
  std::string a = Enroll(secret, "a").first;
  const std::string unknown = NewGuid();
  Answer answer = Control("POST", "/Agents/SetAuthCertificateReenrollment",
                          json{{"OrchestratorIds", {a, unknown}}, {"Status", 2}}.dump());
  ASSERT_EQ(answer.status, 200) << answer.raw;
  EXPECT_EQ(answer.body["FailedOrchestratorIds"], json::array({unknown}));
  EXPECT_EQ(answer.body["Status"], "Required");
  EXPECT_EQ(GetAgent(a)["AuthCertificateReenrollment"], 2);
  Answer bad = Control("POST", "/Agents/SetAuthCertificateReenrollment",
                       json{{"OrchestratorIds", {a}}, {"Status", 3}}.dump());
  EXPECT_EQ(bad.body["errorDetails"]["field"], "Status");
}

TEST_F(PoolsTest, CreateReplaceDeleteMoveAgentsThroughTheDefaultPool) {
  // Given two approved agents, a pool taking one removes it from the Default pool, a full
  // replace swaps it for the other, and deleting the pool returns both to Default.
  std::string a = ApprovedAgent("a", true);
  std::string b = ApprovedAgent("b");
  Answer created = Control("POST", "/AgentPools",
                           json{{"Name", "web"}, {"Agents", {Member(a, true, false)}}}.dump());
  ASSERT_EQ(created.status, 200) << created.raw;
  const std::string pool = created.body["AgentPoolId"];
  EXPECT_EQ(created.body["DiscoverAgentsCount"], 1);
  EXPECT_EQ(created.body["MonitorAgentsCount"], 0);
  EXPECT_EQ(created.body["Agents"][0]["AllowsMonitor"], true);
  EXPECT_EQ(created.body["Agents"][0]["ClientMachine"], "a");
  EXPECT_EQ(DefaultMembers(), std::vector<std::string>{b});
  Answer replaced = Control(
      "PUT", "/AgentPools",
      json{{"AgentPoolId", pool}, {"Name", "web2"}, {"Agents", {Member(b, false, true)}}}.dump());
  ASSERT_EQ(replaced.status, 200) << replaced.raw;
  EXPECT_EQ(replaced.body["Name"], "web2");
  EXPECT_EQ(replaced.body["MonitorAgentsCount"], 1);
  EXPECT_EQ(DefaultMembers(), std::vector<std::string>{a});
  EXPECT_EQ(Control("DELETE", "/AgentPools/" + pool).status, 204);
  EXPECT_EQ(DefaultMembers().size(), 2u);
  EXPECT_EQ(Control("GET", "/AgentPools/" + pool).status, 404);
}

TEST_F(PoolsTest, TheModifyClaimAloneChangesPoolsButDoesNotReadThem) {
  // Given a caller holding only /ssl/modify/, it creates, replaces and deletes a pool but may
  // not list pools.
  authorizer_->SetRoles({{"modify", {"7000"}, {}, {"/ssl/modify/"}}});
  Answer created = Control("POST", "/AgentPools", R"({"Name": "web", "Agents": []})", 7000);
  ASSERT_EQ(created.status, 200) << created.raw;
  const std::string id = created.body["AgentPoolId"];
  json replaced = {{"AgentPoolId", id}, {"Name", "web2"}, {"Agents", json::array()}};
  EXPECT_EQ(Control("PUT", "/AgentPools", replaced.dump(), 7000).status, 200);
  EXPECT_EQ(Control("DELETE", "/AgentPools/" + id, "", 7000).status, 204);
  Answer read = Control("GET", "/AgentPools", "", 7000);
  EXPECT_EQ(read.status, 403);
  EXPECT_THAT(read.body["errorMessage"].get<std::string>(), HasSubstr("/ssl/read/"));
}

TEST_F(PoolsTest, DefaultPoolIsFixedAndConflictsAreRefused) {
  // Given the Default pool, it can be read but not renamed or deleted; a pool name taken, an
  // agent in another pool and a duplicate member are refused with clear messages.
  std::string a = ApprovedAgent("host-a");
  const std::string default_id(store::kDefaultPoolId);
  Answer def = Control("GET", "/AgentPools/" + default_id);
  EXPECT_EQ(def.body["Name"], "Default Agent Pool");
  EXPECT_EQ(def.body["Agents"].size(), 1u);
  EXPECT_EQ(Control("DELETE", "/AgentPools/" + default_id).status, 400);
  EXPECT_EQ(
      Control("PUT", "/AgentPools", json{{"AgentPoolId", default_id}, {"Name", "Renamed"}}.dump())
          .status,
      400);
  ASSERT_EQ(
      Control("POST", "/AgentPools", json{{"Name", "web"}, {"Agents", {Member(a)}}}.dump()).status,
      200);
  EXPECT_EQ(Control("POST", "/AgentPools", R"({"Name":"WEB"})").status, 409);
  Answer taken =
      Control("POST", "/AgentPools", json{{"Name", "db"}, {"Agents", {Member(a)}}}.dump());
  EXPECT_EQ(taken.status, 400);
  EXPECT_THAT(taken.body["errorMessage"].get<std::string>(), HasSubstr(a));
  EXPECT_THAT(taken.body["errorMessage"].get<std::string>(), HasSubstr("\"web\""));
  Answer twice = Control("POST", "/AgentPools",
                         json{{"Name", "db"}, {"Agents", {Member(a), Member(a)}}}.dump());
  EXPECT_EQ(twice.body["errorDetails"]["field"], "Agents[1].AgentId");
  EXPECT_EQ(Control("GET", "/AgentPools").Header("x-total-count"), "2");
  EXPECT_EQ(Control("POST", "/AgentPools", R"({"Name":"x"})", 1).status, 403);
}

TEST_F(PoolsTest, DeclaredPoolsAreReadOnly) {
  // Given a pool reconciled from the configuration, PUT and DELETE over the API are refused.
  std::string a = ApprovedAgent("a");
  ASSERT_OK(
      store::SqlitePoolStore(*store_).ReconcileDeclaredPools({{"declared", {a}}}, clock_.WallNow()));
  Answer list = Control("GET", "/AgentPools?pq.queryString=Name%20-eq%20%22declared%22");
  ASSERT_EQ(list.body.size(), 1u);
  EXPECT_EQ(list.body[0]["Managed"], true);
  const std::string id = list.body[0]["AgentPoolId"];
  Answer put = Control("PUT", "/AgentPools", json{{"AgentPoolId", id}, {"Name", "x"}}.dump());
  EXPECT_EQ(put.status, 400);
  EXPECT_THAT(put.body["errorMessage"].get<std::string>(), HasSubstr("configuration file"));
  EXPECT_EQ(Control("DELETE", "/AgentPools/" + id).status, 400);
}

}  // namespace
}  // namespace orch::api
