// The agent's event loop: one Asio io_context behind a pimpl, with one-shot timers, signals and
// a thread-safe Post for handing results back from worker threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace orch::agent {

/// One single-threaded loop. Everything except Post() and Stop() runs on the thread that calls
/// Run() (or before Run() is called).
class AgentLoop {
 public:
  AgentLoop();
  /// REQUIRES: the loop is not running; objects using the loop are destroyed first.
  ~AgentLoop();
  AgentLoop(const AgentLoop&) = delete;
  AgentLoop& operator=(const AgentLoop&) = delete;

  /// Runs handlers until Stop().
  void Run();
  /// Makes Run() return. Thread-safe.
  void Stop();
  /// Queues `fn` to run on the loop. Thread-safe.
  void Post(std::function<void()> fn);
  /// Calls `fn` on the loop after `delay`.
  void After(std::chrono::nanoseconds delay, std::function<void()> fn);
  /// Calls `fn(signal)` on the loop each time one of `signals` arrives.
  void OnSignals(const std::vector<int>& signals, std::function<void(int)> fn);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orch::agent
