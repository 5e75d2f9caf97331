// OpenRunIndex: the open (Waiting or InProcess) runs the scheduler knows, by run id, with the
// secondary indexes that make its decisions cheap:
// - the open run of each job (for configuration calls, which name the job);
// - the delivered runs each agent holds (dispatch offers work to the least busy agent first);
// - the undelivered runs by target, ordered by due time, so that an agent's due work is found
//   without a query; a target is the store's agent or pool with the store type an agent must
//   serve ("agent:<id>/<store type>" or "pool:<id>/<store type>");
// - the lease deadlines of delivered runs and the due times of runs not due yet, as lazy heaps
//   (an entry that no longer matches its run is skipped when it comes up).
// Every change goes through this class, which keeps the indexes in step with the runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "scheduler/types.h"
#include "store/run_repository.h"

namespace orch::scheduler {

/// What is kept in memory of an open run.
struct OpenRun {
  std::string job_id;
  std::string agent_id;  // "" while undelivered
  store::RunStatus status = store::RunStatus::kWaiting;
  int attempt = 1;
  WallTime due;
  std::optional<SteadyTime> lease_deadline;  // set exactly while delivered
  std::string target;  // where it waits for an agent; "" for a store bound to nothing
};

/// The open runs and their indexes. Reads the clock for "due now" and for lease ends.
class OpenRunIndex {
 public:
  /// REQUIRES: clock outlives the index.
  explicit OpenRunIndex(const Clock& clock);

  /// Tracks `run` as the store holds it, replacing what was known of it. A delivered run keeps
  /// the wall-clock end of its lease (granted before a restart, say), or ends it now when it
  /// has none. REQUIRES: run.status is Waiting or InProcess.
  void Add(const store::RunRecord& run);
  /// Forgets the run (it was closed); nothing when it is not tracked.
  void Remove(int64_t run_id);
  /// Hands the undelivered run to `agent_id`, leased until `lease_deadline`.
  void MarkDelivered(int64_t run_id, const std::string& agent_id, SteadyTime lease_deadline);
  /// Takes a delivered run back from its agent (the delivery was not written): it is Waiting
  /// for any agent of its target again.
  void MarkUndelivered(int64_t run_id);
  /// Notes that the delivered run was started (InProcess) by its agent.
  void MarkStarted(int64_t run_id);
  /// Sets the lease deadline of a delivered run to `deadline` (its expiry is looked at again
  /// then: the close of the expired lease was not written, say); nothing for other runs.
  void RenewLease(int64_t run_id, SteadyTime deadline);

  /// The open run `run_id`, or null. Valid until the next change.
  const OpenRun* Find(int64_t run_id) const;
  /// The run id of `job_id`'s open run (the one tracked last), or nullopt.
  std::optional<int64_t> RunOfJob(const std::string& job_id) const;
  /// How many delivered open runs `agent_id` holds.
  int InFlight(const std::string& agent_id) const;

  /// Up to `limit` undelivered runs due by now that `agent` may take: those of its own
  /// targets and of its pool's (`pool_id`), for the store types it serves; earliest due first.
  /// The cost grows with `limit`, not with the backlog.
  std::vector<int64_t> Pick(const AgentIdentity& agent, const std::string& pool_id,
                            int limit) const;
  /// Pops lease deadlines that have passed until one belongs to a run still delivered under
  /// that lease, and answers that run; nullopt when there is none. The run stays delivered:
  /// the caller closes it before asking again.
  std::optional<int64_t> NextExpiredLease();
  /// Drops the due times that have come; answers whether one of them belonged to a run that
  /// is still open (so there is new work to offer).
  bool TakeDuePending();
  /// The earliest lease deadline or due time of a run not due yet, or nullopt.
  std::optional<SteadyTime> NextDeadline() const;

  /// Whether any run waits for an agent.
  bool HasUndelivered() const { return !undelivered_.empty(); }
  size_t size() const { return open_.size(); }
  /// The ids of the open runs, ascending (tests compare them with the store's).
  std::vector<int64_t> Ids() const;

  /// Checks every secondary index against the open runs; Internal naming the first mismatch.
  /// For tests: it walks everything.
  Status Verify() const;

 private:
  using Queue = std::set<std::pair<int64_t, int64_t>>;  // (due ms, run id)

  // Adds to / removes from undelivered_ (by the run's target and due time).
  void File(int64_t run_id, const OpenRun& run);
  void Unfile(int64_t run_id, const OpenRun& run);
  // One delivered open run fewer for `agent_id`.
  void CountOut(const std::string& agent_id);

  const Clock& clock_;
  std::unordered_map<int64_t, OpenRun> open_;             // by run id
  std::unordered_map<std::string, int64_t> open_by_job_;  // job id → its open run
  std::unordered_map<std::string, int> in_flight_;        // agent id → delivered open runs
  std::unordered_map<std::string, Queue> undelivered_;    // by target; no empty queues
  // Min-heaps (std::*_heap with std::greater) of (lease deadline, run id) and of (due ms,
  // run id) for runs not due when tracked; lazy: entries of closed or changed runs linger.
  std::vector<std::pair<SteadyTime, int64_t>> leases_;
  std::vector<std::pair<int64_t, int64_t>> pending_;
};

}  // namespace orch::scheduler
