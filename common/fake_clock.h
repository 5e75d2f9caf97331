// FakeClock: time that moves only when a test says so.
#pragma once

#include <chrono>

#include "common/clock.h"

namespace orch {

/// A Clock for tests. Advance() moves both clocks; SetWall() jumps the wall clock alone,
/// as an operator setting the system time would.
class FakeClock final : public Clock {
 public:
  /// Starts at `wall` (default 2026-01-01T00:00:00Z) and an arbitrary steady origin.
  explicit FakeClock(WallTime wall = WallTime(std::chrono::seconds(1767225600)))
      : wall_(wall), steady_(std::chrono::hours(1000)) {}

  WallTime WallNow() const override { return wall_; }
  SteadyTime SteadyNow() const override { return steady_; }

  /// Moves wall and steady time forward by `d`. REQUIRES: d >= 0
  void Advance(std::chrono::nanoseconds d) {
    wall_ += std::chrono::duration_cast<WallTime::duration>(d);
    steady_ += d;
  }
  /// Sets the wall clock only (a clock jump); steady time is unchanged.
  void SetWall(WallTime wall) { wall_ = wall; }

 private:
  WallTime wall_;
  SteadyTime steady_;
};

}  // namespace orch
