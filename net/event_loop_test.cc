#include "net/event_loop.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace orch::net {
namespace {

using std::chrono::milliseconds;

constexpr std::chrono::seconds kBound{5};

// Runs `loop` on its own thread for the lifetime of this object.
class LoopRunner {
 public:
  explicit LoopRunner(EventLoop& loop) : loop_(loop), thread_([this] { loop_.Run(); }) {}
  ~LoopRunner() {
    loop_.Stop();
    thread_.join();
  }

  // Runs `fn` on the loop and waits for it.
  void RunOnLoop(std::function<void()> fn) {
    std::promise<void> done;
    loop_.Post([&] {
      fn();
      done.set_value();
    });
    ASSERT_EQ(done.get_future().wait_for(kBound), std::future_status::ready);
  }

 private:
  EventLoop& loop_;
  std::thread thread_;
};

bool Ready(std::future<void>& future) {
  return future.wait_for(kBound) == std::future_status::ready;
}

// Arms `sentinel` for `delay` and waits until it fires: every earlier deadline has passed.
void WaitPast(LoopRunner& runner, EventLoop::Timer& sentinel, milliseconds delay) {
  std::promise<void> fired;
  runner.RunOnLoop([&] { sentinel.ArmAfter(delay, [&] { fired.set_value(); }); });
  std::future<void> future = fired.get_future();
  ASSERT_TRUE(Ready(future));
}

TEST(EventLoopTest, TimerFiresAfterItsDelay) {
  // Given a timer armed for 1 ms, its callback runs on the loop.
  EventLoop loop;
  std::unique_ptr<EventLoop::Timer> timer = loop.NewTimer();
  std::promise<void> fired;
  timer->ArmAfter(milliseconds(1), [&] { fired.set_value(); });
  LoopRunner runner(loop);
  std::future<void> future = fired.get_future();
  EXPECT_TRUE(Ready(future));
}

TEST(EventLoopTest, RearmReplacesThePreviousCallback) {
  // Given a timer armed and then re-armed, only the second callback ever runs.
  EventLoop loop;
  std::unique_ptr<EventLoop::Timer> timer = loop.NewTimer();
  std::unique_ptr<EventLoop::Timer> sentinel = loop.NewTimer();
  std::atomic<int> first_calls{0};
  std::promise<void> second;
  LoopRunner runner(loop);
  runner.RunOnLoop([&] {
    timer->ArmAfter(milliseconds(20), [&] { ++first_calls; });
    timer->ArmAfter(milliseconds(1), [&] { second.set_value(); });
  });
  std::future<void> future = second.get_future();
  ASSERT_TRUE(Ready(future));
  WaitPast(runner, *sentinel, milliseconds(60));
  EXPECT_EQ(first_calls.load(), 0);
}

TEST(EventLoopTest, CancelPreventsTheCallback) {
  // Given a timer cancelled right after arming, its callback never runs.
  EventLoop loop;
  std::unique_ptr<EventLoop::Timer> timer = loop.NewTimer();
  std::unique_ptr<EventLoop::Timer> sentinel = loop.NewTimer();
  std::atomic<int> calls{0};
  LoopRunner runner(loop);
  runner.RunOnLoop([&] {
    timer->ArmAfter(milliseconds(1), [&] { ++calls; });
    timer->Cancel();
  });
  WaitPast(runner, *sentinel, milliseconds(30));
  EXPECT_EQ(calls.load(), 0);
}

TEST(EventLoopTest, DestroyedTimerNeverCalls) {
  // Given a timer destroyed while armed, its callback never runs.
  EventLoop loop;
  std::unique_ptr<EventLoop::Timer> timer = loop.NewTimer();
  std::unique_ptr<EventLoop::Timer> sentinel = loop.NewTimer();
  std::atomic<int> calls{0};
  LoopRunner runner(loop);
  runner.RunOnLoop([&] {
    timer->ArmAfter(milliseconds(1), [&] { ++calls; });
    timer.reset();
  });
  WaitPast(runner, *sentinel, milliseconds(30));
  EXPECT_EQ(calls.load(), 0);
}

TEST(EventLoopTest, CallbackMayRearmItsOwnTimer) {
  // Given a callback that re-arms its own timer twice, it runs three times in all.
  EventLoop loop;
  std::unique_ptr<EventLoop::Timer> timer = loop.NewTimer();
  int calls = 0;
  std::promise<void> third;
  std::function<void()> tick = [&] {
    if (++calls == 3) return third.set_value();
    timer->ArmAfter(milliseconds(1), tick);
  };
  timer->ArmAfter(milliseconds(1), tick);
  LoopRunner runner(loop);
  std::future<void> future = third.get_future();
  ASSERT_TRUE(Ready(future));
  EXPECT_EQ(calls, 3);
}

TEST(EventLoopTest, PostFromAnotherThreadRunsOnTheLoopThread) {
  // Given a running loop, work posted from a foreign thread runs on the loop's thread.
  EventLoop loop;
  LoopRunner runner(loop);
  std::thread::id loop_thread;
  runner.RunOnLoop([&] { loop_thread = std::this_thread::get_id(); });
  std::promise<std::thread::id> ran_on;
  std::thread worker([&] { loop.Post([&] { ran_on.set_value(std::this_thread::get_id()); }); });
  worker.join();
  std::future<std::thread::id> future = ran_on.get_future();
  ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
  EXPECT_EQ(future.get(), loop_thread);
  EXPECT_NE(loop_thread, std::this_thread::get_id());
}

TEST(EventLoopDeathTest, AThrowingTaskAbortsTheProcessSayingWhatThrew) {
  // Given a posted task that throws, the process logs what threw and aborts instead of
  // serving on in an unknown state.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        EventLoop loop;
        loop.Post([] { throw std::runtime_error("task failed"); });
        loop.Run();
      },
      "posted task threw: task failed; aborting");
}

TEST(EventLoopTest, SignalHandlerRunsForEachSignal) {
  // Given a handler for SIGUSR1, two raised signals reach it twice, on the loop.
  EventLoop loop;
  std::promise<void> first;
  std::promise<void> second;
  int count = 0;
  loop.OnSignals({SIGUSR1}, [&](int signal) {
    EXPECT_EQ(signal, SIGUSR1);
    ++count;
    (count == 1 ? first : second).set_value();
  });
  LoopRunner runner(loop);
  ::raise(SIGUSR1);
  std::future<void> first_future = first.get_future();
  ASSERT_TRUE(Ready(first_future));
  ::raise(SIGUSR1);
  std::future<void> second_future = second.get_future();
  ASSERT_TRUE(Ready(second_future));
  runner.RunOnLoop([&] { EXPECT_EQ(count, 2); });
}

TEST(EventLoopTest, StopBeforeRunStillStops) {
  // Given Stop() called before Run(), Run() returns instead of serving forever.
  EventLoop loop;
  loop.Stop();
  std::promise<void> returned;
  std::thread thread([&] {
    loop.Run();
    returned.set_value();
  });
  std::future<void> future = returned.get_future();
  EXPECT_TRUE(Ready(future));
  thread.join();
}

}  // namespace
}  // namespace orch::net
