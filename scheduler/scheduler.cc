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
#include "store/job_store.h"

namespace orch::scheduler {
namespace {

using std::chrono::milliseconds;
using store::RunRecord;
using store::RunResult;
using store::RunStatus;
using store::RunStore;

std::shared_ptr<spdlog::logger> Log() {
  return GetLogger("scheduler");
}

// The timer never sleeps longer than this, so a wall-clock jump is noticed within it.
constexpr auto kMaxSleep = std::chrono::seconds(1);
// A parked poll ends empty up to this long after its wait: polls that end close together are
// answered in one wake-up (a fleet of 10 000 agents renews about 170 polls a second).
constexpr auto kPollSlack = std::chrono::milliseconds(250);
// A wall clock that moved this much against the steady clock is reported as a jump.
constexpr auto kClockJump = std::chrono::seconds(2);
// Due jobs are fired in transactions of at most this many.
constexpr size_t kFireBatch = 1000;
// Firing holds the event loop for about this long before it lets other work in.
constexpr auto kFireSlice = std::chrono::milliseconds(100);
constexpr auto kMaxFireSlice = std::chrono::milliseconds(500);
// After a failed fire write the queue waits this long before trying again.
constexpr auto kFireRetry = std::chrono::seconds(1);
constexpr int64_t kPruneBatch = 10000;
constexpr auto kPruneEvery = std::chrono::minutes(10);

std::string AgentTarget(const std::string& agent_id, int store_type) {
  return "agent:" + agent_id + "/" + std::to_string(store_type);
}

std::string PoolTarget(const std::string& pool_id, int store_type) {
  return "pool:" + pool_id + "/" + std::to_string(store_type);
}

// Where a run waits: its store's agent or pool, and the store type an agent must serve.
std::string TargetOf(const RunRecord& run) {
  if (!run.target_agent_id.empty()) return AgentTarget(run.target_agent_id, run.store_type);
  if (!run.target_pool_id.empty()) return PoolTarget(run.target_pool_id, run.store_type);
  return "";  // a store bound to nothing: no agent takes its runs
}

std::chrono::nanoseconds WallMinusSteady(const Clock& clock) {
  return clock.WallNow().time_since_epoch() - clock.SteadyNow().time_since_epoch();
}

}  // namespace

Scheduler::Scheduler(const Clock& clock, store::SqliteStore& store, Timer& timer, Settings settings)
    : clock_(clock), store_(store), timer_(timer), settings_(std::move(settings)) {}

Scheduler::~Scheduler() {
  timer_.Cancel();
}

Status Scheduler::Start() {
  RunStore runs(store_);
  ORCH_ASSIGN_OR_RETURN(std::vector<store::FireEntry> entries, runs.LoadFireQueue());
  std::vector<FireKey> keys;
  keys.reserve(entries.size());
  for (const store::FireEntry& e : entries) keys.emplace_back(e.fire_ms, e.job_seq);
  entries = {};
  fires_ = MinHeap<FireKey>(std::greater<FireKey>(), std::move(keys));
  ORCH_ASSIGN_OR_RETURN(std::vector<RunRecord> open, runs.LoadOpenRuns());
  for (const RunRecord& run : open) Track(run);
  wall_offset_ = WallMinusSteady(clock_);
  next_prune_ = clock_.SteadyNow();
  started_ = true;
  Log()->info("scheduler: {} scheduled job(s), {} open run(s)", fires_.size(), open_.size());
  OnTimer();
  return Status::Ok();
}

void Scheduler::Stop() {
  std::unordered_map<std::string, Poller> pollers = std::move(pollers_);
  pollers_.clear();
  for (auto& [id, poller] : pollers) poller.done({});
  timer_.Cancel();
  armed_.reset();
  started_ = false;
}

void Scheduler::SetSettings(Settings settings) {
  settings_ = std::move(settings);
}

void Scheduler::JobsAccepted(const std::vector<store::FireEntry>& entries) {
  for (const store::FireEntry& e : entries) fires_.emplace(e.fire_ms, e.job_seq);
  if (started_) Arm();
}

Status Scheduler::JobsUnscheduled(const std::vector<std::string>& job_ids,
                                  const std::vector<store::FireEntry>& dequeued) {
  for (const store::FireEntry& e : dequeued) dequeued_.emplace(e.fire_ms, e.job_seq);
  ORCH_ASSIGN_OR_RETURN(std::vector<int64_t> cancelled,
                        RunStore(store_).CancelWaiting(
                            job_ids, "cancelled: the job was unscheduled", clock_.WallNow()));
  for (int64_t id : cancelled) {
    Untrack(id);
    PublishById(id);
  }
  return Status::Ok();
}

Status Scheduler::StoresChanged(const std::vector<std::string>& store_ids) {
  ORCH_ASSIGN_OR_RETURN(std::vector<RunRecord> waiting,
                        RunStore(store_).WaitingRunsOfStores(store_ids));
  for (const RunRecord& run : waiting) Track(run);
  DispatchToPollers();
  return Status::Ok();
}

void Scheduler::RunsCreated(const std::vector<RunRecord>& runs) {
  for (const RunRecord& run : runs) {
    Track(run);
    Publish(run);
  }
  DispatchToPollers();
  if (started_) Arm();
}

StatusOr<std::vector<RunRecord>> Scheduler::TakeDueRuns(const AgentIdentity& agent) {
  ORCH_ASSIGN_OR_RETURN(std::string pool, RunStore(store_).PoolOfAgent(agent.agent_id));
  ORCH_ASSIGN_OR_RETURN(std::vector<std::vector<RunRecord>> runs, Hand({{&agent, &pool}}));
  return std::move(runs.front());
}

void Scheduler::Poll(const AgentIdentity& agent, milliseconds wait, PollCallback done) {
  if (auto earlier = pollers_.find(agent.agent_id); earlier != pollers_.end()) {
    PollCallback answer = std::move(earlier->second.done);
    pollers_.erase(earlier);
    answer({});
  }
  StatusOr<std::string> pool = RunStore(store_).PoolOfAgent(agent.agent_id);
  StatusOr<std::vector<std::vector<RunRecord>>> runs =
      pool.ok() ? Hand({{&agent, &*pool}})
                : StatusOr<std::vector<std::vector<RunRecord>>>(pool.status());
  if (!runs.ok()) {
    Log()->error("poll of agent {}: {}", agent.agent_id, runs.status().ToString());
    done({});
    return;
  }
  // A stopped scheduler (draining) parks nothing: its polls would never be answered.
  if (!runs->front().empty() || wait <= milliseconds(0) || !started_) {
    done(std::move(runs->front()));
    return;
  }
  Poller poller{agent, *pool, clock_.SteadyNow() + wait, std::move(done), ++poll_order_};
  poll_deadlines_.emplace(poller.deadline, poller.order, agent.agent_id);
  pollers_.insert_or_assign(agent.agent_id, std::move(poller));
  Arm();
}

StatusOr<Configured> Scheduler::Configure(const std::string& agent_id, const std::string& job_id) {
  ExpireLeases();
  auto by_job = open_by_job_.find(job_id);
  auto it = by_job == open_by_job_.end() ? open_.end() : open_.find(by_job->second);
  if (it == open_.end() || it->second.agent_id != agent_id) {
    return FailedPreconditionError("no run of job " + job_id + " is leased to this agent");
  }
  const int64_t run_id = it->first;
  if (it->second.status == RunStatus::kWaiting) {
    ORCH_ASSIGN_OR_RETURN(store::JobRow job, store::JobStore(store_).GetJob(job_id));
    if (job.state == store::kJobUnscheduled) {
      ORCH_RETURN_IF_ERROR(Close(run_id, RunResult::kUnknown,
                                 "cancelled: the job was unscheduled before it ran", false));
      ORCH_ASSIGN_OR_RETURN(std::optional<RunRecord> closed, RunStore(store_).FindRun(run_id));
      Arm();
      return Configured{closed.value_or(RunRecord{}), true};
    }
    ORCH_RETURN_IF_ERROR(RunStore(store_).Start(run_id, clock_.WallNow()));
    it->second.status = RunStatus::kInProcess;
  }
  ORCH_ASSIGN_OR_RETURN(std::optional<RunRecord> run, RunStore(store_).FindRun(run_id));
  if (!run) return FailedPreconditionError("run " + std::to_string(run_id) + " is gone");
  Publish(*run);
  return Configured{std::move(*run), false};
}

Status Scheduler::Complete(const std::string& agent_id, const std::string& job_id, int64_t run_id,
                           RunResult result, const std::string& message) {
  ExpireLeases();
  const std::string name = "AuditId " + std::to_string(run_id);
  auto it = open_.find(run_id);
  if (it == open_.end()) return FailedPreconditionError(name + " is not an open run");
  if (it->second.job_id != job_id) {
    return FailedPreconditionError(name + " is not a run of job " + job_id);
  }
  if (it->second.agent_id != agent_id) {
    return FailedPreconditionError(name + " is not leased to this agent");
  }
  if (it->second.status != RunStatus::kInProcess) {
    return FailedPreconditionError(name + " has not been started by a configuration call");
  }
  ORCH_RETURN_IF_ERROR(Close(run_id, result, message, true));
  Arm();
  return Status::Ok();
}

void Scheduler::OnTimer() {
  if (!started_) return;
  NoteWallClock();
  FireDue();
  ExpireLeases();
  DispatchDuePending();
  ExpirePolls();
  PruneHistory();
  Arm();
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats stats = stats_;
  stats.scheduled_jobs = static_cast<int64_t>(fires_.size() - dequeued_.size());
  stats.open_runs = static_cast<int64_t>(open_.size());
  stats.polling_agents = static_cast<int64_t>(pollers_.size());
  return stats;
}

void Scheduler::FireDue() {
  if (fire_blocked_until_ && clock_.SteadyNow() < *fire_blocked_until_) return;
  fire_blocked_until_.reset();
  const WallTime now = clock_.WallNow();
  const int64_t now_ms = jobs::ToUnixMillis(now);
  // Firing takes turns with the rest of the event loop: a pass fires batches for kFireSlice,
  // or for as long as the loop spent elsewhere since the last pass when that was longer (so a
  // burst keeps about half of the loop however busy the agents keep it), up to kMaxFireSlice. Arm()
  // brings the timer straight back for the rest; the answers so far go out in between.
  const SteadyTime start = clock_.SteadyNow();
  SteadyTime slice_end = start + kFireSlice;
  if (fire_slice_ended_) {
    slice_end = std::max(slice_end, start + std::min<std::chrono::nanoseconds>(
                                                start - *fire_slice_ended_, kMaxFireSlice));
  }
  fire_slice_ended_.reset();
  while (!fires_.empty() && fires_.top().first <= now_ms && clock_.SteadyNow() < slice_end) {
    std::vector<store::FireEntry> batch;
    while (!fires_.empty() && fires_.top().first <= now_ms && batch.size() < kFireBatch) {
      if (dequeued_.erase(fires_.top()) == 0) batch.push_back({fires_.top().first, fires_.top().second});
      fires_.pop();
    }
    std::vector<FireKey> next;
    SchedulerStats counted;
    auto decide = [&](const store::FireJob& job) {
      StatusOr<nlohmann::json> stored = jobs::ParseJson(job.schedule_json);
      StatusOr<jobs::Schedule> schedule = stored.ok() ? jobs::ParseScheduleJson(*stored)
                                                      : StatusOr<jobs::Schedule>(stored.status());
      if (!schedule.ok()) {
        Log()->error("job {}: stored schedule unreadable, it fires no more: {}", job.job_id,
                     schedule.status().ToString());
        return store::FireDecision{};
      }
      store::FireDecision d = DecideFire(*schedule, job.requested, job.next_fire, now,
                                         job.has_open_run, settings_.catchup_window);
      if (d.next_fire) next.emplace_back(jobs::ToUnixMillis(*d.next_fire), job.job_seq);
      counted.skipped_overlap += d.skipped_overlap;
      counted.missed_catchup += d.missed_catchup;
      return d;
    };
    const SteadyTime fire_start = clock_.SteadyNow();
    StatusOr<std::vector<RunRecord>> written = RunStore(store_).Fire(batch, decide);
    Log()->debug("fired {} due job(s) in {} ms", batch.size(),
                 std::chrono::duration_cast<milliseconds>(clock_.SteadyNow() - fire_start).count());
    if (!written.ok()) {
      Log()->error("firing {} job(s) failed, retrying in {} s: {}", batch.size(),
                   std::chrono::seconds(kFireRetry).count(), written.status().ToString());
      for (const store::FireEntry& e : batch) fires_.emplace(e.fire_ms, e.job_seq);
      fire_blocked_until_ = clock_.SteadyNow() + kFireRetry;
      return;
    }
    for (const FireKey& key : next) fires_.push(key);
    for (const RunRecord& run : *written) {
      Track(run);
      Publish(run);
    }
    stats_.fired += static_cast<int64_t>(written->size());
    stats_.skipped_overlap += counted.skipped_overlap;
    stats_.missed_catchup += counted.missed_catchup;
    if (counted.skipped_overlap + counted.missed_catchup > 0) {
      // A job that missed several fires runs once, for the latest, when that is inside the
      // catch-up window: every other missed fire is counted, inside the window or not.
      Log()->info(
          "{} fire(s) skipped: {} overlapping a run in flight, {} missed while orchd was down "
          "or behind (older than the catch-up window, or superseded by a later missed fire)",
          counted.skipped_overlap + counted.missed_catchup, counted.skipped_overlap,
          counted.missed_catchup);
    }
    if (!written->empty()) DispatchToPollers();
  }
  if (!fires_.empty() && fires_.top().first <= now_ms) fire_slice_ended_ = clock_.SteadyNow();
}

void Scheduler::ExpireLeases() {
  const SteadyTime now = clock_.SteadyNow();
  while (!leases_.empty() && leases_.top().first <= now) {
    const auto [deadline, run_id] = leases_.top();
    leases_.pop();
    auto it = open_.find(run_id);
    if (it == open_.end() || it->second.lease_deadline != deadline) continue;
    Log()->warn("run {} of job {}: the lease of agent {} expired", run_id, it->second.job_id,
                it->second.agent_id);
    ++stats_.leases_expired;
    if (Status s = Close(run_id, RunResult::kFailure, "lease expired", true); !s.ok()) {
      Log()->error("run {}: closing the expired lease failed: {}", run_id, s.ToString());
    }
  }
}

void Scheduler::DispatchDuePending() {
  const int64_t now_ms = jobs::ToUnixMillis(clock_.WallNow());
  bool any = false;
  while (!pending_.empty() && pending_.top().first <= now_ms) {
    any = any || open_.contains(pending_.top().second);
    pending_.pop();
  }
  if (any) DispatchToPollers();
}

void Scheduler::ExpirePolls() {
  const SteadyTime now = clock_.SteadyNow();
  while (!poll_deadlines_.empty() && std::get<0>(poll_deadlines_.top()) <= now) {
    const auto [deadline, order, agent_id] = poll_deadlines_.top();
    poll_deadlines_.pop();
    auto it = pollers_.find(agent_id);
    if (it == pollers_.end() || it->second.order != order) continue;
    PollCallback done = std::move(it->second.done);
    pollers_.erase(it);
    done({});
  }
}

void Scheduler::PruneHistory() {
  const SteadyTime steady = clock_.SteadyNow();
  if (steady < next_prune_) return;
  const WallTime now = clock_.WallNow();
  StatusOr<int64_t> pruned = RunStore(store_).Prune(now - settings_.retain_success,
                                                    now - settings_.retain_failure, kPruneBatch);
  if (!pruned.ok()) {
    Log()->error("pruning job history: {}", pruned.status().ToString());
    next_prune_ = steady + kPruneEvery;
    return;
  }
  stats_.pruned += *pruned;
  if (*pruned > 0) Log()->info("pruned {} job history row(s) past retention", *pruned);
  // A full batch means more are due: continue soon, in small steps that keep the loop lively.
  next_prune_ = steady + (*pruned == kPruneBatch ? std::chrono::seconds(1) : kPruneEvery);
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
  if (!fires_.empty()) {
    earlier(fire_blocked_until_ ? *fire_blocked_until_
                                : SteadyFor(jobs::FromUnixMillis(fires_.top().first)));
  }
  if (!leases_.empty()) earlier(leases_.top().first);
  if (!pending_.empty()) earlier(SteadyFor(jobs::FromUnixMillis(pending_.top().first)));
  if (!poll_deadlines_.empty()) earlier(std::get<0>(poll_deadlines_.top()) + kPollSlack);
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

void Scheduler::Track(const RunRecord& run) {
  Untrack(run.run_id);  // a run tracked again (reloaded) replaces what was known of it
  OpenRun open{run.job_id,        run.agent_id, run.status,   run.attempt,
               run.scheduled_for, {},           TargetOf(run)};
  if (!run.agent_id.empty()) {
    ++in_flight_[run.agent_id];
    // A lease granted before a restart keeps its wall-clock end.
    open.lease_deadline = SteadyFor(run.lease_expires.value_or(clock_.WallNow()));
    leases_.emplace(*open.lease_deadline, run.run_id);
  } else {
    File(run.run_id, open);
    if (run.scheduled_for > clock_.WallNow()) {
      pending_.emplace(jobs::ToUnixMillis(run.scheduled_for), run.run_id);
    }
  }
  open_by_job_[run.job_id] = run.run_id;
  open_.insert_or_assign(run.run_id, std::move(open));
}

void Scheduler::Untrack(int64_t run_id) {
  auto it = open_.find(run_id);
  if (it == open_.end()) return;
  if (it->second.agent_id.empty()) {
    Unfile(run_id, it->second);
  } else {
    CountOut(it->second.agent_id);
  }
  if (auto job = open_by_job_.find(it->second.job_id);
      job != open_by_job_.end() && job->second == run_id) {
    open_by_job_.erase(job);
  }
  open_.erase(it);
}

void Scheduler::DispatchToPollers() {
  if (pollers_.empty() || undelivered_.empty()) return;
  // Fewest runs in flight first; among equals, the one polling longest.
  std::vector<std::pair<std::pair<int, uint64_t>, std::string>> order;
  for (const auto& [id, poller] : pollers_) {
    auto in_flight = in_flight_.find(id);
    order.push_back({{in_flight == in_flight_.end() ? 0 : in_flight->second, poller.order}, id});
  }
  std::sort(order.begin(), order.end());
  std::vector<Want> wants;
  wants.reserve(order.size());
  for (const auto& [rank, agent_id] : order) {
    const Poller& poller = pollers_.at(agent_id);
    wants.push_back({&poller.agent, &poller.pool_id});
  }
  const SteadyTime start = clock_.SteadyNow();
  StatusOr<std::vector<std::vector<RunRecord>>> runs = Hand(wants);
  Log()->debug("handed out due runs to {} polling agent(s) in {} ms", wants.size(),
               std::chrono::duration_cast<milliseconds>(clock_.SteadyNow() - start).count());
  if (!runs.ok()) {
    Log()->error("dispatch to {} polling agent(s): {}", wants.size(), runs.status().ToString());
    return;
  }
  for (size_t i = 0; i < order.size(); ++i) {
    if ((*runs)[i].empty()) continue;
    // Answers are sent from the event loop later, so no callback here ends another poll.
    auto it = pollers_.find(order[i].second);
    PollCallback done = std::move(it->second.done);
    pollers_.erase(it);
    done(std::move((*runs)[i]));
  }
}

std::vector<int64_t> Scheduler::Pick(const AgentIdentity& agent, const std::string& pool_id,
                                     int limit) {
  // The earliest due runs of every queue the agent serves, merged; each queue gives at most
  // `limit`, so the cost does not grow with the backlog.
  const int64_t now_ms = jobs::ToUnixMillis(clock_.WallNow());
  std::vector<std::pair<int64_t, int64_t>> due;
  auto take = [&](const std::string& target) {
    auto queue = undelivered_.find(target);
    if (queue == undelivered_.end()) return;
    int taken = 0;
    for (auto it = queue->second.begin();
         it != queue->second.end() && it->first <= now_ms && taken < limit; ++it, ++taken) {
      due.push_back(*it);
    }
  };
  for (int type : agent.store_types) {
    take(AgentTarget(agent.agent_id, type));
    take(PoolTarget(pool_id, type));
  }
  std::sort(due.begin(), due.end());  // a run sits in one queue only: no duplicates
  if (due.size() > static_cast<size_t>(limit)) due.resize(static_cast<size_t>(limit));
  std::vector<int64_t> ids;
  ids.reserve(due.size());
  for (const auto& [due_ms, run_id] : due) ids.push_back(run_id);
  return ids;
}

void Scheduler::Lease(int64_t run_id, const std::string& agent_id, SteadyTime deadline) {
  auto it = open_.find(run_id);
  if (it == open_.end()) return;
  Unfile(run_id, it->second);
  it->second.agent_id = agent_id;
  it->second.lease_deadline = deadline;
  leases_.emplace(deadline, run_id);
  ++in_flight_[agent_id];
}

void Scheduler::Unlease(int64_t run_id) {
  auto it = open_.find(run_id);
  if (it == open_.end() || it->second.agent_id.empty()) return;
  CountOut(it->second.agent_id);
  it->second.agent_id.clear();
  it->second.lease_deadline.reset();  // its entry in leases_ is ignored from now on
  File(run_id, it->second);
}

void Scheduler::File(int64_t run_id, const OpenRun& run) {
  undelivered_[run.target].emplace(jobs::ToUnixMillis(run.due), run_id);
}

void Scheduler::Unfile(int64_t run_id, const OpenRun& run) {
  auto queue = undelivered_.find(run.target);
  if (queue == undelivered_.end()) return;
  queue->second.erase({jobs::ToUnixMillis(run.due), run_id});
  if (queue->second.empty()) undelivered_.erase(queue);
}

void Scheduler::CountOut(const std::string& agent_id) {
  if (auto agent = in_flight_.find(agent_id); agent != in_flight_.end() && --agent->second <= 0) {
    in_flight_.erase(agent);
  }
}

void Scheduler::Reload(int64_t run_id) {
  StatusOr<std::optional<RunRecord>> run = RunStore(store_).FindRun(run_id);
  if (!run.ok()) {
    Log()->error("run {}: reading it back: {}", run_id, run.status().ToString());
    return;
  }
  const bool open =
      *run && ((*run)->status == RunStatus::kWaiting || (*run)->status == RunStatus::kInProcess);
  if (open) {
    Track(**run);
  } else {
    Untrack(run_id);
  }
}

StatusOr<std::vector<std::vector<RunRecord>>> Scheduler::Hand(const std::vector<Want>& wants) {
  const WallTime lease_end = clock_.WallNow() + settings_.lease;
  const SteadyTime deadline = clock_.SteadyNow() + settings_.lease;
  std::vector<store::Delivery> deliveries;
  std::vector<size_t> delivery_of(wants.size(), SIZE_MAX);
  for (size_t i = 0; i < wants.size(); ++i) {
    const AgentIdentity& agent = *wants[i].agent;
    std::vector<int64_t> ids = Pick(agent, *wants[i].pool_id, settings_.max_runs_per_delivery);
    if (ids.empty()) continue;
    // Leased in memory at once, so that the next agent of this round does not pick them too.
    for (int64_t id : ids) Lease(id, agent.agent_id, deadline);
    delivery_of[i] = deliveries.size();
    deliveries.push_back(
        {agent.agent_id, agent.client_machine, *wants[i].pool_id, lease_end, std::move(ids)});
  }
  std::vector<std::vector<RunRecord>> handed(wants.size());
  if (deliveries.empty()) return handed;
  StatusOr<store::Delivered> delivered = RunStore(store_).Deliver(deliveries);
  if (!delivered.ok()) {
    for (const store::Delivery& d : deliveries) {
      for (int64_t id : d.run_ids) Unlease(id);
    }
    return delivered.status();
  }
  // A refused run changed under the scheduler (its store was bound elsewhere, say): what the
  // store holds now is what counts.
  for (int64_t id : delivered->refused) {
    Unlease(id);
    Reload(id);
  }
  for (size_t i = 0; i < wants.size(); ++i) {
    if (delivery_of[i] == SIZE_MAX) continue;
    handed[i] = std::move(delivered->runs[delivery_of[i]]);
    for (const RunRecord& run : handed[i]) Publish(run);
    stats_.delivered += static_cast<int64_t>(handed[i].size());
  }
  return handed;
}

std::optional<WallTime> Scheduler::RetryAt(int attempt) const {
  if (attempt >= settings_.max_attempts) return std::nullopt;
  milliseconds backoff = settings_.retry_backoff;
  for (int i = 1; i < attempt && backoff < settings_.max_retry_backoff; ++i) backoff *= 2;
  return clock_.WallNow() + std::min(backoff, settings_.max_retry_backoff);
}

Status Scheduler::Close(int64_t run_id, RunResult result, const std::string& message,
                        bool may_retry) {
  auto it = open_.find(run_id);
  const int attempt = it == open_.end() ? 1 : it->second.attempt;
  std::optional<WallTime> retry_at;
  if (may_retry && result == RunResult::kFailure) retry_at = RetryAt(attempt);
  ORCH_ASSIGN_OR_RETURN(
      std::optional<RunRecord> retry,
      RunStore(store_).Complete({run_id, result, message, clock_.WallNow(), retry_at}));
  Untrack(run_id);
  ++stats_.completed;
  PublishById(run_id);
  if (retry) {
    ++stats_.retried;
    Track(*retry);
    Publish(*retry);
  }
  return Status::Ok();
}

uint64_t Scheduler::Subscribe(RunListener listener) {
  listeners_.emplace(++next_listener_, std::move(listener));
  return next_listener_;
}

void Scheduler::Unsubscribe(uint64_t handle) {
  listeners_.erase(handle);
}

void Scheduler::RunsChanged(const std::vector<int64_t>& run_ids) {
  for (int64_t id : run_ids) PublishById(id);
}

void Scheduler::Publish(const RunRecord& run) {
  if (listeners_.empty()) return;
  // A copy: listeners may unsubscribe (themselves or others) while being called.
  const std::map<uint64_t, RunListener> listeners = listeners_;
  for (const auto& [handle, listener] : listeners) {
    if (listeners_.contains(handle)) listener(run);
  }
}

void Scheduler::PublishById(int64_t run_id) {
  if (listeners_.empty()) return;
  StatusOr<std::optional<RunRecord>> run = RunStore(store_).FindRun(run_id);
  if (!run.ok()) {
    Log()->error("run {}: reading it for followers: {}", run_id, run.status().ToString());
    return;
  }
  if (*run) Publish(**run);
}

SteadyTime Scheduler::SteadyFor(WallTime wall) const {
  return clock_.SteadyNow() +
         std::chrono::duration_cast<std::chrono::nanoseconds>(wall - clock_.WallNow());
}

}  // namespace orch::scheduler
