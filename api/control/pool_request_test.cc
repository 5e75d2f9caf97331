#include "api/control/pool_request.h"

#include <gtest/gtest.h>

#include "tests/testing/body_cases.h"
#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::ExpectFieldErrors;

constexpr char kGuid[] = "AAAAAAAA-2222-3333-4444-555555555555";

json ValidPool() {
  return {{"AgentPoolId", kGuid},
          {"Name", "web"},
          {"Agents", {{{"AgentId", kGuid}, {"EnableDiscover", true}}}}};
}

TEST(PoolRequestTest, ParsesAPoolAndLeavesANewIdEmpty) {
  // Given a valid body, PUT reads its id and POST leaves the id for the caller.
  ASSERT_OK_AND_ASSIGN(store::PoolSpec put, ParsePoolRequest(ValidPool(), true));
  EXPECT_EQ(put.pool_id, "aaaaaaaa-2222-3333-4444-555555555555");
  EXPECT_EQ(put.name, "web");
  ASSERT_EQ(put.agents.size(), 1u);
  EXPECT_TRUE(put.agents[0].enable_discover);
  EXPECT_FALSE(put.agents[0].enable_monitor);
  ASSERT_OK_AND_ASSIGN(store::PoolSpec post, ParsePoolRequest(ValidPool(), false));
  EXPECT_EQ(post.pool_id, "");
}

TEST(PoolRequestTest, NamesEachBadMember) {
  // Given one broken member at a time, with the limits on names and agents, it is named.
  json many = json::array();
  for (size_t i = 0; i <= 1000; ++i) many.push_back({{"AgentId", kGuid}});
  ExpectFieldErrors(ValidPool(),
                    {{"/AgentPoolId", nullptr, "AgentPoolId"},
                     {"/AgentPoolId", "pool", "AgentPoolId"},
                     {"/Name", nullptr, "Name"},
                     {"/Name", "", "Name"},
                     {"/Name", std::string(256, 'n'), "Name"},
                     {"/Name", "a\tb", "Name"},
                     {"/Agents", "x", "Agents"},
                     {"/Agents", many, "Agents"},
                     {"/Agents/0/AgentId", 5, "Agents[0].AgentId"},
                     {"/Agents/0/EnableMonitor", "yes", "Agents[0].EnableMonitor"},
                     {"/Agents/1", {{"AgentId", kGuid}}, "Agents[1].AgentId"}},
                    [](const json& body) { return ParsePoolRequest(body, true); });
  EXPECT_OK(ParsePoolRequest({{"Name", std::string(255, 'n')}, {"Agents", json::array()}}, false));
}

}  // namespace
}  // namespace orch::api
