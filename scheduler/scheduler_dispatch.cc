// The agent-facing half of the Scheduler: configuration calls, completions and closing runs;
// scheduler_hand.cc hands runs over (registrations, polls and the dispatch to parked polls).
#include <cstdint>
#include <utility>

#include "common/logging.h"
#include "scheduler/scheduler.h"
#include "store/job_repository.h"

namespace orch::scheduler {
namespace {

using store::RunRecord;
using store::RunResult;
using store::RunStatus;

std::shared_ptr<spdlog::logger> Log() {
  return GetLogger("scheduler");
}

// What the write that starts a run found: the run as started, or its job unscheduled.
struct StartOutcome {
  bool unscheduled = false;
  std::optional<RunRecord> run;
};

}  // namespace

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
  if (open->status != RunStatus::kWaiting) return AnswerStarted(*run_id, std::move(done));
  const int64_t id = *run_id;
  auto cancel = [this, id](std::function<void(StatusOr<Configured>)> done) {
    Close(id, RunResult::kUnknown, "cancelled: the job was unscheduled before it ran", false,
          [this, id, done = std::move(done)](Status closed) mutable {
            if (!closed.ok()) return done(closed);
            Arm();
            ReadRun(id, [done = std::move(done)](StatusOr<std::optional<RunRecord>> run) {
              if (!run.ok()) return done(run.status());
              done(Configured{run->value_or(RunRecord{}), true});
            });
          });
  };
  Busy(id);
  const WallTime now = clock_.WallNow();
  // The job's state is checked, and the started run read back, in the write that starts it:
  // the writer's connection has their pages at hand, the loop's would read them again.
  writer_.Submit<StartOutcome>(
      [id, job_id, now](store::Repositories& writer) -> StatusOr<StartOutcome> {
        ORCH_ASSIGN_OR_RETURN(std::string state, writer.jobs().GetJobState(job_id));
        if (state == store::kJobUnscheduled) return StartOutcome{true, std::nullopt};
        ORCH_RETURN_IF_ERROR(writer.runs().Start(id, now));
        ORCH_ASSIGN_OR_RETURN(std::optional<RunRecord> run, writer.runs().FindRun(id));
        return StartOutcome{false, std::move(run)};
      },
      [this, alive = std::weak_ptr<int>(alive_), id, cancel = std::move(cancel),
       done = std::move(done)](StatusOr<StartOutcome> started) {
        if (alive.expired()) return;
        if (started.ok() && !started->unscheduled) runs_.MarkStarted(id);
        Settle(id);
        if (!started.ok()) return done(started.status());
        if (started->unscheduled) return cancel(std::move(done));
        done(StartedAnswer(id, std::move(started->run)));
      });
}

void Scheduler::AnswerStarted(int64_t run_id, std::function<void(StatusOr<Configured>)> done) {
  ReadRun(run_id, [this, run_id, done = std::move(done)](StatusOr<std::optional<RunRecord>> run) {
    if (!run.ok()) return done(run.status());
    done(StartedAnswer(run_id, std::move(*run)));
  });
}

StatusOr<Configured> Scheduler::StartedAnswer(int64_t run_id, std::optional<RunRecord> run) {
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
    return done(FailedPreconditionError(name + " has not been started by a configuration call"));
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

void Scheduler::Reload(int64_t run_id) {
  ReadRun(run_id, [this, run_id](StatusOr<std::optional<RunRecord>> run) {
    if (!run.ok()) {
      Log()->error("run {}: reading it back: {}", run_id, run.status().ToString());
      return;
    }
    // Leased, started or closed again since it was read: memory follows that instead.
    if (!Refileable(run_id)) return;
    const bool open =
        *run && ((*run)->status == RunStatus::kWaiting || (*run)->status == RunStatus::kInProcess);
    if (open) {
      runs_.Add(**run);
    } else {
      runs_.Remove(run_id);
    }
  });
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
      [completion = std::move(completion)](store::Repositories& writer) {
        return writer.runs().Complete(completion);
      },
      [this, alive = std::weak_ptr<int>(alive_), run_id, result,
       done = std::move(done)](StatusOr<std::optional<RunRecord>> retry) {
        if (alive.expired()) return;
        if (!retry.ok()) {
          Settle(run_id);
          return done(retry.status());
        }
        runs_.Remove(run_id);
        Settle(run_id);
        CountCompletion(result);
        PublishById(run_id);
        if (*retry) {
          ++stats_.retried;
          runs_.Add(**retry);
          publisher_.Publish(**retry);
        }
        done(Status::Ok());
      });
}

void Scheduler::CountCompletion(RunResult result) {
  ++stats_.completed;
  switch (result) {
    case RunResult::kUnknown: ++stats_.completed_unknown; break;
    case RunResult::kSuccess: ++stats_.completed_success; break;
    case RunResult::kWarning: ++stats_.completed_warning; break;
    case RunResult::kFailure: ++stats_.completed_failure; break;
  }
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
