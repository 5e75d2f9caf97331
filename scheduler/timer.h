// Timer: the one alarm the scheduler sleeps on. The daemon backs it with an event-loop timer;
// tests use FakeTimer and fire it by hand after moving a FakeClock.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "common/clock.h"

namespace orch::scheduler {

/// The steady instant at which `clock`'s wall clock will read `wall`, unless it is set
/// meanwhile: how a wall-clock deadline becomes an alarm.
inline SteadyTime SteadyFor(const Clock& clock, WallTime wall) {
  return clock.SteadyNow() +
         std::chrono::duration_cast<std::chrono::nanoseconds>(wall - clock.WallNow());
}

/// A one-shot alarm on the steady clock.
class Timer {
 public:
  virtual ~Timer() = default;
  /// Calls `fn` once at or after `deadline`; replaces any earlier arm.
  virtual void ArmAt(SteadyTime deadline, std::function<void()> fn) = 0;
  /// Disarms; the pending callback is never called.
  virtual void Cancel() = 0;
};

/// A Timer for tests: remembers its arm and runs it only when told.
class FakeTimer final : public Timer {
 public:
  void ArmAt(SteadyTime deadline, std::function<void()> fn) override {
    deadline_ = deadline;
    fn_ = std::move(fn);
  }
  void Cancel() override {
    deadline_.reset();
    fn_ = nullptr;
  }
  /// The armed deadline, or nullopt when disarmed.
  std::optional<SteadyTime> deadline() const { return deadline_; }
  /// Runs the armed callback (disarming first) when `now` has reached the deadline; answers
  /// whether it ran.
  bool FireIfDue(SteadyTime now) {
    if (!deadline_ || now < *deadline_) return false;
    std::function<void()> fn = std::move(fn_);
    Cancel();
    fn();
    return true;
  }

 private:
  std::optional<SteadyTime> deadline_;
  std::function<void()> fn_;
};

}  // namespace orch::scheduler
