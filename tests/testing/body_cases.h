// Table tests of request-body parsers: a valid body with one member replaced at a time, and
// the field the parser's InvalidArgument must name.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orch::testing {

/// One broken member: `pointer` (a JSON pointer into the valid body) set to `value` (null
/// counts as absent) must be refused naming `field`.
struct BodyCase {
  std::string pointer;
  nlohmann::json value;
  std::string field;
};

/// Checks every case of `cases` against `parse` (json -> StatusOr<T>), starting from `valid`.
template <typename Parse>
void ExpectFieldErrors(const nlohmann::json& valid, const std::vector<BodyCase>& cases,
                       Parse parse) {
  for (const BodyCase& c : cases) {
    nlohmann::json body = valid;
    body[nlohmann::json::json_pointer(c.pointer)] = c.value;
    const auto parsed = parse(body);
    ASSERT_FALSE(parsed.ok()) << c.pointer << " = " << c.value.dump().substr(0, 80);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.pointer;
    EXPECT_EQ(parsed.status().field(), c.field)
        << c.pointer << ": " << parsed.status().message().substr(0, 200);
  }
}

}  // namespace orch::testing
