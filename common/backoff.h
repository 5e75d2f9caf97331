// Retry and renewal timing as pure functions of injected time and randomness: how long to wait
// before reconnecting, and when a certificate is due for renewal.
#pragma once

#include <chrono>
#include <functional>

#include "common/clock.h"

namespace orch {

/// The shape of a Backoff's growth.
struct BackoffPolicy {
  std::chrono::milliseconds initial;  // the first ceiling; REQUIRES: initial > 0
  std::chrono::milliseconds max;      // the largest ceiling; REQUIRES: max >= initial
  double multiplier = 2.0;            // growth per attempt; REQUIRES: multiplier >= 1
};

/// Capped exponential backoff with equal jitter. Attempt n (from 0 since the last Reset()) has
/// the ceiling c_n = min(max, initial * multiplier^n) and waits
///
///   delay_n = ceil(c_n * (1 + r_n) / 2) milliseconds, r_n = random() in [0, 1),
///
/// so delay_n lies in [c_n / 2, c_n]: at least 1 ms and never more than `max`.
/// Thread-compatible.
class Backoff {
 public:
  /// `random` yields draws in [0, 1) (RandomFraction() in production; a fixed sequence in
  /// tests); draws outside are clamped to [0, 1]. REQUIRES: `random` is callable.
  Backoff(BackoffPolicy policy, std::function<double()> random);

  /// The delay before the next attempt; each call moves one attempt on.
  std::chrono::milliseconds Next();
  /// Starts over from `initial`; call after a success.
  void Reset();

 private:
  BackoffPolicy policy_;
  std::function<double()> random_;
  double ceiling_ms_;  // c_n of the next Next()
};

/// A uniform draw from [0, 1) made from the kernel's CSPRNG: Backoff's random source outside
/// tests.
double RandomFraction();

/// When a certificate valid over [not_before, not_after] enters the last `fraction` of its
/// life: not_after - fraction * (not_after - not_before), computed in whole milliseconds (so
/// fractions such as 0.2 land exactly on the millisecond). A certificate with no positive
/// lifetime is due at not_after. REQUIRES: 0 <= fraction <= 1 (others are clamped).
WallTime RenewalStart(WallTime not_before, WallTime not_after, double fraction = 0.2);

/// True when `now` is at or after RenewalStart(): in the last `fraction` of the certificate's
/// life, or past its end. False while `now` is before not_before of a certificate with a
/// positive lifetime.
bool InRenewalWindow(WallTime not_before, WallTime not_after, WallTime now, double fraction = 0.2);

}  // namespace orch
