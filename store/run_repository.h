// RunRepository: runs (executions of jobs, one row each — the job history) and the job changes that
// firing, completing and retrying them make. Each write is one transaction.
#pragma once

#include <cstdint>
#include <map>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "jobs/query.h"
#include "store/page.h"

namespace orch::store {

/// Run.Status (SPEC §3).
enum class RunStatus {
  kWaiting = 1,
  kInProcess = 2,
  kCompleted = 3,
  kAcknowledged = 4,
  kCompletedWillRetry = 5,
};

/// Run.Result (SPEC §3).
enum class RunResult { kUnknown = 0, kSuccess = 2, kWarning = 3, kFailure = 4 };

/// One run as stored, with the target of its job's store.
struct RunRecord {
  int64_t run_id = 0;  // JobHistoryId, AuditId
  std::string job_id;
  WallTime scheduled_for;
  int attempt = 1;
  RunStatus status = RunStatus::kWaiting;
  RunResult result = RunResult::kUnknown;
  std::string message;
  std::string agent_id;  // the agent it was delivered to; "" while undelivered
  std::string agent_machine;
  std::string client_machine;
  std::string store_path;
  int store_type = 0;
  std::string job_type;
  std::optional<std::string> schedule_type;
  std::optional<WallTime> lease_expires;
  std::optional<WallTime> operation_start;
  std::optional<WallTime> operation_end;
  std::optional<WallTime> finished_at;
  /// The store's binding (read from the store, not the run): one of the two is set.
  std::string target_agent_id;
  std::string target_pool_id;
  /// The store's container, for container-scoped claims.
  std::optional<int64_t> container_id;
};

/// A scheduled job's place in the fire queue.
struct FireEntry {
  int64_t fire_ms = 0;  // next fire time, Unix milliseconds
  int64_t job_seq = 0;  // the job's row number
};

/// What the scheduler needs to decide a fire.
struct FireJob {
  int64_t job_seq = 0;
  std::string job_id;
  std::string schedule_json;
  WallTime requested;
  WallTime next_fire;
  bool has_open_run = false;  // a run of the job is Waiting or InProcess
};

/// The scheduler's decision for one due job.
struct FireDecision {
  /// Write a Waiting run scheduled for this instant; none: no run this time.
  std::optional<WallTime> run_at;
  int64_t skipped_overlap = 0;  // fires skipped because a run was still open
  int64_t missed_catchup = 0;   // fires skipped because they were too late
  /// The job's next fire; none: it fires no more (it stays Scheduled until its run ends).
  std::optional<WallTime> next_fire;
};

/// Runs handed to one agent in one answer (a registration or a poll).
struct Delivery {
  std::string agent_id;
  std::string agent_machine;
  std::string pool_id;  // the pool the agent belongs to
  WallTime lease_expires;
  std::vector<int64_t> run_ids;
};

/// What Deliver() did.
struct Delivered {
  /// Per delivery, in its order: the runs now leased to its agent, as stored.
  std::vector<std::vector<RunRecord>> runs;
  /// Runs that were not waiting for that agent any more.
  std::vector<int64_t> refused;
};

/// How an agent's completion closes a run.
struct RunCompletion {
  int64_t run_id = 0;
  RunResult result = RunResult::kUnknown;
  std::string message;
  WallTime now;
  /// When set, the run becomes CompletedWillRetry and a new Waiting run of the same job is
  /// written for this instant with attempt + 1.
  std::optional<WallTime> retry_at;
};

/// Query and sort fields of GET /OrchestratorJobs/JobHistory (SPEC §7.3) and of the Query of
/// Acknowledge and Reschedule.
const std::vector<jobs::QueryField>& RunQueryFields();

/// Runs, as the store keeps them: the interface every backend implements.
/// Each method is one transaction of its own unless the caller already holds one (a
/// StoreWriter group, a StoreReader snapshot).
class RunRepository {
 public:
  virtual ~RunRepository() = default;

  /// Every Scheduled job with a next fire time, as fire-queue entries.
  virtual StatusOr<std::vector<FireEntry>> LoadFireQueue() = 0;
  /// Every Waiting or InProcess run.
  virtual StatusOr<std::vector<RunRecord>> LoadOpenRuns() = 0;
  /// For each of `entries` whose job is still Scheduled with that next fire time, asks
  /// `decide` and writes its decision; others are skipped as stale. One transaction. Returns
  /// the runs written. A run whose (JobId, ScheduledFor) exists already is not written again.
  virtual StatusOr<std::vector<RunRecord>> Fire(
      const std::vector<FireEntry>& entries,
      const std::function<FireDecision(const FireJob&)>& decide) = 0;

  /// The run `run_id`, or nullopt.
  virtual StatusOr<std::optional<RunRecord>> FindRun(int64_t run_id) = 0;
  /// The Waiting, undelivered runs of jobs on the stores `store_ids`.
  virtual StatusOr<std::vector<RunRecord>> WaitingRunsOfStores(
      const std::vector<std::string>& store_ids) = 0;
  /// Leases each delivery's runs to its agent, all in one transaction. A run is refused (and
  /// left alone) unless it is Waiting, undelivered, and its store is still bound to the agent
  /// or to the agent's pool.
  virtual StatusOr<Delivered> Deliver(const std::vector<Delivery>& deliveries) = 0;
  /// Restarts, until `lease_expires`, the leases of the runs of `run_ids` that are delivered to
  /// `agent_id` and not started: a delivery the agent may never have received (orchd stopped
  /// before its answer was written, say) is made again with the same runs. Answers those runs
  /// as stored; the others are left alone.
  virtual StatusOr<std::vector<RunRecord>> Redeliver(const std::string& agent_id,
                                                     const std::vector<int64_t>& run_ids,
                                                     WallTime lease_expires) = 0;
  /// Marks a delivered run InProcess with OperationStart `now`.
  virtual Status Start(int64_t run_id, WallTime now) = 0;
  /// Closes a run as `completion` says; a one-shot job whose last run closed without a retry
  /// becomes Finished. Returns the retry run when one was written.
  virtual StatusOr<std::optional<RunRecord>> Complete(const RunCompletion& completion) = 0;
  /// Closes every undelivered Waiting run of `job_ids` (Completed, Result Unknown, `message`)
  /// and returns their ids.
  virtual StatusOr<std::vector<int64_t>> CancelWaiting(const std::vector<std::string>& job_ids,
                                                       std::string_view message, WallTime now) = 0;

  /// One page of history. REQUIRES: paging built from RunQueryFields().
  virtual StatusOr<Page<RunRecord>> ListRuns(const jobs::Paging& paging) = 0;
  /// How many runs have each status; statuses without runs are absent.
  virtual StatusOr<std::map<RunStatus, int64_t>> CountRunsByStatus() = 0;
  /// Runs with run_id > `after_run_id`, oldest first, at most `limit` (a follower catching up).
  virtual StatusOr<std::vector<RunRecord>> RunsAfter(int64_t after_run_id, int limit) = 0;
  /// The ids of every run matching `filter` (from RunQueryFields()), at most `limit`.
  virtual StatusOr<std::vector<int64_t>> MatchRuns(const jobs::SqlFilter& filter,
                                                   int64_t limit) = 0;
  /// Acknowledge: every run of `run_ids` must be Completed with Result Warning or Failure
  /// (else FailedPrecondition naming it; NotFound for an unknown id; nothing changes);
  /// they become Acknowledged. Answers how many changed.
  virtual StatusOr<int64_t> Acknowledge(const std::vector<int64_t>& run_ids) = 0;
  /// Reschedule: every run of `run_ids` must be a closed Failure whose job has no open run
  /// (checks as Acknowledge); each gets a new Waiting run of its job at `now`, attempt 1.
  virtual StatusOr<std::vector<RunRecord>> Rerun(const std::vector<int64_t>& run_ids,
                                                 WallTime now) = 0;
  /// Deletes closed Success runs finished before `success_before` and other closed runs
  /// finished before `other_before`; at most `limit` rows. Answers how many went.
  virtual StatusOr<int64_t> Prune(WallTime success_before, WallTime other_before,
                                  int64_t limit) = 0;
};

}  // namespace orch::store
