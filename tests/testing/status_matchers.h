// Assertions on Status and StatusOr for tests.
#pragma once

#include <gtest/gtest.h>

#include "common/status.h"

#define ORCH_TESTING_CONCAT_INNER(a, b) a##b
#define ORCH_TESTING_CONCAT(a, b) ORCH_TESTING_CONCAT_INNER(a, b)

/// Fails the test (fatally) unless `expr` is an ok Status or StatusOr.
#define ASSERT_OK(expr) ASSERT_TRUE(::orch::testing::StatusOf(expr).ok()) \
    << ::orch::testing::StatusOf(expr).ToString()
/// Fails the test (non-fatally) unless `expr` is an ok Status or StatusOr.
#define EXPECT_OK(expr) EXPECT_TRUE(::orch::testing::StatusOf(expr).ok()) \
    << ::orch::testing::StatusOf(expr).ToString()

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

}  // namespace orch::testing
