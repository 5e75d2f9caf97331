#include "jobs/bounded_json.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::jobs {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Arrays(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string Objects(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += "{\"a\":";
  text += "1";
  text += std::string(depth, '}');
  return text;
}

TEST(BoundedJsonTest, ParsesUpToTheLimitAndRefusesOneMore) {
  // Given arrays and objects nested exactly to the limit, they parse; one level more is refused.
  ASSERT_OK_AND_ASSIGN(nlohmann::json arrays, ParseJson(Arrays(kMaxJsonDepth)));
  EXPECT_TRUE(arrays.is_array());
  ASSERT_OK_AND_ASSIGN(nlohmann::json objects, ParseJson(Objects(kMaxJsonDepth)));
  EXPECT_EQ(objects.dump().size(), Objects(kMaxJsonDepth).size());

  for (const std::string& text : {Arrays(kMaxJsonDepth + 1), Objects(kMaxJsonDepth + 1)}) {
    StatusOr<nlohmann::json> refused = ParseJson(text);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(refused.status().message(), "nested deeper than 64 arrays and objects");
  }
}

TEST(BoundedJsonTest, RefusesHostileDepthWithoutRecursion) {
  // Given 100 000 levels (also unbalanced, and mixed), the refusal comes without a crash; the
  // ASan build of this test would overflow its stack on a recursive walk.
  EXPECT_FALSE(ParseJson(Arrays(100000)).ok());
  EXPECT_FALSE(ParseJson(Objects(100000)).ok());
  EXPECT_FALSE(ParseJson(std::string(100000, '[')).ok());
  std::string mixed;
  for (int i = 0; i < 50000; ++i) mixed += "[{\"k\":";
  EXPECT_THAT(ParseJson(mixed).status().message(), HasSubstr("nested deeper than 64"));
}

TEST(BoundedJsonTest, NamesTheByteOfASyntaxErrorWithoutEchoingTheInput) {
  // Given malformed text, the error names where it stopped but never repeats what was sent.
  StatusOr<nlohmann::json> refused = ParseJson(R"({"secret": s3cr3t})");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("not valid JSON"));
  EXPECT_THAT(refused.status().message(), HasSubstr("at byte 12"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("s3c")));
  EXPECT_FALSE(ParseJson("").ok());
  EXPECT_FALSE(ParseJson("[1] [2]").ok());
  EXPECT_FALSE(ParseJson("[1,]").ok());
}

TEST(BoundedJsonTest, ParsesOrdinaryDocuments) {
  // Given ordinary JSON of every kind of value, the result is what nlohmann builds.
  const std::string text = R"({"a":[1,-2,3.5,"x",true,null,{"b":{}}],"c":18446744073709551615})";
  ASSERT_OK_AND_ASSIGN(nlohmann::json parsed, ParseJson(text));
  EXPECT_EQ(parsed, nlohmann::json::parse(text));
  ASSERT_OK_AND_ASSIGN(nlohmann::json scalar, ParseJson(" 42 "));
  EXPECT_EQ(scalar, 42);
}

TEST(BoundedJsonTest, RefusesADuplicateMemberNamingIt) {
  // Given an object that repeats a member, at the top, nested, or past the scanned size, the
  // refusal names the member; the same name in sibling or nested objects is no repetition.
  for (const char* text :
       {R"({"Name":"a","Name":"b"})", R"({"x":[{"y":1},{"Name":1,"z":2,"Name":3}]})"}) {
    StatusOr<nlohmann::json> refused = ParseJson(text);
    ASSERT_FALSE(refused.ok()) << text;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(refused.status().field(), "Name");
    EXPECT_EQ(refused.status().message(), "duplicate member 'Name'");
  }
  std::string many = "{";
  for (int i = 0; i < 1000; ++i) many += "\"k" + std::to_string(i) + "\":{\"k\":1},";
  EXPECT_OK(ParseJson(many + "\"last\":0}"));
  EXPECT_EQ(ParseJson(many + "\"k999\":0}").status().field(), "k999");
  EXPECT_OK(ParseJson(R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]})"));
}

TEST(BoundedJsonTest, RequestsRefuseMembersEqualIgnoringCaseAndNul) {
  // Given a request, members that differ only in case repeat each other and a NUL character
  // in a string names its member; stored JSON keeps both.
  const std::string cased = R"({"SessionToken":"a","sessiontoken":"b"})";
  EXPECT_OK(ParseJson(cased));
  StatusOr<nlohmann::json> refused = ParseJson(cased, JsonText::kRequest);
  EXPECT_EQ(refused.status().field(), "sessiontoken");

  const std::string nul = R"({"Name":"a\u0000b"})";
  EXPECT_OK(ParseJson(nul));
  refused = ParseJson(nul, JsonText::kRequest);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().field(), "Name");
  EXPECT_EQ(refused.status().message(), "Name must not contain a NUL character");
  EXPECT_EQ(ParseJson(R"(["\u0000"])", JsonText::kRequest).status().field(), "body");
  EXPECT_EQ(ParseJson(R"({"a\u0000":1})", JsonText::kRequest).status().field(), "body");
}

TEST(BoundedJsonTest, RefusesInvalidUtf8AsNotJson) {
  // Given ill-formed UTF-8 (a stray continuation byte, an overlong form, a lone surrogate),
  // the text is not JSON and the error has no field.
  for (const std::string& text :
       {std::string("{\"a\":\"\x80\"}"), std::string("[\"\xc0\xaf\"]"),
        std::string("[\"\xed\xa0\x80\"]"), std::string(R"(["\ud800"])")}) {
    StatusOr<nlohmann::json> refused = ParseJson(text, JsonText::kRequest);
    ASSERT_FALSE(refused.ok());
    EXPECT_THAT(refused.status().message(), HasSubstr("not valid JSON"));
    EXPECT_EQ(refused.status().field(), "");
  }
}

TEST(BoundedJsonTest, CutsALongDuplicateNameShort) {
  // Given a repeated member name of 1000 bytes, the field shows only its first 64.
  const std::string name(1000, 'n');
  StatusOr<nlohmann::json> refused = ParseJson("{\"" + name + "\":1,\"" + name + "\":2}");
  EXPECT_EQ(refused.status().field(), std::string(kMaxEchoedMemberName, 'n') + "...");
}

TEST(BoundedJsonTest, MembersAreReadWithoutInsertingOrThrowing) {
  // Given an object with members of each type, and values that are not objects, the readers
  // answer the member or the fallback and never throw.
  const nlohmann::json object = {
      {"s", "text"}, {"i", 42}, {"u", 18446744073709551615ull}, {"b", true}, {"n", nullptr}};
  EXPECT_EQ(JsonString(object, "s"), "text");
  EXPECT_EQ(JsonString(object, "i", "none"), "none");
  EXPECT_EQ(JsonInt(object, "i"), 42);
  EXPECT_EQ(JsonInt(object, "u", -1), -1);
  EXPECT_EQ(JsonInt(object, "s", 7), 7);
  EXPECT_TRUE(JsonBool(object, "b"));
  EXPECT_TRUE(JsonBool(object, "missing", true));
  EXPECT_TRUE(JsonMember(object, "missing").is_null());
  EXPECT_EQ(object.size(), 5u);
  for (const nlohmann::json& other : {nlohmann::json(nullptr), nlohmann::json(3),
                                      nlohmann::json::array({1}), nlohmann::json("x")}) {
    EXPECT_TRUE(JsonMember(other, "s").is_null());
    EXPECT_EQ(JsonString(other, "s", "f"), "f");
    EXPECT_EQ(JsonInt(other, "i", 9), 9);
  }
}

}  // namespace
}  // namespace orch::jobs
