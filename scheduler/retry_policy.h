// RetryPolicy: when a failed run is tried again (SPEC §5). A run may be tried max_attempts
// times in all; the wait before the next attempt starts at retry_backoff and doubles with
// each attempt, up to max_retry_backoff.
#pragma once

#include <chrono>
#include <optional>

#include "common/clock.h"
#include "scheduler/types.h"

namespace orch::scheduler {

/// The retry rules of the settings, as a value.
class RetryPolicy {
 public:
  /// Takes max_attempts, retry_backoff and max_retry_backoff from `settings`.
  explicit RetryPolicy(const Settings& settings);

  /// The wait before the attempt after `attempt` (counted from 1), or nullopt when `attempt`
  /// was the last one allowed.
  std::optional<std::chrono::milliseconds> Backoff(int attempt) const;
  /// When a run whose attempt `attempt` failed at `now` is tried again, or nullopt when it is
  /// not tried again.
  std::optional<WallTime> RetryAt(int attempt, WallTime now) const;

 private:
  int max_attempts_;
  std::chrono::milliseconds backoff_;
  std::chrono::milliseconds max_backoff_;
};

}  // namespace orch::scheduler
