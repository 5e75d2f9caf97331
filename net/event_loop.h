// EventLoop: the daemon's single-threaded event loop (one Asio io_context behind a pimpl), with
// timers, signal handling and a thread-safe Post for handing work back from other threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace orch::net {

/// One single-threaded event loop. Everything except Post() and Stop() runs on the thread that
/// calls Run() (or before Run() is called).
class EventLoop {
 public:
  /// A one-shot timer bound to its loop. Use on the loop thread only.
  class Timer {
   public:
    virtual ~Timer() = default;
    /// Runs `fn` on the loop after `delay`. Re-arming replaces the previous arm, whose callback
    /// is then never called.
    virtual void ArmAfter(std::chrono::nanoseconds delay, std::function<void()> fn) = 0;
    /// Disarms the timer; the pending callback (if any) is never called.
    virtual void Cancel() = 0;
  };

  EventLoop();
  /// REQUIRES: the loop is not running; objects using the loop are destroyed first.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Runs handlers on the calling thread until Stop(). May be called again after Stop().
  void Run();
  /// Makes Run() return as soon as the current handler finishes. Thread-safe.
  void Stop();
  /// Queues `fn` to run on the loop. Thread-safe; exceptions from `fn` are logged and dropped.
  void Post(std::function<void()> fn);
  /// Calls `fn(signal)` on the loop each time one of `signals` arrives, until the loop dies.
  void OnSignals(const std::vector<int>& signals, std::function<void(int)> fn);
  /// A new disarmed timer. REQUIRES: destroyed before the loop.
  std::unique_ptr<Timer> NewTimer();

  struct Impl;

 private:
  friend struct EventLoopAccess;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orch::net
