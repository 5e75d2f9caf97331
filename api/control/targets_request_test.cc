#include "api/control/targets_request.h"

#include <gtest/gtest.h>

#include "api/json_body.h"
#include "tests/testing/body_cases.h"
#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::ExpectFieldErrors;

constexpr char kGuid[] = "AAAAAAAA-2222-3333-4444-555555555555";

TEST(TargetsRequestTest, JobsByIdsOrByQuery) {
  // Given ids or a query, exactly one is kept; every bad shape names its member.
  ASSERT_OK_AND_ASSIGN(JobTargets by_ids, ParseJobTargetsRequest({{"JobIds", {kGuid}}}));
  EXPECT_EQ(by_ids.ids, std::vector<std::string>{"aaaaaaaa-2222-3333-4444-555555555555"});
  EXPECT_FALSE(by_ids.query.has_value());
  ASSERT_OK_AND_ASSIGN(JobTargets by_query,
                       ParseJobTargetsRequest({{"Query", "JobType -eq \"Add\""}}));
  EXPECT_TRUE(by_query.ids.empty());
  EXPECT_TRUE(by_query.query.has_value());
  ExpectFieldErrors(
      {{"JobIds", {kGuid}}},
      {{"/JobIds", nullptr, "JobIds"},
       {"/Query", "JobType -eq \"Add\"", "JobIds"},
       {"/JobIds", json::array(), "JobIds"},
       {"/JobIds", json(std::vector<std::string>(kMaxTargetIds + 1, kGuid)), "JobIds"},
       {"/JobIds", {kGuid, 1}, "JobIds[1]"}},
      ParseJobTargetsRequest);
  ExpectFieldErrors({{"Query", "JobType -eq \"Add\""}},
                    {{"/Query", 5, "Query"},
                     {"/Query", "Nope -eq 1", "Query"},
                     {"/Query", std::string(kMaxTextBytes + 1, ' '), "Query"}},
                    ParseJobTargetsRequest);
}

TEST(TargetsRequestTest, RunsByPositiveIdsOrByQuery) {
  // Given audit ids, they must be positive and JSON-safe; a query compiles over runs.
  const json text = json::parse(R"({"JobAuditIds":[1,9007199254740991]})");
  ASSERT_OK_AND_ASSIGN(RunTargets runs, ParseRunTargetsRequest(text));
  EXPECT_EQ(runs.ids, (std::vector<int64_t>{1, kMaxJsonId}));
  EXPECT_OK(ParseRunTargetsRequest({{"Query", "Attempt -eq 1"}}));
  ExpectFieldErrors({{"JobAuditIds", {1}}},
                    {{"/JobAuditIds/0", 0, "JobAuditIds[0]"},
                     {"/JobAuditIds/0", -3, "JobAuditIds[0]"},
                     {"/JobAuditIds/0", "1", "JobAuditIds[0]"},
                     {"/JobAuditIds/0", 1.5, "JobAuditIds[0]"},
                     {"/JobAuditIds/0", kMaxJsonId + 1, "JobAuditIds[0]"},
                     {"/JobAuditIds/0", uint64_t{18446744073709551615u}, "JobAuditIds[0]"},
                     {"/JobAuditIds", json::array(), "JobAuditIds"},
                     {"/Query", "Attempt -eq 1", "JobAuditIds"}},
                    ParseRunTargetsRequest);
}

}  // namespace
}  // namespace orch::api
