// The agent-facing half of the Scheduler: handing runs over (registrations, polls and the
// dispatch to parked polls), configuration calls, completions and closing runs.
#include <cstdint>
#include <utility>

#include "common/logging.h"
#include "scheduler/scheduler.h"
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

}  // namespace

StatusOr<std::vector<RunRecord>> Scheduler::TakeDueRuns(const AgentIdentity& agent) {
  ORCH_ASSIGN_OR_RETURN(std::string pool, RunStore(store_).PoolOfAgent(agent.agent_id));
  ORCH_ASSIGN_OR_RETURN(std::vector<std::vector<RunRecord>> runs, Hand({{&agent, &pool}}));
  return std::move(runs.front());
}

void Scheduler::Poll(const AgentIdentity& agent, milliseconds wait, PollCallback done) {
  polls_.Answer(agent.agent_id, {});  // an earlier poll of the agent ends empty
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
  polls_.Park(agent, std::move(*pool), clock_.SteadyNow() + wait, std::move(done));
  Arm();
}

void Scheduler::Configure(const std::string& agent_id, const std::string& job_id,
                          std::function<void(StatusOr<Configured>)> done) {
  ExpireLeases();
  const std::optional<int64_t> run_id = runs_.RunOfJob(job_id);
  const OpenRun* open = run_id ? runs_.Find(*run_id) : nullptr;
  if (open == nullptr || open->agent_id != agent_id) {
    return done(FailedPreconditionError("no run of job " + job_id + " is leased to this agent"));
  }
  if (busy_.contains(*run_id)) {
    return done(FailedPreconditionError("run " + std::to_string(*run_id) + " of job " + job_id +
                                        " is being written; try again"));
  }
  if (open->status != RunStatus::kWaiting) return done(StartedAnswer(*run_id));
  StatusOr<store::JobRow> job = store::JobStore(store_).GetJob(job_id);
  if (!job.ok()) return done(job.status());
  const int64_t id = *run_id;
  if (job->state == store::kJobUnscheduled) {
    Close(id, RunResult::kUnknown, "cancelled: the job was unscheduled before it ran", false,
          [this, id, done = std::move(done)](Status closed) {
            if (!closed.ok()) return done(closed);
            StatusOr<std::optional<RunRecord>> run = RunStore(store_).FindRun(id);
            if (!run.ok()) return done(run.status());
            Arm();
            done(Configured{run->value_or(RunRecord{}), true});
          });
    return;
  }
  Busy(id);
  const WallTime now = clock_.WallNow();
  writer_.Submit([id, now](store::SqliteStore& writer) { return RunStore(writer).Start(id, now); },
                 [this, alive = std::weak_ptr<int>(alive_), id, done = std::move(done)](Status s) {
                   if (alive.expired()) return;
                   if (s.ok()) runs_.MarkStarted(id);
                   Settle(id);
                   if (!s.ok()) return done(s);
                   done(StartedAnswer(id));
                 });
}

StatusOr<Configured> Scheduler::StartedAnswer(int64_t run_id) {
  ORCH_ASSIGN_OR_RETURN(std::optional<RunRecord> run, RunStore(store_).FindRun(run_id));
  if (!run) return FailedPreconditionError("run " + std::to_string(run_id) + " is gone");
  publisher_.Publish(*run);
  return Configured{std::move(*run), false};
}

void Scheduler::Complete(const std::string& agent_id, const std::string& job_id, int64_t run_id,
                         RunResult result, const std::string& message,
                         std::function<void(Status)> done) {
  ExpireLeases();
  const std::string name = "AuditId " + std::to_string(run_id);
  const OpenRun* open = runs_.Find(run_id);
  if (open == nullptr) return done(FailedPreconditionError(name + " is not an open run"));
  if (open->job_id != job_id) {
    return done(FailedPreconditionError(name + " is not a run of job " + job_id));
  }
  if (open->agent_id != agent_id) {
    return done(FailedPreconditionError(name + " is not leased to this agent"));
  }
  if (open->status != RunStatus::kInProcess) {
    return done(
        FailedPreconditionError(name + " has not been started by a configuration call"));
  }
  // A second completion while the first is being written is refused, as it would be after.
  if (busy_.contains(run_id)) {
    return done(FailedPreconditionError(name + " is being written; try again"));
  }
  Close(run_id, result, message, true, [this, done = std::move(done)](Status s) {
    if (s.ok()) Arm();
    done(s);
  });
}

void Scheduler::DispatchToPollers() {
  if (polls_.empty() || !runs_.HasUndelivered()) return;
  // Fewest runs in flight first; among equals, the one polling longest.
  std::vector<const ParkedPoll*> turns =
      polls_.InTurn([this](const std::string& agent_id) { return runs_.InFlight(agent_id); });
  std::vector<Want> wants;
  std::vector<std::string> agent_ids;
  wants.reserve(turns.size());
  agent_ids.reserve(turns.size());
  for (const ParkedPoll* poll : turns) {
    wants.push_back({&poll->agent, &poll->pool_id});
    agent_ids.push_back(poll->agent.agent_id);
  }
  const SteadyTime start = clock_.SteadyNow();
  StatusOr<std::vector<std::vector<RunRecord>>> runs = Hand(wants);
  Log()->debug("handed out due runs to {} polling agent(s) in {} ms", wants.size(),
               std::chrono::duration_cast<milliseconds>(clock_.SteadyNow() - start).count());
  if (!runs.ok()) {
    Log()->error("dispatch to {} polling agent(s): {}", wants.size(), runs.status().ToString());
    return;
  }
  for (size_t i = 0; i < agent_ids.size(); ++i) {
    // Answers are sent from the event loop later, so no answer here ends another poll.
    if (!(*runs)[i].empty()) polls_.Answer(agent_ids[i], std::move((*runs)[i]));
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
    runs_.Add(**run);
  } else {
    runs_.Remove(run_id);
  }
}

StatusOr<std::vector<std::vector<RunRecord>>> Scheduler::Hand(const std::vector<Want>& wants) {
  const WallTime lease_end = clock_.WallNow() + settings_.lease;
  const SteadyTime deadline = clock_.SteadyNow() + settings_.lease;
  std::vector<store::Delivery> deliveries;
  std::vector<size_t> delivery_of(wants.size(), SIZE_MAX);
  for (size_t i = 0; i < wants.size(); ++i) {
    const AgentIdentity& agent = *wants[i].agent;
    std::vector<int64_t> ids =
        runs_.Pick(agent, *wants[i].pool_id, settings_.max_runs_per_delivery);
    if (ids.empty()) continue;
    // Leased in memory at once, so that the next agent of this round does not pick them too.
    for (int64_t id : ids) runs_.MarkDelivered(id, agent.agent_id, deadline);
    delivery_of[i] = deliveries.size();
    deliveries.push_back(
        {agent.agent_id, agent.client_machine, *wants[i].pool_id, lease_end, std::move(ids)});
  }
  std::vector<std::vector<RunRecord>> handed(wants.size());
  if (deliveries.empty()) return handed;
  StatusOr<store::Delivered> delivered = RunStore(store_).Deliver(deliveries);
  if (!delivered.ok()) {
    for (const store::Delivery& d : deliveries) {
      for (int64_t id : d.run_ids) runs_.MarkUndelivered(id);
    }
    return delivered.status();
  }
  // A refused run changed under the scheduler (its store was bound elsewhere, say): what the
  // store holds now is what counts.
  for (int64_t id : delivered->refused) {
    runs_.MarkUndelivered(id);
    Reload(id);
  }
  for (size_t i = 0; i < wants.size(); ++i) {
    if (delivery_of[i] == SIZE_MAX) continue;
    handed[i] = std::move(delivered->runs[delivery_of[i]]);
    for (const RunRecord& run : handed[i]) publisher_.Publish(run);
    stats_.delivered += static_cast<int64_t>(handed[i].size());
  }
  return handed;
}

void Scheduler::Close(int64_t run_id, RunResult result, std::string message, bool may_retry,
                      std::function<void(Status)> done) {
  const OpenRun* open = runs_.Find(run_id);
  const int attempt = open == nullptr ? 1 : open->attempt;
  const WallTime now = clock_.WallNow();
  std::optional<WallTime> retry_at;
  if (may_retry && result == RunResult::kFailure) retry_at = retry_.RetryAt(attempt, now);
  Busy(run_id);
  store::RunCompletion completion{run_id, result, std::move(message), now, retry_at};
  writer_.Submit<std::optional<RunRecord>>(
      [completion = std::move(completion)](store::SqliteStore& writer) {
        return RunStore(writer).Complete(completion);
      },
      [this, alive = std::weak_ptr<int>(alive_), run_id,
       done = std::move(done)](StatusOr<std::optional<RunRecord>> retry) {
        if (alive.expired()) return;
        if (!retry.ok()) {
          Settle(run_id);
          return done(retry.status());
        }
        runs_.Remove(run_id);
        Settle(run_id);
        ++stats_.completed;
        PublishById(run_id);
        if (*retry) {
          ++stats_.retried;
          runs_.Add(**retry);
          publisher_.Publish(**retry);
        }
        done(Status::Ok());
      });
}

void Scheduler::Busy(int64_t run_id) {
  busy_.insert(run_id);
}

void Scheduler::Settle(int64_t run_id) {
  busy_.erase(run_id);
  if (expired_busy_.erase(run_id) == 0) return;
  // Its lease ran out while the write was in flight: when the run is still delivered, the
  // next pass closes it.
  runs_.RenewLease(run_id, clock_.SteadyNow());
  if (started_) Arm();
}

}  // namespace orch::scheduler
