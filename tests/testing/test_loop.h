// Test-only: the event loop of tests that hand work to another thread (the store's writer).
// What the other thread posts is run by the test's own thread, in RunUntil().
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace orch::testing {

class TestLoop {
 public:
  /// A thread-safe post function that queues `fn` for RunUntil().
  std::function<void(std::function<void()>)> Post() {
    return [this](std::function<void()> fn) {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(fn));
      wake_.notify_all();
    };
  }
  /// Runs posted functions until `done()` holds; false when it still does not after 10 s.
  bool RunUntil(const std::function<bool()>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      std::unique_lock lock(mutex_);
      if (!wake_.wait_until(lock, give_up, [this] { return !queue_.empty(); })) return false;
      std::function<void()> fn = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      fn();
    }
    return true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
};

}  // namespace orch::testing
