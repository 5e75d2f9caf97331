#include "scheduler/retry_policy.h"

#include <gtest/gtest.h>

#include "common/fake_clock.h"

namespace orch::scheduler {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

Settings RetrySettings(int max_attempts, milliseconds backoff, milliseconds max_backoff) {
  Settings settings;
  settings.max_attempts = max_attempts;
  settings.retry_backoff = backoff;
  settings.max_retry_backoff = max_backoff;
  return settings;
}

TEST(RetryPolicyTest, BackoffDoublesFromTheFirstFailure) {
  // Given a 1-minute backoff, failed attempts 1, 2 and 3 wait 1, 2 and 4 minutes.
  const RetryPolicy policy(RetrySettings(4, minutes(1), hours(1)));
  EXPECT_EQ(policy.Backoff(1), minutes(1));
  EXPECT_EQ(policy.Backoff(2), minutes(2));
  EXPECT_EQ(policy.Backoff(3), minutes(4));
}

TEST(RetryPolicyTest, TheLastAllowedAttemptIsNotRetried) {
  // Given max_attempts 3, attempt 3 (and anything beyond) is final; max_attempts 1 never
  // retries.
  const RetryPolicy policy(RetrySettings(3, minutes(1), hours(1)));
  EXPECT_TRUE(policy.Backoff(2).has_value());
  EXPECT_EQ(policy.Backoff(3), std::nullopt);
  EXPECT_EQ(policy.Backoff(7), std::nullopt);
  EXPECT_EQ(RetryPolicy(RetrySettings(1, minutes(1), hours(1))).Backoff(1), std::nullopt);
}

TEST(RetryPolicyTest, BackoffStopsAtTheCeilingWithoutOverflow) {
  // Given a 7-minute backoff capped at 20 minutes, attempt 3 waits 20 (not 28), and a huge
  // attempt number still waits 20.
  const RetryPolicy policy(RetrySettings(1000000, minutes(7), minutes(20)));
  EXPECT_EQ(policy.Backoff(2), minutes(14));
  EXPECT_EQ(policy.Backoff(3), minutes(20));
  EXPECT_EQ(policy.Backoff(999999), minutes(20));
  // A backoff above its ceiling is cut to it.
  EXPECT_EQ(RetryPolicy(RetrySettings(3, hours(2), hours(1))).Backoff(1), hours(1));
}

TEST(RetryPolicyTest, RetryAtIsTheFailureTimePlusTheBackoff) {
  // Given a failure now, the retry is due the backoff later, on the wall clock.
  FakeClock clock;
  const RetryPolicy policy(RetrySettings(3, minutes(1), hours(1)));
  EXPECT_EQ(policy.RetryAt(2, clock.WallNow()), clock.WallNow() + minutes(2));
  EXPECT_EQ(policy.RetryAt(3, clock.WallNow()), std::nullopt);
}

}  // namespace
}  // namespace orch::scheduler
