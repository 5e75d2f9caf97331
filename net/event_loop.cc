#include "net/event_loop.h"

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/event_loop_internal.h"
#include "net/net_log.h"

namespace orch::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// Work handed to the loop must never throw: a callback that does has a bug, and whatever it
// left half-done cannot be trusted. The process says what threw and aborts (systemd restarts
// it, and the store's durable state is what it starts from) rather than serve on in an
// unknown state.
[[noreturn]] void AbortAfter(const char* what, const char* message) {
  NetLog().critical("{} threw: {}; aborting", what, message);  // flushed at once
  std::abort();
}

template <typename Fn, typename... Args>
void RunGuarded(const char* what, Fn& fn, Args... args) {
  try {
    fn(args...);
  } catch (const std::exception& e) {
    AbortAfter(what, e.what());
  } catch (...) {
    AbortAfter(what, "a non-standard exception");
  }
}

// The timer state is shared with the pending wait so a completion that is already queued when
// the timer is re-armed, cancelled or destroyed can tell that it is stale (by generation) or
// orphaned (weak_ptr expired) and do nothing.
class AsioTimer final : public EventLoop::Timer {
 public:
  explicit AsioTimer(asio::io_context& io) : state_(std::make_shared<State>(io)) {}
  ~AsioTimer() override { Cancel(); }

  void ArmAfter(std::chrono::nanoseconds delay, std::function<void()> fn) override {
    const uint64_t generation = ++state_->generation;
    state_->fn = std::move(fn);
    state_->timer.expires_after(delay);  // aborts the previous wait, if any
    state_->timer.async_wait([weak = std::weak_ptr<State>(state_), generation](error_code ec) {
      // operation_aborted means re-armed, cancelled or destroyed: nothing to do.
      if (ec) return;
      const std::shared_ptr<State> state = weak.lock();
      if (state == nullptr || state->generation != generation) return;
      // Moved out first: the callback may re-arm this timer, replacing state->fn.
      std::function<void()> callback = std::move(state->fn);
      state->fn = nullptr;
      RunGuarded("timer callback", callback);
    });
  }

  void Cancel() override {
    ++state_->generation;
    state_->fn = nullptr;
    state_->timer.cancel();
  }

 private:
  struct State {
    explicit State(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::function<void()> fn;
    uint64_t generation = 0;
  };
  std::shared_ptr<State> state_;
};

// Waits for the next signal, calls `fn`, and waits again for as long as the set lives.
void WaitForSignal(const std::shared_ptr<asio::signal_set>& signals,
                   const std::shared_ptr<std::function<void(int)>>& fn) {
  signals->async_wait(
      [weak = std::weak_ptr<asio::signal_set>(signals), fn](error_code ec, int signal) {
        if (ec) return;  // operation_aborted: the loop is going away
        const std::shared_ptr<asio::signal_set> set = weak.lock();
        if (set == nullptr) return;
        RunGuarded("signal handler", *fn, signal);
        WaitForSignal(set, fn);
      });
}

}  // namespace

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}

EventLoop::~EventLoop() = default;

void EventLoop::Run() {
  auto work = asio::make_work_guard(impl_->io);
  try {
    impl_->io.run();
  } catch (const std::exception& e) {
    AbortAfter("an event loop handler", e.what());
  } catch (...) {
    AbortAfter("an event loop handler", "a non-standard exception");
  }
  // Restarted after (not before) running, so a Stop() that raced ahead of Run() still counts.
  impl_->io.restart();
}

void EventLoop::Stop() {
  impl_->io.stop();
}

void EventLoop::Post(std::function<void()> fn) {
  asio::post(impl_->io, [fn = std::move(fn)]() mutable { RunGuarded("posted task", fn); });
}

void EventLoop::OnSignals(const std::vector<int>& signals, std::function<void(int)> fn) {
  auto set = std::make_shared<asio::signal_set>(impl_->io);
  for (int signal : signals) {
    error_code ec;
    set->add(signal, ec);
    if (ec) NetLog().error("cannot watch signal {}: {}", signal, ec.message());
  }
  WaitForSignal(set, std::make_shared<std::function<void(int)>>(std::move(fn)));
  impl_->owned.push_back(std::move(set));
}

std::unique_ptr<EventLoop::Timer> EventLoop::NewTimer() {
  return std::make_unique<AsioTimer>(impl_->io);
}

}  // namespace orch::net
