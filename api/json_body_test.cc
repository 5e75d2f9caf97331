#include "api/json_body.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

using nlohmann::json;

TEST(JsonBodyTest, BodyThatIsNotJsonAnswersJsonFormatError) {
  // Given a body that is not JSON, the reply is 400 JSON_FORMAT_ERROR.
  Request request;
  request.body = "{not json";
  StatusOr<json> parsed = ParseJsonBody(request);
  ASSERT_FALSE(parsed.ok());
  Response reply = ErrorReply(parsed.status());
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(json::parse(reply.body)["errorCode"], "JSON_FORMAT_ERROR");
  // Any other field error keeps its FIELD_ERROR and field.
  reply = ErrorReply(FieldError("Name", "is required"));
  EXPECT_EQ(json::parse(reply.body)["errorCode"], "FIELD_ERROR");
  EXPECT_EQ(json::parse(reply.body)["errorDetails"]["field"], "Name");
}

TEST(JsonBodyTest, DuplicateMembersAndNulAnswerFieldError) {
  // Given a body repeating a member (in any case) or holding a NUL, the reply is FIELD_ERROR
  // naming it; ill-formed UTF-8 is JSON_FORMAT_ERROR.
  Request request;
  request.body = R"({"Name":"a","NAME":"b"})";
  Response reply = ErrorReply(ParseJsonBody(request).status());
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(json::parse(reply.body)["errorCode"], "FIELD_ERROR");
  EXPECT_EQ(json::parse(reply.body)["errorDetails"]["field"], "NAME");
  request.body = R"({"Name":"a\u0000"})";
  reply = ErrorReply(ParseJsonBody(request).status());
  EXPECT_EQ(json::parse(reply.body)["errorDetails"]["field"], "Name");
  request.body = "{\"Name\":\"\xff\"}";
  reply = ErrorReply(ParseJsonBody(request).status());
  EXPECT_EQ(json::parse(reply.body)["errorCode"], "JSON_FORMAT_ERROR");
}

TEST(JsonBodyTest, MembersMatchCaseInsensitivelyAndNullIsAbsent) {
  // Given mixed-case members and a null one, lookups ignore case and treat null as absent.
  json body = {{"clientmachine", "web01"}, {"ContainerId", nullptr}, {"CREATEIFMISSING", true}};
  ASSERT_OK_AND_ASSIGN(JsonFields fields, JsonFields::Of(body));
  EXPECT_EQ(*fields.RequiredString("ClientMachine"), "web01");
  EXPECT_EQ(*fields.OptionalInt("ContainerId"), std::nullopt);
  EXPECT_EQ(*fields.Bool("CreateIfMissing", false), true);
  EXPECT_EQ(fields.RequiredInt("ContainerId").status().field(), "ContainerId");
}

TEST(JsonBodyTest, TypedGettersNameTheFieldUnderItsPath) {
  // Given members of the wrong type inside a nested object, errors name "<path>.<Member>".
  json body = {{"Id", "x"}, {"Flag", 1}, {"Guid", "not-a-guid"}, {"Secret", 3}};
  ASSERT_OK_AND_ASSIGN(JsonFields fields, JsonFields::Of(body, "Outer[0]"));
  EXPECT_EQ(fields.RequiredInt("Id").status().field(), "Outer[0].Id");
  EXPECT_EQ(fields.Bool("Flag", false).status().field(), "Outer[0].Flag");
  EXPECT_EQ(fields.RequiredGuid("Guid").status().field(), "Outer[0].Guid");
  Status secret = fields.OptionalSecret("Secret").status();
  EXPECT_EQ(secret.field(), "Outer[0].Secret");
  EXPECT_EQ(secret.message().find('3'), std::string::npos);
}

TEST(JsonBodyTest, SecretsComeAsTextOrValueObjects) {
  // Given a password as a string and as {"Value": ...}, both read the same text.
  json body = {{"A", "pw"}, {"B", {{"Value", "pw"}}}, {"C", {{"Value", nullptr}}}};
  ASSERT_OK_AND_ASSIGN(JsonFields fields, JsonFields::Of(body));
  EXPECT_EQ(*fields.OptionalSecret("A"), std::optional<std::string>("pw"));
  EXPECT_EQ(*fields.OptionalSecret("b"), std::optional<std::string>("pw"));
  EXPECT_EQ(*fields.OptionalSecret("C"), std::nullopt);
}

TEST(JsonBodyTest, ListReplyCarriesTheTotalCount) {
  // Given rows and a total, the reply is a JSON array with x-total-count.
  Response reply = ListReply(json::array({1, 2}), 40);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "[1,2]");
  ASSERT_EQ(reply.headers.size(), 1u);
  EXPECT_EQ(reply.headers[0].first, "x-total-count");
  EXPECT_EQ(reply.headers[0].second, "40");
  EXPECT_EQ(PathId("12", "Id").value(), 12);
  EXPECT_EQ(PathId("1x", "Id").status().field(), "Id");
}

TEST(JsonBodyTest, ACountThatStoppedAtItsLimitSaysSo) {
  Response reply = ListReply(json::array({1}), 100000, /*exact=*/false);
  ASSERT_EQ(reply.headers.size(), 2u);
  EXPECT_EQ(reply.headers[0], (std::pair<std::string, std::string>("x-total-count", "100000")));
  EXPECT_EQ(reply.headers[1],
            (std::pair<std::string, std::string>("x-total-count-exact", "false")));
}

}  // namespace
}  // namespace orch::api
