#include "api/control/agents_request.h"

#include <gtest/gtest.h>

#include "api/json_body.h"
#include "tests/testing/body_cases.h"
#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::BodyCase;
using testing::ExpectFieldErrors;

constexpr char kGuid[] = "AAAAAAAA-2222-3333-4444-555555555555";

TEST(AgentsRequestTest, IdsAreLowercasedAndBounded) {
  // Given GUIDs, they come back lowercased; past kMaxIdsPerCall, or not GUIDs, they are named.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> ids, ParseAgentIdsRequest(json::array({kGuid})));
  EXPECT_EQ(ids, std::vector<std::string>{"aaaaaaaa-2222-3333-4444-555555555555"});
  EXPECT_OK(ParseAgentIdsRequest(json::array()));
  EXPECT_EQ(ParseAgentIdsRequest(json(std::vector<std::string>(kMaxIdsPerCall + 1, kGuid)))
                .status()
                .field(),
            "body");
  EXPECT_EQ(ParseAgentIdsRequest(json::object()).status().field(), "body");
  EXPECT_EQ(ParseAgentIdsRequest(json::array({kGuid, 5})).status().field(), "[1]");
}

TEST(AgentsRequestTest, ReenrollmentNamesEachBadMember) {
  // Given a valid body, it parses; each broken member is named.
  const json valid = {{"OrchestratorIds", {kGuid}}, {"Status", 2}};
  ASSERT_OK_AND_ASSIGN(ReenrollmentRequest request, ParseReenrollmentRequest(valid));
  EXPECT_EQ(request.status, 2);
  EXPECT_EQ(request.ids.size(), 1u);
  ExpectFieldErrors(
      valid,
      {{"/OrchestratorIds", nullptr, "OrchestratorIds"},
       {"/OrchestratorIds", "x", "OrchestratorIds"},
       {"/OrchestratorIds", {kGuid, "x"}, "OrchestratorIds[1]"},
       {"/OrchestratorIds", json(std::vector<std::string>(1001, kGuid)), "OrchestratorIds"},
       {"/Status", 3, "Status"},
       {"/Status", -1, "Status"},
       {"/Status", "1", "Status"},
       {"/Status", nullptr, "Status"}},
      ParseReenrollmentRequest);
}

}  // namespace
}  // namespace orch::api
