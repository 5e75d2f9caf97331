#include "bench/status_monitor.h"

#include <algorithm>

#include "bench/bench_orchd.h"
#include "bench/bench_stats.h"

namespace orch::bench {
namespace {

using Wall = std::chrono::system_clock;
using Steady = std::chrono::steady_clock;

constexpr auto kInterval = std::chrono::milliseconds(200);

}  // namespace

StatusMonitor::StatusMonitor(const BenchOrchd& orchd, int64_t jobs, Wall::time_point due)
    : orchd_(orchd), jobs_(jobs), due_(due), thread_([this] { Run(); }) {}

StatusMonitor::~StatusMonitor() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

nlohmann::json StatusMonitor::Finish() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  nlohmann::json out = {{"fired_all_after_ms", fired_all_ms_},
                        {"orchd_delivered_all_after_ms", delivered_all_ms_},
                        {"longest_status_wait_ms", longest_ms_},
                        {"status_calls", calls_},
                        {"last_scheduler_counters", last_}};
  if (!error_.empty()) out["status_error"] = error_;
  return out;
}

void StatusMonitor::Run() {
  StatusOr<e2e::UnixClient> client = orchd_.Connect();
  if (!client.ok()) {
    error_ = client.status().ToString();
    return;
  }
  while (!stop_) {
    const Steady::time_point sent = Steady::now();
    StatusOr<e2e::HttpReply> reply = Call(*client, "GET", "/Status", "", std::chrono::minutes(10));
    const Wall::time_point answered = Wall::now();
    if (!reply.ok()) {
      if (!stop_) error_ = reply.status().ToString();
      return;
    }
    longest_ms_ = std::max(longest_ms_, Ms<Steady>(sent, Steady::now()));
    ++calls_;
    const nlohmann::json scheduler = reply->Json()["Scheduler"];
    if (scheduler.is_object()) {
      last_ = scheduler;
      const double since_due = Ms<Wall>(due_, answered);
      if (fired_all_ms_ < 0 && scheduler.value("Fired", int64_t{0}) >= jobs_) {
        fired_all_ms_ = since_due;
      }
      if (delivered_all_ms_ < 0 && scheduler.value("Delivered", int64_t{0}) >= jobs_) {
        delivered_all_ms_ = since_due;
      }
    }
    std::this_thread::sleep_for(kInterval);
  }
}

}  // namespace orch::bench
