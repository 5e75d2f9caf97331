#include "api/control/secret_request.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

using nlohmann::json;

TEST(SecretRequestTest, NameIsOptionalAndRestricted) {
  // Given no name, a good name, and names that break the rules, each is answered as documented.
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> none, ParseSecretRequest(json::object()));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> name, ParseSecretRequest({{"Name", "a-1.b_c"}}));
  EXPECT_EQ(name, std::optional<std::string>("a-1.b_c"));
  EXPECT_OK(ParseSecretRequest({{"name", std::string(128, 'n')}}));
  for (const json& bad : {json(""), json(std::string(129, 'n')), json("a b"), json(5)}) {
    StatusOr<std::optional<std::string>> refused = ParseSecretRequest({{"name", bad}});
    ASSERT_FALSE(refused.ok()) << bad.dump();
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(refused.status().field(), "name");
  }
  EXPECT_EQ(ParseSecretRequest(json::array()).status().field(), "body");
}

}  // namespace
}  // namespace orch::api
