// Watches orchd's GET /Status during a B2 burst from its own thread: when the scheduler's
// Fired and Delivered counters reached the burst, and how long the event loop left /Status
// unanswered (a loop busy firing or dispatching answers nothing else either).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace orch::bench {

class BenchOrchd;

class StatusMonitor {
 public:
  /// Starts watching `orchd` for a burst of `jobs` due at `due`.
  StatusMonitor(const BenchOrchd& orchd, int64_t jobs, std::chrono::system_clock::time_point due);
  ~StatusMonitor();
  StatusMonitor(const StatusMonitor&) = delete;
  StatusMonitor& operator=(const StatusMonitor&) = delete;

  /// Stops and answers {fired_all_after_ms, orchd_delivered_all_after_ms (both from T, -1 when
  /// not reached), longest_status_wait_ms, status_calls, and the last counters seen}.
  nlohmann::json Finish();

 private:
  void Run();

  const BenchOrchd& orchd_;
  const int64_t jobs_;
  const std::chrono::system_clock::time_point due_;
  std::atomic<bool> stop_{false};
  double fired_all_ms_ = -1;
  double delivered_all_ms_ = -1;
  double longest_ms_ = 0;
  int64_t calls_ = 0;
  nlohmann::json last_ = nlohmann::json::object();
  std::string error_;
  std::thread thread_;
};

}  // namespace orch::bench
