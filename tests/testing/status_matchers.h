// Assertions on Status and StatusOr for tests.
#pragma once

#include <gtest/gtest.h>

#include "common/status.h"

#define ORCH_TESTING_CONCAT_INNER(a, b) a##b
#define ORCH_TESTING_CONCAT(a, b) ORCH_TESTING_CONCAT_INNER(a, b)

/// Fails the test (fatally) unless `expr` is an ok Status or StatusOr. `expr` is evaluated
/// once, whatever the outcome.
#define ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::orch::testing::IsOk, expr)
/// Fails the test (non-fatally) unless `expr` is an ok Status or StatusOr; evaluated once.
#define EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::orch::testing::IsOk, expr)

/// `ASSERT_OK_AND_ASSIGN(auto x, MakeX());` unwraps a StatusOr or fails the test.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                             \
  auto ORCH_TESTING_CONCAT(statusor_, __LINE__) = (expr);                          \
  ASSERT_TRUE(ORCH_TESTING_CONCAT(statusor_, __LINE__).ok())                       \
      << ORCH_TESTING_CONCAT(statusor_, __LINE__).status().ToString();             \
  lhs = std::move(ORCH_TESTING_CONCAT(statusor_, __LINE__)).value()

namespace orch::testing {

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const StatusOr<T>& s) { return s.status(); }

/// The assertion behind ASSERT_OK / EXPECT_OK: `text` is the expression as written.
template <typename T>
::testing::AssertionResult IsOk(const char* text, const T& value) {
  const Status& status = StatusOf(value);
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text << " is " << status.ToString();
}

}  // namespace orch::testing
