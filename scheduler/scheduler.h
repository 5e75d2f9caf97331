// Scheduler: fires jobs on time, hands their runs to agents, and keeps leases, retries and
// the history honest (SPEC §5). Every scheduled job's next fire time is held in memory; one
// Timer is armed for the earliest deadline of all kinds (fire, lease, retry, poll, pruning).
//
// The scheduler coordinates parts that each keep one kind of state and know nothing of the
// store or of each other:
// - FireQueue: the (fire time, job) entry of every scheduled job, earliest first;
// - OpenRunIndex: the open runs with their indexes by job, by agent, by target and due time,
//   and their lease deadlines;
// - PollParking: the agents' long polls waiting for work, and when they end;
// - RetryPolicy: whether and when a failed run is tried again;
// - RunPublisher: the listeners told of every run written or changed;
// - PoolMembership: the custom pool of each agent.
// The scheduler itself makes the store calls, decides the order of things, keeps the counters
// and arms the timer.
//
// Durable state lives in the store: a fire writes its run before anything is delivered, and
// Start() rebuilds the memory from the store's repositories after a restart or a crash. After
// that the event loop never waits on the store: fires, cancellations, leases, starting and
// closing runs and pruning go through the StoreWriter (in the order they are submitted), and
// the few reads (a run to publish or to track again, the waiting runs of a re-bound store, the
// pools' members) go through the StoreReader. Memory changes only once a write is committed
// (a failed write leaves it as it was), and a run with a write in flight takes no other call
// until it is answered.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"
#include "scheduler/fire_queue.h"
#include "scheduler/open_run_index.h"
#include "scheduler/poll_parking.h"
#include "scheduler/pool_membership.h"
#include "scheduler/retry_policy.h"
#include "scheduler/run_publisher.h"
#include "scheduler/timer.h"
#include "scheduler/types.h"
#include "store/store_reader.h"
#include "store/repositories.h"
#include "store/run_repository.h"
#include "store/store_writer.h"

namespace orch::scheduler {

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
  // `completed` by the Result they were closed with.
  int64_t completed_unknown = 0;
  int64_t completed_success = 0;
  int64_t completed_warning = 0;
  int64_t completed_failure = 0;
  int64_t retried = 0;
  int64_t leases_expired = 0;
  int64_t redelivered = 0;  // runs handed again to their agent (after a restart, a lost answer)
  int64_t pruned = 0;
  /// How long after its ScheduledFor each fired run was written, in seconds.
  metrics::Histogram fire_lateness{metrics::LatenessBounds()};
};

/// What a configuration call finds.
struct Configured {
  store::RunRecord run;
  /// The job was unscheduled before the agent started: the run is closed, do not run it.
  bool cancelled = false;
};

/// Single-threaded: every method runs on the thread that owns the store and the timer, and
/// so does every callback it answers through (the writer's answers come back on that thread).
class Scheduler {
 public:
  /// `store` is read by Start() only; `writer` takes every write and `reader` every read
  /// after that. REQUIRES: clock, store, writer, reader and timer outlive the scheduler.
  Scheduler(const Clock& clock, store::Repositories& store, store::StoreWriter& writer,
            store::StoreReader& reader, Timer& timer, Settings settings);
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
  /// Jobs the store has just unscheduled: their fire-queue entries `dequeued`
  /// (JobStore::Unschedule()) no longer count or fire, and their undelivered runs are
  /// cancelled through the writer, after any fire of theirs already submitted; `done` gets
  /// the cancel's outcome once it is committed and memory follows it.
  void JobsUnscheduled(const std::vector<std::string>& job_ids,
                       const std::vector<store::FireEntry>& dequeued,
                       std::function<void(Status)> done);
  /// Stores whose agent or pool binding may have changed: their waiting runs are read again
  /// (through the reader) and filed under the new binding.
  void StoresChanged(const std::vector<std::string>& store_ids);
  /// Pools were created, replaced or deleted, or their members changed: the memberships are
  /// read again (through the reader); until they are, polls use the previous ones (a lease
  /// the store no longer allows is refused by the store all the same).
  void PoolsChanged();
  /// Runs created outside the scheduler (Reschedule): they wait for an agent.
  void RunsCreated(const std::vector<store::RunRecord>& runs);

  /// Answers `done` with the due runs `agent` may take now once their leases are committed
  /// (through the writer), with any leased to it for a poll that ended first and any it was
  /// handed before a restart and never started (their leases restarted). For registrations.
  using TakeCallback = std::function<void(StatusOr<std::vector<store::RunRecord>>)>;
  void TakeDueRuns(const AgentIdentity& agent, TakeCallback done);
  /// Answers `done` as soon as runs are due for `agent` and their leases are committed (through
  /// the writer), or empty after `wait`. Runs handed to the agent before a restart, or in an
  /// answer that did not reach it (Unsent()), and never started are handed again first, their
  /// leases restarted. A new poll of the same agent answers the earlier one
  /// empty; runs leased for a poll that ended meanwhile go to the agent's next poll.
  void Poll(const AgentIdentity& agent, std::chrono::milliseconds wait, PollCallback done);
  /// The answer that handed `run_ids` to `agent_id` (a poll's or a registration's) was not
  /// sent: its connection closed first. Those still leased to the agent and not started are
  /// handed to it again, with the same ids and their leases restarted, at its next poll or
  /// registration, or at once to a poll of it that is parked now; meanwhile their leases
  /// stand. Runs already started keep their leases.
  void Unsent(const std::string& agent_id, const std::vector<int64_t>& run_ids);
  /// The agent's configuration call for `job_id`: marks its delivered run InProcess, or closes
  /// it when the job was unscheduled, and answers `done` once that is committed (a failed
  /// write answers its error and changes nothing). FailedPrecondition at once, with nothing
  /// written, when the agent holds no such run or a write of that run is still in flight.
  void Configure(const std::string& agent_id, const std::string& job_id,
                 std::function<void(StatusOr<Configured>)> done);
  /// The agent's completion, answered in `done` once it is committed. FailedPrecondition at
  /// once (and nothing changes) for an unknown run, a run of another agent or job, a run not
  /// started, one whose lease was given up, or one with a write still in flight (a duplicate).
  void Complete(const std::string& agent_id, const std::string& job_id, int64_t run_id,
                store::RunResult result, const std::string& message,
                std::function<void(Status)> done);

  /// Runs everything that is due and re-arms the timer (the Timer's callback).
  void OnTimer();

  /// Calls `listener` for every run written or changed from now on; answers a handle for
  /// Unsubscribe(). A listener may unsubscribe itself from inside its call.
  uint64_t Subscribe(RunListener listener);
  void Unsubscribe(uint64_t handle);
  /// Tells listeners of runs changed outside the scheduler (Acknowledge).
  void RunsChanged(const std::vector<int64_t>& run_ids);

  SchedulerStats stats() const;
  /// What memory holds, for tests that compare it with the store: the ids of the open runs,
  /// ascending, and the queued fires, earliest first.
  std::vector<int64_t> OpenRunIds() const { return runs_.Ids(); }
  std::vector<store::FireEntry> QueuedFires() const { return fires_.Entries(); }

 private:
  // An agent asking for work, and the pool it belongs to.
  struct Want {
    const AgentIdentity* agent;
    const std::string* pool_id;
  };

  // What the fire decisions, made on the writer's thread, leave for the loop.
  struct FireTally {
    std::vector<store::FireEntry> next;  // the jobs' next fires
    int64_t skipped_overlap = 0;
    int64_t missed_catchup = 0;
  };
  // Fire batches the writer may hold at once; more wait in the queue.
  static constexpr int kMaxFireBatchesInFlight = 4;
  // Jobs due within this are fired ahead of their instant: their runs are written as Waiting
  // for it and handed out when it comes, so the instant itself costs only the delivery. Long
  // enough for the writer to fire a burst of 100 000 jobs before it is due.
  static constexpr std::chrono::milliseconds kFireAhead{5000};
  // The leases of a dispatch round are written in parts of about this many runs (the first
  // part of a round smaller and written alone, so that the first agents are answered at
  // once), and at most this many parts at a time.
  static constexpr size_t kFirstDispatchRuns = 100;
  static constexpr size_t kDispatchRuns = 1000;
  static constexpr int kMaxDispatchWritesInFlight = 2;

  void FireDue();
  // Submits one batch of due entries to the writer; FireLanded() takes its answer.
  void SubmitFire(std::vector<store::FireEntry> batch, WallTime now);
  void FireLanded(const std::vector<store::FireEntry>& batch, const FireTally& tally,
                  StatusOr<std::vector<store::RunRecord>> written);
  // Queues a next fire or a returned entry, unless its job was unscheduled meanwhile.
  void Requeue(const store::FireEntry& entry);
  void ExpireLeases();
  void DispatchDuePending();
  void PruneHistory();
  void NoteWallClock();
  void Arm();
  // Offers the due runs to the parked polls; answers those that were handed some.
  void DispatchToPollers();
  // Reserves runs for `wants` and writes their leases through the writer; the polls of
  // `agent_ids` (one per want) are answered once the leases are committed.
  void SubmitDispatch(const std::vector<Want>& wants, std::vector<std::string> agent_ids);
  // The runs handed out per want, in the order of the wants.
  using Handed = std::vector<std::vector<store::RunRecord>>;
  // Runs picked for agents and reserved in memory (leased, busy) while their leases are
  // written: the deliveries, and each want's delivery (SIZE_MAX: none).
  struct Reservation {
    std::vector<store::Delivery> deliveries;
    std::vector<size_t> delivery_of;
  };
  // Hands each agent the due runs it may take (at most max_runs_per_delivery), their leases
  // written through the writer in one write; `done` gets the runs once they are committed (at
  // once when there is nothing to hand).
  void HandLater(const std::vector<Want>& wants, std::function<void(StatusOr<Handed>)> done);
  Reservation Reserve(const std::vector<Want>& wants);
  // Follows the written leases in memory (a failed write hands the runs back).
  StatusOr<Handed> Landed(const Reservation& reservation, StatusOr<store::Delivered> delivered);
  // Runs leased to an agent whose poll ended before they were written: its next call gets them.
  void Owe(const std::string& agent_id, std::vector<store::RunRecord> runs);
  std::vector<store::RunRecord> TakeOwed(const std::string& agent_id);
  // The part of Poll() that hands out new runs or parks the poll (`generation`: Poll()'s).
  void PollForNewRuns(const AgentIdentity& agent, std::chrono::milliseconds wait,
                      uint64_t generation, PollCallback done);
  // Hands `agent_id` again the runs leased to it that it has not started and whose answer may
  // not have reached it (before a restart, or Unsent()), their leases restarted through the
  // writer; `done` gets them once committed (empty: none).
  void Redeliver(const std::string& agent_id,
                 std::function<void(std::vector<store::RunRecord>)> done);
  // Tracks the run as the store holds it now, or forgets it when it is no longer open, once
  // it is read (through the reader), unless memory changed it meanwhile.
  void Reload(int64_t run_id);
  // Whether memory still holds the run as waiting undelivered with no write in flight, so that
  // what was read of it may replace what memory holds.
  bool Refileable(int64_t run_id) const;
  // Completes the run in the store with `result` through the writer; a failure that
  // `may_retry` is written with its retry (RetryPolicy), which is then tracked like any new
  // run. Memory changes once the write is committed; `done` gets the outcome.
  void Close(int64_t run_id, store::RunResult result, std::string message, bool may_retry,
             std::function<void(Status)> done);
  // Counts a closed run in stats_, by its result.
  void CountCompletion(store::RunResult result);
  // Marks the run as having a write in flight; Settle() ends that.
  void Busy(int64_t run_id);
  // The write of `run_id` is answered: a lease that expired meanwhile is handled now.
  void Settle(int64_t run_id);
  // Answers `done` with the configuration answer of a started run, as the store holds it now.
  void AnswerStarted(int64_t run_id, std::function<void(StatusOr<Configured>)> done);
  // The configuration answer of a started run, `run` as read by the write that started it.
  StatusOr<Configured> StartedAnswer(int64_t run_id, std::optional<store::RunRecord> run);
  // Tells the listeners of the run as the store holds it now.
  void PublishById(int64_t run_id);
  // Reads the run `run_id` through the reader; `done` runs on the loop unless the scheduler
  // is gone by then.
  void ReadRun(int64_t run_id, std::function<void(StatusOr<std::optional<store::RunRecord>>)> done);

  const Clock& clock_;
  store::Repositories& store_;
  store::StoreWriter& writer_;
  store::StoreReader& reader_;
  Timer& timer_;
  Settings settings_;
  RetryPolicy retry_;  // from settings_
  bool started_ = false;

  FireQueue fires_;
  OpenRunIndex runs_;
  PollParking polls_;
  RunPublisher publisher_;
  PoolMembership pools_;
  std::optional<SteadyTime> fire_blocked_until_;  // after a failed fire write
  std::optional<SteadyTime> armed_;               // the timer's deadline while armed
  std::optional<SteadyTime> fire_slice_ended_;    // a pass left due fires for the next one
  SteadyTime next_prune_{};
  std::chrono::system_clock::duration wall_offset_{};  // wall − steady at the last look
  SchedulerStats stats_;
  // Fire batches in the writer, the job rows they hold (row → batches), and those of them
  // unscheduled meanwhile (their entries are not queued again when the batch lands).
  int fire_batches_in_flight_ = 0;
  std::unordered_map<int64_t, int> firing_jobs_;
  std::unordered_set<int64_t> unscheduled_firing_;
  // The latest poll of each agent (a poll whose leases land after a newer one began ends then),
  // the agents whose parked poll has a dispatch in the writer, and the runs owed to agents.
  std::unordered_map<std::string, uint64_t> poll_generation_;
  uint64_t polls_started_ = 0;
  std::unordered_set<std::string> dispatching_;
  int dispatch_writes_in_flight_ = 0;
  int dispatches_since_idle_ = 0;  // parts submitted in this round (none left in the writer: 0)
  std::unordered_map<std::string, std::vector<store::RunRecord>> owed_;
  // Runs leased and not started whose answer may not have reached their agent (found so at
  // start, or reported by Unsent()), by agent: handed again at its next call.
  std::unordered_map<std::string, std::vector<int64_t>> redeliver_;
  // Runs with a start or close in the writer, and those of them whose lease ran out meanwhile.
  std::unordered_set<int64_t> busy_;
  std::unordered_set<int64_t> expired_busy_;
  // Watched by the writer's answers: they do nothing once the scheduler is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace orch::scheduler
