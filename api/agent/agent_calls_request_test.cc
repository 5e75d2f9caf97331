#include "api/agent/agent_calls_request.h"

#include <gtest/gtest.h>

#include "api/json_body.h"
#include "tests/testing/body_cases.h"
#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::ExpectFieldErrors;

constexpr char kGuid[] = "AAAAAAAA-2222-3333-4444-555555555555";
const std::string kLongToken(kMaxSessionTokenBytes + 1, 't');

TEST(AgentCallsRequestTest, HeartbeatAndPollReadTheTokenAndTheWait) {
  // Given a heartbeat and a poll, the token and wait come back; bad ones are named.
  ASSERT_OK_AND_ASSIGN(std::string token, ParseHeartbeatRequest({{"sessiontoken", "t"}}));
  EXPECT_EQ(token, "t");
  EXPECT_EQ(ParseHeartbeatRequest({{"SessionToken", kLongToken}}).status().field(), "SessionToken");
  const json poll = {{"SessionToken", "t"}, {"WaitSeconds", 60}};
  ASSERT_OK_AND_ASSIGN(PollRequest request, ParsePollRequest(poll));
  EXPECT_EQ(request.wait, std::chrono::seconds(60));
  ExpectFieldErrors(poll,
                    {{"/WaitSeconds", 61, "WaitSeconds"},
                     {"/WaitSeconds", -1, "WaitSeconds"},
                     {"/WaitSeconds", "5", "WaitSeconds"},
                     {"/SessionToken", nullptr, "SessionToken"},
                     {"/SessionToken", kLongToken, "SessionToken"}},
                    ParsePollRequest);
}

TEST(AgentCallsRequestTest, ConfigurationAndCompletionNameEachBadMember) {
  // Given a configuration and a completion call, each broken member is named.
  const json configuration = {{"SessionToken", "t"}, {"JobId", kGuid}};
  ASSERT_OK_AND_ASSIGN(ConfigurationRequest configure, ParseConfigurationRequest(configuration));
  EXPECT_EQ(configure.job_id, "aaaaaaaa-2222-3333-4444-555555555555");
  ExpectFieldErrors(configuration,
                    {{"/JobId", "job", "JobId"}, {"/SessionToken", kLongToken, "SessionToken"}},
                    ParseConfigurationRequest);

  const json completion = {
      {"SessionToken", "t"}, {"JobId", kGuid}, {"AuditId", 7}, {"Status", 3}, {"Message", "m"}};
  ASSERT_OK_AND_ASSIGN(CompletionRequest complete, ParseCompletionRequest(completion));
  EXPECT_EQ(complete.audit_id, 7);
  EXPECT_EQ(complete.result, store::RunResult::kWarning);
  EXPECT_EQ(complete.message, "m");
  ExpectFieldErrors(completion,
                    {{"/AuditId", 0, "AuditId"},
                     {"/AuditId", kMaxJsonId + 1, "AuditId"},
                     {"/AuditId", "1", "AuditId"},
                     {"/Status", 1, "Status"},
                     {"/JobId", nullptr, "JobId"},
                     {"/SessionToken", kLongToken, "SessionToken"}},
                    ParseCompletionRequest);
}

TEST(AgentCallsRequestTest, ALongCompletionMessageIsCutOnACharacterBoundary) {
  // Given a message of 4095 bytes then a 3-byte character, the kept text stops before it.
  json completion = {{"SessionToken", "t"}, {"JobId", kGuid}, {"AuditId", 1}, {"Status", 2}};
  completion["Message"] = std::string(kMaxCompletionMessageBytes - 1, 'm') + "€€";
  ASSERT_OK_AND_ASSIGN(CompletionRequest complete, ParseCompletionRequest(completion));
  EXPECT_EQ(complete.message, std::string(kMaxCompletionMessageBytes - 1, 'm') + "…");
}

TEST(AgentCallsRequestTest, ExchangeChecksTheSecretAndTheTtl) {
  // Given an exchange, the ttl defaults and is bounded; a bad secret is named, never shown.
  ASSERT_OK_AND_ASSIGN(ExchangeRequest exchange, ParseExchangeRequest({{"secret", "s3cr3t"}}));
  EXPECT_EQ(exchange.secret, "s3cr3t");
  EXPECT_EQ(exchange.ttl, kDefaultTokenTtl);
  const json valid = {{"secret", "s3cr3t"}, {"ttl", 60000}};
  ExpectFieldErrors(valid,
                    {{"/ttl", 59999, "ttl"},
                     {"/ttl", 15552000001, "ttl"},
                     {"/ttl", "60000", "ttl"},
                     {"/secret", "", "secret"},
                     {"/secret", 5, "secret"},
                     {"/secret", std::string(kMaxTextBytes + 1, 's'), "secret"}},
                    ParseExchangeRequest);
  StatusOr<ExchangeRequest> refused = ParseExchangeRequest({{"secret", "s3cr3t"}, {"ttl", 1}});
  EXPECT_EQ(refused.status().message().find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace orch::api
