// The scheduler's place in the daemon: its settings from the configuration and its one timer
// on the event loop.
#pragma once

#include <functional>
#include <memory>

#include "common/clock.h"
#include "config/config.h"
#include "net/event_loop.h"
#include "scheduler/scheduler.h"
#include "scheduler/timer.h"

namespace orch::daemon {

/// The `scheduler` and `history` sections as scheduler settings.
scheduler::Settings SchedulerSettingsFrom(const config::Config& config);

/// A scheduler::Timer backed by one event-loop timer.
class LoopTimer final : public scheduler::Timer {
 public:
  /// REQUIRES: `loop` and `clock` outlive the timer.
  LoopTimer(net::EventLoop& loop, const Clock& clock) : timer_(loop.NewTimer()), clock_(clock) {}

  void ArmAt(SteadyTime deadline, std::function<void()> fn) override {
    const auto delay = deadline - clock_.SteadyNow();
    timer_->ArmAfter(delay.count() > 0 ? delay : SteadyTime::duration(0), std::move(fn));
  }
  void Cancel() override { timer_->Cancel(); }

 private:
  std::unique_ptr<net::EventLoop::Timer> timer_;
  const Clock& clock_;
};

}  // namespace orch::daemon
