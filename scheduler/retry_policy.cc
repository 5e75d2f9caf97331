#include "scheduler/retry_policy.h"

#include <algorithm>

namespace orch::scheduler {

RetryPolicy::RetryPolicy(const Settings& settings)
    : max_attempts_(settings.max_attempts),
      backoff_(settings.retry_backoff),
      max_backoff_(settings.max_retry_backoff) {}

std::optional<std::chrono::milliseconds> RetryPolicy::Backoff(int attempt) const {
  if (attempt >= max_attempts_) return std::nullopt;
  std::chrono::milliseconds backoff = backoff_;
  // Doubling stops at the ceiling, so a large attempt number cannot overflow.
  for (int i = 1; i < attempt && backoff < max_backoff_; ++i) backoff *= 2;
  return std::min(backoff, max_backoff_);
}

std::optional<WallTime> RetryPolicy::RetryAt(int attempt, WallTime now) const {
  std::optional<std::chrono::milliseconds> backoff = Backoff(attempt);
  if (!backoff) return std::nullopt;
  return now + *backoff;
}

}  // namespace orch::scheduler
