#include "agent/agent_loop.h"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/agent_loop_internal.h"

namespace orch::agent {

AgentLoop::AgentLoop() : impl_(std::make_unique<Impl>()) {}

AgentLoop::~AgentLoop() {
  impl_->owned.clear();
}

void AgentLoop::Run() {
  auto guard = boost::asio::make_work_guard(impl_->io);
  impl_->io.restart();
  impl_->io.run();
}

void AgentLoop::Stop() {
  impl_->io.stop();
}

void AgentLoop::Post(std::function<void()> fn) {
  boost::asio::post(impl_->io, std::move(fn));
}

void AgentLoop::After(std::chrono::nanoseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<boost::asio::steady_timer>(impl_->io, delay);
  timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& error) {
    if (!error) fn();
  });
}

void AgentLoop::OnSignals(const std::vector<int>& signals, std::function<void(int)> fn) {
  auto set = std::make_shared<boost::asio::signal_set>(impl_->io);
  for (int signal : signals) set->add(signal);
  auto handler = std::make_shared<std::function<void(const boost::system::error_code&, int)>>();
  *handler = [set_ptr = set.get(), handler_weak = std::weak_ptr(handler), fn = std::move(fn)](
                 const boost::system::error_code& error, int signal) {
    if (error) return;
    fn(signal);
    if (auto again = handler_weak.lock()) set_ptr->async_wait(*again);
  };
  set->async_wait(*handler);
  impl_->owned.push_back(set);
  impl_->owned.push_back(handler);
}

}  // namespace orch::agent
