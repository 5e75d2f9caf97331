#include "api/agent/agent_register_request.h"

#include <gtest/gtest.h>

#include "api/json_body.h"
#include "tests/testing/body_cases.h"
#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::ExpectFieldErrors;

StatusOr<RegisterRequest> Parse(const json& body) {
  Request request;
  request.body = body.dump();
  return ParseRegisterRequest(request);
}

TEST(RegisterRequestTest, LimitsNameTheirMember) {
  // Given a registration, it parses; each member past its limit is named.
  const json valid = {{"AgentId", ""},
                      {"ClientMachine", "web01"},
                      {"Capabilities", {"PEM"}},
                      {"ClientParameters", {{"RegistrationRequest", "x"}}},
                      {"CSR", nullptr}};
  ASSERT_OK_AND_ASSIGN(RegisterRequest request, Parse(valid));
  EXPECT_EQ(request.client_machine, "web01");
  json many = json::object();
  for (size_t i = 0; i <= kMaxProperties; ++i) many["p" + std::to_string(i)] = "v";
  ExpectFieldErrors(
      valid,
      {{"/ClientMachine", std::string(256, 'm'), "ClientMachine"},
       {"/Capabilities", json(std::vector<std::string>(1001, "PEM")), "Capabilities"},
       {"/ClientParameters", many, "ClientParameters"},
       {"/ClientParameters", {{"k", std::string(kMaxTextBytes + 1, 'v')}}, "ClientParameters.k"},
       {"/ClientParameters", "x", "ClientParameters"},
       {"/CSR", std::string(40000, 'A'), "CSR"}},
      Parse);
}

TEST(RegisterRequestTest, RepeatedMembersAreRefused) {
  // Given a registration naming ClientMachine twice, in two cases, the member is named.
  Request request;
  request.body = R"({"ClientMachine":"a","clientmachine":"b"})";
  EXPECT_EQ(ParseRegisterRequest(request).status().field(), "clientmachine");
}

}  // namespace
}  // namespace orch::api
