#include "api/control/store_request.h"

#include <gtest/gtest.h>

#include "api/json_body.h"
#include "jobs/store_types.h"
#include "tests/testing/body_cases.h"
#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::ExpectFieldErrors;

constexpr char kGuid[] = "AAAAAAAA-2222-3333-4444-555555555555";

json ValidStore() {
  return {{"Id", kGuid},
          {"ClientMachine", "web01"},
          {"StorePath", "/etc/ssl/web.pem"},
          {"CertStoreType", jobs::kPemStoreType},
          {"ContainerId", 3},
          {"AgentPoolId", kGuid},
          {"Properties", {{"separatePrivateKey", false}}},
          {"Password", {{"Value", "pw"}}}};
}

TEST(StoreRequestTest, ParsesEveryMember) {
  // Given a valid body, every member lands in the record and the password stays apart.
  ASSERT_OK_AND_ASSIGN(StoreRequest request, ParseStoreRequest(ValidStore(), true));
  EXPECT_EQ(request.record.id, "aaaaaaaa-2222-3333-4444-555555555555");
  EXPECT_EQ(request.record.client_machine, "web01");
  EXPECT_EQ(request.record.store_path, "/etc/ssl/web.pem");
  EXPECT_EQ(request.record.container_id, std::optional<int64_t>(3));
  EXPECT_EQ(request.record.agent_id, "");
  EXPECT_EQ(json::parse(request.record.properties_json), ValidStore()["Properties"]);
  EXPECT_EQ(request.password, std::optional<std::string>("pw"));
  EXPECT_FALSE(request.record.sealed_password.has_value());
  // Properties may come as a string holding the object; a POST has no Id.
  json post = ValidStore();
  post.erase("Id");
  post["Properties"] = R"({"a":"b"})";
  ASSERT_OK_AND_ASSIGN(StoreRequest created, ParseStoreRequest(post, false));
  EXPECT_EQ(created.record.id, "");
  EXPECT_EQ(created.record.properties_json, R"({"a":"b"})");
}

TEST(StoreRequestTest, NamesEachBadMemberAndLimit) {
  // Given one broken member at a time, including each limit, the member is named.
  json many = json::object();
  for (size_t i = 0; i <= kMaxProperties; ++i) many["p" + std::to_string(i)] = i;
  ExpectFieldErrors(ValidStore(),
                    {{"/Id", "x", "Id"},
                     {"/ClientMachine", std::string(kMaxNameBytes + 1, 'm'), "ClientMachine"},
                     {"/ClientMachine", "a\nb", "ClientMachine"},
                     {"/StorePath", std::string(kMaxTextBytes + 1, 'p'), "StorePath"},
                     {"/StorePath", nullptr, "StorePath"},
                     {"/CertStoreType", 99999, "CertStoreType"},
                     {"/ContainerId", 0, "ContainerId"},
                     {"/ContainerId", int64_t{1} << 53, "ContainerId"},
                     {"/AgentId", kGuid, "AgentPoolId"},
                     {"/Properties", many, "Properties"},
                     {"/Properties", {{std::string(kMaxNameBytes + 1, 'k'), 1}}, "Properties"},
                     {"/Properties", {{"k", std::string(kMaxTextBytes + 1, 'v')}}, "Properties.k"},
                     {"/Properties", R"({"a":1,"A":2})", "Properties"},
                     {"/Properties", "[1]", "Properties"},
                     {"/CreateIfMissing", 1, "CreateIfMissing"},
                     {"/Password", std::string(kMaxTextBytes + 1, 'p'), "Password"}},
                    [](const json& body) { return ParseStoreRequest(body, true); });
}

TEST(StoreRequestTest, ContainerNameIsAName) {
  // Given container names, one within the limits parses and the others are named.
  ASSERT_OK_AND_ASSIGN(std::string name, ParseContainerRequest({{"name", "web"}}));
  EXPECT_EQ(name, "web");
  for (const json& bad : {json(""), json(std::string(256, 'n')), json("a\x01"), json(1)}) {
    EXPECT_EQ(ParseContainerRequest({{"Name", bad}}).status().field(), "Name") << bad.dump();
  }
}

}  // namespace
}  // namespace orch::api
