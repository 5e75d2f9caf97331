// Scheduler: fires jobs on time, hands their runs to agents, and keeps leases, retries and
// the history honest (SPEC §5). Every scheduled job's next fire time is held in memory; one
// Timer is armed for the earliest deadline of all kinds (fire, lease, retry, poll, pruning).
//
// Durable state lives in the store: a fire writes its run before anything is delivered, and
// Start() rebuilds the memory from the store after a restart or a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "scheduler/timer.h"
#include "store/run_store.h"
#include "store/sqlite_store.h"

namespace orch::scheduler {

/// The scheduler's settings (the `scheduler` and `history` sections of the configuration).
struct Settings {
  std::chrono::milliseconds lease = std::chrono::minutes(10);
  int max_attempts = 3;
  std::chrono::milliseconds retry_backoff = std::chrono::minutes(1);
  std::chrono::milliseconds max_retry_backoff = std::chrono::hours(1);
  std::chrono::milliseconds catchup_window = std::chrono::hours(1);
  std::chrono::milliseconds retain_success = std::chrono::days(30);
  std::chrono::milliseconds retain_failure = std::chrono::days(180);
  /// Most runs handed to an agent in one registration or poll answer.
  int max_runs_per_delivery = 100;
};

/// The agent asking for work, as its authenticated session shows it.
struct AgentIdentity {
  std::string agent_id;
  std::string client_machine;
  /// The store types whose management capability the agent advertises.
  std::vector<int> store_types;
};

/// Counters since start, for /Status and /metrics.
struct SchedulerStats {
  int64_t scheduled_jobs = 0;  // entries in the fire queue
  int64_t open_runs = 0;
  int64_t polling_agents = 0;
  int64_t fired = 0;
  int64_t skipped_overlap = 0;
  int64_t missed_catchup = 0;
  int64_t delivered = 0;
  int64_t completed = 0;
  int64_t retried = 0;
  int64_t leases_expired = 0;
  int64_t pruned = 0;
};

/// What a configuration call finds.
struct Configured {
  store::RunRecord run;
  /// The job was unscheduled before the agent started: the run is closed, do not run it.
  bool cancelled = false;
};

/// Answer of a long poll: the runs handed over (possibly none).
using PollCallback = std::function<void(std::vector<store::RunRecord>)>;

/// Told of every run the scheduler writes or changes, as it now stands in the store.
using RunListener = std::function<void(const store::RunRecord&)>;

/// Single-threaded: every method runs on the thread that owns the store and the timer.
class Scheduler {
 public:
  /// REQUIRES: clock, store and timer outlive the scheduler.
  Scheduler(const Clock& clock, store::SqliteStore& store, Timer& timer, Settings settings);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Loads the fire queue and the open runs, fires what came due while orchd was down (with
  /// the catch-up rules) and arms the timer.
  Status Start();
  /// Answers every parked poll (empty) and disarms the timer.
  void Stop();
  /// Replaces the settings (configuration reload); applies from the next decision on.
  void SetSettings(Settings settings);

  /// Jobs committed by an Add: their row numbers and first fire times.
  void JobsAccepted(const std::vector<store::FireEntry>& entries);
  /// Jobs the store has just unscheduled: their undelivered runs are cancelled, and their
  /// fire-queue entries `dequeued` (JobStore::Unschedule()) no longer count or fire.
  Status JobsUnscheduled(const std::vector<std::string>& job_ids,
                         const std::vector<store::FireEntry>& dequeued = {});
  /// Stores whose agent or pool binding may have changed: their waiting runs are filed
  /// under the new binding.
  Status StoresChanged(const std::vector<std::string>& store_ids);
  /// Runs created outside the scheduler (Reschedule): they wait for an agent.
  void RunsCreated(const std::vector<store::RunRecord>& runs);

  /// The due runs `agent` may take now, handed over to it (leases start). For registrations.
  StatusOr<std::vector<store::RunRecord>> TakeDueRuns(const AgentIdentity& agent);
  /// Answers `done` as soon as runs are due for `agent`, or empty after `wait`. A new poll of
  /// the same agent answers the earlier one empty.
  void Poll(const AgentIdentity& agent, std::chrono::milliseconds wait, PollCallback done);
  /// The agent's configuration call for `job_id`: marks its delivered run InProcess, or closes
  /// it when the job was unscheduled. FailedPrecondition when the agent holds no such run.
  StatusOr<Configured> Configure(const std::string& agent_id, const std::string& job_id);
  /// The agent's completion. FailedPrecondition (and nothing changes) for an unknown run, a
  /// run of another agent or job, a run not started, or one whose lease was given up.
  Status Complete(const std::string& agent_id, const std::string& job_id, int64_t run_id,
                  store::RunResult result, const std::string& message);

  /// Runs everything that is due and re-arms the timer (the Timer's callback).
  void OnTimer();

  /// Calls `listener` for every run written or changed from now on; answers a handle for
  /// Unsubscribe(). A listener may unsubscribe itself from inside its call.
  uint64_t Subscribe(RunListener listener);
  void Unsubscribe(uint64_t handle);
  /// Tells listeners of runs changed outside the scheduler (Acknowledge).
  void RunsChanged(const std::vector<int64_t>& run_ids);

  SchedulerStats stats() const;

 private:
  struct OpenRun {
    std::string job_id;
    std::string agent_id;  // "" while undelivered
    store::RunStatus status = store::RunStatus::kWaiting;
    int attempt = 1;
    WallTime due;
    std::optional<SteadyTime> lease_deadline;
    std::string target;  // key into undelivered_: the store's agent or pool and its type
  };
  struct Poller {
    AgentIdentity agent;
    std::string pool_id;
    SteadyTime deadline;
    PollCallback done;
    uint64_t order = 0;  // arrival order, for round-robin among equals
  };
  template <typename T>
  using MinHeap = std::priority_queue<T, std::vector<T>, std::greater<T>>;
  using FireKey = std::pair<int64_t, int64_t>;  // (fire ms, job seq)

  void FireDue();
  void ExpireLeases();
  void ExpirePolls();
  void PruneHistory();
  void NoteWallClock();
  void Arm();
  void DispatchDuePending();
  void Track(const store::RunRecord& run);
  void Untrack(int64_t run_id);
  void DispatchToPollers();
  // An agent asking for work, and the pool it belongs to.
  struct Want {
    const AgentIdentity* agent;
    const std::string* pool_id;
  };
  // Hands each agent the due runs it may take (at most max_runs_per_delivery), leases written
  // in one transaction. Answers the runs per agent, in the order of `wants`.
  StatusOr<std::vector<std::vector<store::RunRecord>>> Hand(const std::vector<Want>& wants);
  std::vector<int64_t> Pick(const AgentIdentity& agent, const std::string& pool_id, int limit);
  void Lease(int64_t run_id, const std::string& agent_id, SteadyTime deadline);
  void Unlease(int64_t run_id);
  // Adds to / removes from undelivered_ (by the run's target and due time).
  void File(int64_t run_id, const OpenRun& run);
  void Unfile(int64_t run_id, const OpenRun& run);
  // One delivered open run fewer for `agent_id`.
  void CountOut(const std::string& agent_id);
  void Reload(int64_t run_id);
  std::optional<WallTime> RetryAt(int attempt) const;
  Status Close(int64_t run_id, store::RunResult result, const std::string& message, bool may_retry);
  SteadyTime SteadyFor(WallTime wall) const;
  void Publish(const store::RunRecord& run);
  void PublishById(int64_t run_id);

  const Clock& clock_;
  store::SqliteStore& store_;
  Timer& timer_;
  Settings settings_;
  bool started_ = false;

  MinHeap<FireKey> fires_;
  // Entries of fires_ whose jobs were unscheduled: skipped when they come due.
  std::set<FireKey> dequeued_;
  std::unordered_map<int64_t, OpenRun> open_;             // by run id
  std::unordered_map<std::string, int64_t> open_by_job_;  // job id → its open run
  std::unordered_map<std::string, int> in_flight_;        // agent id → delivered open runs
  // Undelivered open runs as (due ms, run id), by target ("agent:<id>/<store type>" or
  // "pool:<id>/<store type>"), so that an agent's due work is found without a query.
  std::unordered_map<std::string, std::set<std::pair<int64_t, int64_t>>> undelivered_;
  MinHeap<std::pair<SteadyTime, int64_t>> leases_;  // (deadline, run id), lazy
  MinHeap<std::pair<int64_t, int64_t>> pending_;    // (due ms, run id) of future runs
  std::unordered_map<std::string, Poller> pollers_;  // by agent id
  // (deadline, order, agent id) of parked polls; entries of answered polls stay until popped.
  MinHeap<std::tuple<SteadyTime, uint64_t, std::string>> poll_deadlines_;
  uint64_t poll_order_ = 0;
  std::optional<SteadyTime> fire_blocked_until_;  // after a failed fire write
  std::optional<SteadyTime> armed_;               // the timer's deadline while armed
  std::optional<SteadyTime> fire_slice_ended_;    // a pass left due fires for the next one
  SteadyTime next_prune_{};
  std::chrono::system_clock::duration wall_offset_{};  // wall − steady at the last look
  SchedulerStats stats_;
  std::map<uint64_t, RunListener> listeners_;
  uint64_t next_listener_ = 0;
};

}  // namespace orch::scheduler
