// Clock: the only way orchd reads time. Wall time for calendars, steady time for intervals.
#pragma once

#include <chrono>

namespace orch {

using WallTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

/// Source of wall-clock and monotonic time; injected everywhere time is read.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Calendar time (UTC); may jump when the system clock is set.
  virtual WallTime WallNow() const = 0;
  /// Monotonic time; never goes backwards. Use for leases, timeouts and backoff.
  virtual SteadyTime SteadyNow() const = 0;
};

/// The operating system's clocks.
class SystemClock final : public Clock {
 public:
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
  SteadyTime SteadyNow() const override { return std::chrono::steady_clock::now(); }
  /// A process-wide instance.
  static SystemClock& Instance();
};

}  // namespace orch
