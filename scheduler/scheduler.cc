// The Scheduler's own work: its life cycle, the timer (firing, lease expiry, pruning) and what
// the rest of orchd tells it; scheduler_fire.cc holds the firing itself and unscheduling,
// scheduler_dispatch.cc the agent-facing half.
#include "scheduler/scheduler.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "jobs/bounded_json.h"
#include "jobs/iso_time.h"
#include "jobs/schedule.h"
#include "scheduler/fire_decision.h"

namespace orch::scheduler {
namespace {

using std::chrono::milliseconds;
using store::RunRecord;
using store::RunStatus;
using store::RunResult;

std::shared_ptr<spdlog::logger> Log() {
  return GetLogger("scheduler");
}

// The timer never sleeps longer than this, so a wall-clock jump is noticed within it.
constexpr auto kMaxSleep = std::chrono::seconds(1);
// A wall clock that moved this much against the steady clock is reported as a jump.
constexpr auto kClockJump = std::chrono::seconds(2);
// After a failed write closing an expired lease, it is tried again this much later.
constexpr auto kLeaseCloseRetry = std::chrono::seconds(1);
constexpr int64_t kPruneBatch = 10000;
constexpr auto kPruneEvery = std::chrono::minutes(10);

std::chrono::nanoseconds WallMinusSteady(const Clock& clock) {
  return clock.WallNow().time_since_epoch() - clock.SteadyNow().time_since_epoch();
}

}  // namespace

Scheduler::Scheduler(const Clock& clock, store::Repositories& store, store::StoreWriter& writer,
                     store::StoreReader& reader, Timer& timer, Settings settings)
    : clock_(clock),
      store_(store),
      writer_(writer),
      reader_(reader),
      timer_(timer),
      settings_(std::move(settings)),
      retry_(settings_),
      runs_(clock) {}

Scheduler::~Scheduler() {
  timer_.Cancel();
}

Status Scheduler::Start() {
  store::RunRepository& runs = store_.runs();
  ORCH_ASSIGN_OR_RETURN(std::vector<store::FireEntry> entries, runs.LoadFireQueue());
  fires_.Load(std::move(entries));
  ORCH_ASSIGN_OR_RETURN(std::vector<RunRecord> open, runs.LoadOpenRuns());
  for (const RunRecord& run : open) {
    runs_.Add(run);
    // Handed out before the restart but not started: the answer may never have arrived.
    if (!run.agent_id.empty() && run.status == RunStatus::kWaiting) {
      redeliver_[run.agent_id].push_back(run.run_id);
    }
  }
  ORCH_ASSIGN_OR_RETURN(std::vector<store::AgentInPool> members,
                        store_.pools().ListAgentsInPools());
  pools_.Replace(pools_.BeginRead(), members);
  wall_offset_ = WallMinusSteady(clock_);
  next_prune_ = clock_.SteadyNow();
  started_ = true;
  Log()->info("scheduler: {} scheduled job(s), {} open run(s)", fires_.size(), runs_.size());
  OnTimer();
  return Status::Ok();
}

void Scheduler::Stop() {
  polls_.AnswerAll();
  timer_.Cancel();
  armed_.reset();
  started_ = false;
}

void Scheduler::SetSettings(Settings settings) {
  settings_ = std::move(settings);
  retry_ = RetryPolicy(settings_);
}

void Scheduler::JobsAccepted(const std::vector<store::FireEntry>& entries) {
  for (const store::FireEntry& e : entries) fires_.Push(e);
  if (started_) Arm();
}

void Scheduler::StoresChanged(const std::vector<std::string>& store_ids) {
  reader_.Read<std::vector<RunRecord>>(
      [store_ids](store::Repositories& store) {
        return store.runs().WaitingRunsOfStores(store_ids);
      },
      [this, alive = std::weak_ptr<int>(alive_)](StatusOr<std::vector<RunRecord>> waiting) {
        if (alive.expired()) return;
        if (!waiting.ok()) {
          Log()->error("re-filing the waiting runs of re-bound stores: {}",
                       waiting.status().ToString());
          return;
        }
        for (const RunRecord& run : *waiting) {
          if (Refileable(run.run_id)) runs_.Add(run);
        }
        DispatchToPollers();
      });
}

bool Scheduler::Refileable(int64_t run_id) const {
  const OpenRun* open = runs_.Find(run_id);
  return open != nullptr && open->agent_id.empty() && !busy_.contains(run_id);
}

void Scheduler::PoolsChanged() {
  const uint64_t read = pools_.BeginRead();
  reader_.Read<std::vector<store::AgentInPool>>(
      [](store::Repositories& store) { return store.pools().ListAgentsInPools(); },
      [this, alive = std::weak_ptr<int>(alive_),
       read](StatusOr<std::vector<store::AgentInPool>> members) {
        if (alive.expired()) return;
        if (!members.ok()) {
          Log()->error("reading the members of agent pools: {}", members.status().ToString());
          return;
        }
        if (pools_.Replace(read, *members)) DispatchToPollers();
      });
}

void Scheduler::RunsCreated(const std::vector<RunRecord>& runs) {
  for (const RunRecord& run : runs) {
    runs_.Add(run);
    publisher_.Publish(run);
  }
  DispatchToPollers();
  if (started_) Arm();
}

void Scheduler::OnTimer() {
  if (!started_) return;
  NoteWallClock();
  FireDue();
  ExpireLeases();
  DispatchDuePending();
  polls_.Expire(clock_.SteadyNow());
  PruneHistory();
  Arm();
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats stats = stats_;
  stats.scheduled_jobs = static_cast<int64_t>(fires_.size());
  stats.open_runs = static_cast<int64_t>(runs_.size());
  stats.polling_agents = static_cast<int64_t>(polls_.size());
  return stats;
}

void Scheduler::ExpireLeases() {
  while (std::optional<int64_t> run_id = runs_.NextExpiredLease()) {
    // A run whose start or close is being written is looked at again once it is answered.
    if (busy_.contains(*run_id)) {
      expired_busy_.insert(*run_id);
      continue;
    }
    const OpenRun& open = *runs_.Find(*run_id);
    Log()->warn("run {} of job {}: the lease of agent {} expired", *run_id, open.job_id,
                open.agent_id);
    Close(*run_id, RunResult::kFailure, "lease expired", true, [this, id = *run_id](Status s) {
      if (s.ok()) {
        ++stats_.leases_expired;
        return;
      }
      Log()->error("run {}: closing the expired lease failed, retrying in {} s: {}", id,
                   std::chrono::seconds(kLeaseCloseRetry).count(), s.ToString());
      runs_.RenewLease(id, clock_.SteadyNow() + kLeaseCloseRetry);
      if (started_) Arm();
    });
  }
}

void Scheduler::DispatchDuePending() {
  if (runs_.TakeDuePending()) DispatchToPollers();
}

void Scheduler::PruneHistory() {
  const SteadyTime steady = clock_.SteadyNow();
  if (steady < next_prune_) return;
  // One prune at a time: the next is planned when this one is answered.
  next_prune_ = steady + kPruneEvery;
  const WallTime success_before = clock_.WallNow() - settings_.retain_success;
  const WallTime other_before = clock_.WallNow() - settings_.retain_failure;
  writer_.Submit<int64_t>(
      [success_before, other_before](store::Repositories& writer) {
        return writer.runs().Prune(success_before, other_before, kPruneBatch);
      },
      [this, alive = std::weak_ptr<int>(alive_)](StatusOr<int64_t> pruned) {
        if (alive.expired()) return;
        const SteadyTime answered = clock_.SteadyNow();
        if (!pruned.ok()) {
          Log()->error("pruning job history: {}", pruned.status().ToString());
          next_prune_ = answered + kPruneEvery;
          return;
        }
        stats_.pruned += *pruned;
        if (*pruned > 0) Log()->info("pruned {} job history row(s) past retention", *pruned);
        // A full batch means more are due: continue soon, in small steps that keep the loop
        // lively.
        next_prune_ = answered + (*pruned == kPruneBatch ? std::chrono::seconds(1) : kPruneEvery);
        if (started_) Arm();
      });
}

void Scheduler::NoteWallClock() {
  const std::chrono::nanoseconds offset = WallMinusSteady(clock_);
  const std::chrono::nanoseconds moved = offset - wall_offset_;
  if (moved > kClockJump || moved < -kClockJump) {
    Log()->warn("wall clock moved by {} s against the monotonic clock; fire times follow it",
                std::chrono::duration_cast<std::chrono::seconds>(moved).count());
  }
  wall_offset_ = offset;
}

void Scheduler::Arm() {
  const SteadyTime now = clock_.SteadyNow();
  SteadyTime deadline = now + kMaxSleep;
  auto earlier = [&](SteadyTime t) { deadline = std::min(deadline, std::max(t, now)); };
  // While the most fire batches are in the writer, the next is submitted when one lands.
  std::optional<int64_t> fire_ms = fires_.NextFireMs();
  if (fire_ms && fire_batches_in_flight_ < kMaxFireBatchesInFlight) {
    earlier(fire_blocked_until_ ? *fire_blocked_until_
                                : SteadyFor(clock_, jobs::FromUnixMillis(*fire_ms)) - kFireAhead);
  }
  if (std::optional<SteadyTime> run_deadline = runs_.NextDeadline()) earlier(*run_deadline);
  if (std::optional<SteadyTime> poll_end = polls_.NextWakeUp()) earlier(*poll_end);
  earlier(next_prune_);
  // An alarm that rings no later stays: re-arming it on every call (each completion calls
  // this) could push it back for as long as calls keep coming.
  if (armed_ && *armed_ <= deadline) return;
  armed_ = deadline;
  timer_.ArmAt(deadline, [this] {
    armed_.reset();
    OnTimer();
  });
}

uint64_t Scheduler::Subscribe(RunListener listener) {
  return publisher_.Subscribe(std::move(listener));
}

void Scheduler::Unsubscribe(uint64_t handle) {
  publisher_.Unsubscribe(handle);
}

void Scheduler::RunsChanged(const std::vector<int64_t>& run_ids) {
  for (int64_t id : run_ids) PublishById(id);
}

void Scheduler::PublishById(int64_t run_id) {
  if (publisher_.empty()) return;
  ReadRun(run_id, [this, run_id](StatusOr<std::optional<RunRecord>> run) {
    if (!run.ok()) {
      Log()->error("run {}: reading it for followers: {}", run_id, run.status().ToString());
      return;
    }
    if (*run) publisher_.Publish(**run);
  });
}

void Scheduler::ReadRun(int64_t run_id,
                        std::function<void(StatusOr<std::optional<RunRecord>>)> done) {
  reader_.Read<std::optional<RunRecord>>(
      [run_id](store::Repositories& store) { return store.runs().FindRun(run_id); },
      [alive = std::weak_ptr<int>(alive_),
       done = std::move(done)](StatusOr<std::optional<RunRecord>> run) {
        if (!alive.expired()) done(std::move(run));
      });
}

}  // namespace orch::scheduler
