#include "common/backoff.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "common/guid.h"

namespace orch {

using std::chrono::milliseconds;

Backoff::Backoff(BackoffPolicy policy, std::function<double()> random)
    : policy_(policy),
      random_(std::move(random)),
      ceiling_ms_(static_cast<double>(policy.initial.count())) {}

// Equal rather than full jitter: full jitter (uniform in [0, c_n)) spreads a fleet slightly
// better but may draw a delay near zero, and an agent whose server fails at once would then
// retry in a tight loop. Keeping half the ceiling as a floor preserves the exponential growth;
// the other half still spreads the reconnects of many agents apart.
milliseconds Backoff::Next() {
  const double r = std::clamp(random_(), 0.0, 1.0);
  const double max_ms = static_cast<double>(policy_.max.count());
  // Rounding up keeps a sub-millisecond delay from becoming zero; c_n is at most `max`, a whole
  // number of milliseconds, so rounding up cannot pass it.
  const double delay_ms = std::clamp(std::ceil(ceiling_ms_ * (1.0 + r) / 2.0), 1.0, max_ms);
  ceiling_ms_ = std::min(max_ms, ceiling_ms_ * policy_.multiplier);
  return milliseconds(static_cast<int64_t>(delay_ms));
}

void Backoff::Reset() {
  ceiling_ms_ = static_cast<double>(policy_.initial.count());
}

double RandomFraction() {
  // The top 53 bits of a random 64-bit word fill a double's mantissa exactly, so every draw
  // is a multiple of 2^-53 below 1.
  const std::string bytes = RandomBytes(sizeof(uint64_t));
  uint64_t word = 0;
  std::memcpy(&word, bytes.data(), sizeof word);
  return static_cast<double>(word >> 11) * 0x1.0p-53;
}

WallTime RenewalStart(WallTime not_before, WallTime not_after, double fraction) {
  using std::chrono::floor;
  // Whole milliseconds since the epoch fit int64 for any WallTime, so the lifetime cannot
  // overflow even when the validity spans centuries; and a double holds a lifetime in
  // milliseconds accurately enough that rounding lands on the exact millisecond.
  const int64_t lifetime_ms =
      (floor<milliseconds>(not_after) - floor<milliseconds>(not_before)).count();
  if (lifetime_ms <= 0) return not_after;
  const double share = std::clamp(fraction, 0.0, 1.0) * static_cast<double>(lifetime_ms);
  return not_after - milliseconds(std::llround(share));
}

bool InRenewalWindow(WallTime not_before, WallTime not_after, WallTime now, double fraction) {
  return now >= RenewalStart(not_before, not_after, fraction);
}

}  // namespace orch
