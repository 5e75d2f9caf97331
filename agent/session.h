// One agent's conversation with orchd (SPEC §6): enrollment with its secret and a locally made
// key, registrations over mTLS, long polls, heartbeats, and each job's configuration, deploy
// and completion — with reenrollment, certificate renewal and retries with backoff. Everything
// it touches is an interface, so it runs in orch-agent, in `--simulate` (many sessions in one
// process) and in unit tests on a fake transport and a fake clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/transport.h"
#include "common/backoff.h"
#include "common/clock.h"
#include "common/status.h"

namespace orch::agent {

/// What the agent keeps across restarts (in state_dir): its id, key and certificate.
struct AgentState {
  std::string agent_id;
  std::string key_pem;
  std::string cert_pem;
};

/// Where AgentState lives.
class StateStore {
 public:
  virtual ~StateStore() = default;
  /// The saved state, or nullopt before the first enrollment.
  virtual StatusOr<std::optional<AgentState>> Load() = 0;
  /// Replaces the saved state (the key file 0600), atomically.
  virtual Status Save(const AgentState& state) = 0;
};

/// The result of one deploy, as the completion call reports it.
struct DeployOutcome {
  int status = 4;  // 2 Success, 3 Warning, 4 Failure
  std::string message;
};

/// Runs the deploy of one job's configuration (`job` is the answer's "Job" object); `done`
/// is called on the agent's loop.
class Deployer {
 public:
  virtual ~Deployer() = default;
  virtual void Deploy(const nlohmann::json& job, std::function<void(DeployOutcome)> done) = 0;
};

/// Calls `fn` after `delay` on the agent's loop.
using ScheduleFn = std::function<void(std::chrono::nanoseconds delay, std::function<void()> fn)>;

/// How the session behaves.
struct SessionSettings {
  std::string client_machine;
  std::string secret_name;
  std::string secret_value;  // never logged
  std::vector<std::string> capabilities;
  uint64_t agent_version = 0;  // major<<48 | minor<<32 | micro<<16 | build
  int poll_wait_seconds = 60;
  int max_parallel = 4;
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{60000};
  /// Log lines of this session carry it ("agent web01: ..."); empty: none.
  std::string log_name;
};

/// Counters, for logs and the simulator's report.
struct SessionStats {
  int64_t registrations = 0;
  int64_t enrollments = 0;
  int64_t jobs_completed = 0;
  int64_t failures = 0;  // calls that failed and were retried
  bool has_session = false;
  std::optional<SteadyTime> first_session_at;
};

class AgentSession : public std::enable_shared_from_this<AgentSession> {
 public:
  /// REQUIRES: every reference outlives the session.
  AgentSession(SessionSettings settings, Transport& transport, StateStore& state,
               Deployer& deployer, const Clock& clock, ScheduleFn schedule,
               std::function<double()> random);

  /// Enrolls when there is no saved state, then registers and polls until Stop().
  void Start();
  /// Stops after the calls under way; a completion still owed is kept trying until then.
  void Stop();

  const SessionStats& stats() const { return stats_; }

 private:
  void Enroll();
  void Register(bool with_new_key);
  void OnRegistered(const nlohmann::json& answer, bool enrolled_now);
  void Poll();
  void Heartbeat(uint64_t generation);
  void Configure(const nlohmann::json& job);
  void RunQueued();
  void Complete(nlohmann::json body, std::string completion_path);
  void NewSession();
  void RetryLater(const std::string& what, const Status& why, std::function<void()> again);
  /// The client certificate, or the secret when the certificate has expired.
  Credential ClientCertificate() const;
  bool CertificateUsable() const;
  bool RenewalDue() const;
  void Log(int level, const std::string& message) const;

  SessionSettings settings_;
  Transport& transport_;
  StateStore& state_store_;
  Deployer& deployer_;
  const Clock& clock_;
  ScheduleFn schedule_;
  Backoff backoff_;

  std::optional<AgentState> state_;
  std::string token_;
  uint64_t generation_ = 0;  // bumped with every new session: old loops stop
  bool stopped_ = false;
  bool polling_ = false;
  std::chrono::minutes heartbeat_{5};
  std::optional<SteadyTime> last_poll_answer_;  // when a poll last came back answered
  std::set<std::string> known_jobs_;                          // configured or queued, not completed
  std::deque<std::pair<nlohmann::json, std::string>> queue_;  // (configuration, completion path)
  std::set<std::string> busy_stores_;
  int running_ = 0;
  SessionStats stats_;
  std::string last_error_;  // the last failure logged, so a retry loop logs it once
};

}  // namespace orch::agent
