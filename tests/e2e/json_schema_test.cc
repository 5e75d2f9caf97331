// The JSON Schema subset that checks docs/openapi.yaml's examples and live answers.
#include "tests/e2e/json_schema.h"

#include <gtest/gtest.h>

namespace orch::e2e::schema {
namespace {

using nlohmann::json;

std::vector<std::string> Check(const json& value, const json& schema) {
  return Validate(value, schema, json{{"defs", {{"Id", {{"type", "integer"}, {"minimum", 1}}}}}});
}

TEST(JsonSchema, TypesAndNullableTypeArrays) {
  // Given type names and type arrays, values of another type are refused.
  EXPECT_TRUE(Check(3, {{"type", "integer"}}).empty());
  EXPECT_FALSE(Check(3.5, {{"type", "integer"}}).empty());
  EXPECT_TRUE(Check(3.5, {{"type", "number"}}).empty());
  EXPECT_TRUE(Check(4.0, {{"type", "integer"}}).empty());
  EXPECT_FALSE(Check(1e300 + 0.5, {{"type", "string"}}).empty());
  EXPECT_FALSE(Check("3", {{"type", "integer"}}).empty());
  EXPECT_TRUE(Check(nullptr, {{"type", {"string", "null"}}}).empty());
  EXPECT_TRUE(Check("x", {{"type", {"string", "null"}}}).empty());
  EXPECT_FALSE(Check(true, {{"type", {"string", "null"}}}).empty());
  EXPECT_FALSE(Check(json::array(), {{"type", "object"}}).empty());
}

TEST(JsonSchema, RequiredPropertiesAndAdditionalProperties) {
  // Given an object schema, a missing required member and a refused extra member are named.
  const json schema = {{"type", "object"},
                       {"required", {"A"}},
                       {"properties", {{"A", {{"type", "string"}}}, {"B", {{"type", "boolean"}}}}},
                       {"additionalProperties", false}};
  EXPECT_TRUE(Check({{"A", "x"}, {"B", true}}, schema).empty());
  const auto missing = Check({{"B", true}}, schema);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0], "/: missing A");
  const auto wrong = Check({{"A", "x"}, {"B", 1}}, schema);
  ASSERT_EQ(wrong.size(), 1u);
  EXPECT_EQ(wrong[0].rfind("/B: type", 0), 0u) << wrong[0];
  EXPECT_EQ(Check({{"A", "x"}, {"C", 1}}, schema).size(), 1u);
  // Without additionalProperties, other members are allowed.
  EXPECT_TRUE(Check({{"A", "x"}, {"C", 1}}, {{"type", "object"}, {"required", {"A"}}}).empty());
}

TEST(JsonSchema, ItemsEnumBoundsAndRefs) {
  // Given items, enums, bounds and $refs, each fault names the element it is in.
  const json ids = {{"type", "array"}, {"maxItems", 2}, {"items", {{"$ref", "#/defs/Id"}}}};
  EXPECT_TRUE(Check({1, 2}, ids).empty());
  const auto bad = Check({1, 0}, ids);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0], "/1: below minimum");
  EXPECT_FALSE(Check({1, 2, 3}, ids).empty());
  EXPECT_FALSE(Check({1, "2"}, ids).empty());
  EXPECT_TRUE(Check(2, {{"enum", {2, 3, 4}}}).empty());
  EXPECT_FALSE(Check(5, {{"enum", {2, 3, 4}}}).empty());
  EXPECT_FALSE(Check("toolong", {{"type", "string"}, {"maxLength", 3}}).empty());
  EXPECT_FALSE(Check(1, {{"$ref", "#/defs/Nothing"}}).empty());
  EXPECT_FALSE(Check(0, {{"allOf", {{{"$ref", "#/defs/Id"}}}}}).empty());
}

TEST(JsonSchema, YamlScalarsKeepTheirTypes) {
  // Given plain and quoted YAML scalars, quoted ones stay strings and plain ones are typed.
  const json doc = YamlToJson(YAML::Load(
      "{a: 8443, b: \"8443\", c: null, d: true, e: 1.5, f: text, g: [\"null\", x], h: 15552000000}"));
  EXPECT_EQ(doc["a"], 8443);
  EXPECT_EQ(doc["b"], "8443");
  EXPECT_TRUE(doc["c"].is_null());
  EXPECT_EQ(doc["d"], true);
  EXPECT_EQ(doc["e"], 1.5);
  EXPECT_EQ(doc["f"], "text");
  EXPECT_EQ(doc["g"], json({"null", "x"}));
  EXPECT_EQ(doc["h"], 15552000000LL);
}

}  // namespace
}  // namespace orch::e2e::schema
