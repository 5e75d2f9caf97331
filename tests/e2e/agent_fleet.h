// Simulated agents (the B2 benchmark, the crash tests): one thread and one kept-alive TLS
// connection each. An agent registers with an agent secret, waits to be released, then
// long-polls Jobs/Poll and runs every job it gets (Management/Configuration, then
// Management/Complete). With `survive_restarts` the agents outlive an orchd that is killed and
// started again on the same port: calls are re-sent until orchd answers, and a lost session
// is registered again under the same AgentId.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"

namespace orch::e2e {

using WallClock = std::chrono::system_clock;

/// Where the agents connect and what they authenticate with.
struct FleetConfig {
  uint16_t port = 0;
  std::string ca_file;
  std::string secret_name;
  std::string secret_value;
  int wait_seconds = 30;  // WaitSeconds of each poll
  /// How long an agent waits for a poll's answer: an orchd busy firing may answer long after
  /// WaitSeconds, and an agent that gave up would lose the runs handed to it.
  int poll_timeout_seconds = 300;
  /// Calls that fail on the connection (orchd killed, restarting) are re-sent on a new one
  /// until orchd answers (at most restart_wait), and an agent whose session is refused (401)
  /// registers again with its AgentId. Off: a call is re-sent once, then counts as an error.
  bool survive_restarts = false;
  std::chrono::milliseconds restart_wait{60000};
  /// The completion Status (2, 3 or 4) an agent reports for a run (its AuditId); unset: 2.
  std::function<int(int64_t audit_id)> completion_status;
};

/// What one agent did; read only after the fleet has stopped.
struct AgentRecord {
  std::string agent_id;
  std::vector<std::pair<std::string, WallClock::time_point>> received;  // job id, answer time
  int64_t configured = 0;  // configuration calls answered 200
  int64_t cancelled = 0;   // of which JobCancelled: true
  std::vector<WallClock::time_point> completions;
  std::vector<int64_t> completed_audit_ids;  // completions answered 200, in order
  // Completions re-sent after a broken connection and refused (409): the first may have been
  // committed before orchd died.
  int64_t completion_conflicts = 0;
  int64_t registrations = 0;  // registrations after the first (lost sessions)
  int64_t polls = 0;
  int64_t reconnects = 0;  // calls re-sent on a new connection after the old one broke
  int64_t errors = 0;
  std::string first_error;
};

/// A fleet of agent threads. Stop() (or destruction) ends them; orchd must be stopped first
/// or the threads may sit in a long poll for up to WaitSeconds.
class AgentFleet {
 public:
  AgentFleet(FleetConfig config, int agents);
  ~AgentFleet();
  AgentFleet(const AgentFleet&) = delete;
  AgentFleet& operator=(const AgentFleet&) = delete;

  /// Starts every thread; each connects and registers. Answers once all have registered, or
  /// the first failure, or Unavailable after `timeout`.
  Status Register(std::chrono::milliseconds timeout);
  /// The registered agents' ids.
  std::vector<std::string> AgentIds() const;
  /// Lets every agent start polling; answers once each has sent its first poll.
  Status Release(std::chrono::milliseconds timeout);
  /// Waits until at least `count` jobs were received (or completed), or `deadline` passes;
  /// answers whether the count was reached.
  bool WaitDelivered(int64_t count, WallClock::time_point deadline);
  bool WaitCompleted(int64_t count, WallClock::time_point deadline);
  int64_t delivered() const { return delivered_.load(); }
  int64_t completed() const { return completed_.load(); }
  /// Tells every agent to stop after its current call; does not wait.
  void RequestStop();
  /// RequestStop(), then joins the threads.
  void Stop();
  /// Every agent's record. REQUIRES: Stop() has returned.
  const std::vector<AgentRecord>& records() const { return records_; }

 private:
  class Agent;
  void Run(int index);
  bool WaitFor(const std::atomic<int64_t>& counter, int64_t count, WallClock::time_point deadline);
  void Note(int AgentFleet::*counter);

  FleetConfig config_;
  std::vector<AgentRecord> records_;
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int registered_ = 0;
  int failed_ = 0;
  int polling_ = 0;
  bool released_ = false;
  std::string failure_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> completed_{0};
};

}  // namespace orch::e2e
