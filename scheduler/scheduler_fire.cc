// Firing: due jobs go to the writer in batches, whose decisions are made on the writer's
// thread inside the transaction; memory (runs, next fires, counters) follows each batch once it
// is committed. Unscheduling is ordered after the fires already submitted.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "jobs/bounded_json.h"
#include "jobs/iso_time.h"
#include "jobs/schedule.h"
#include "scheduler/fire_decision.h"
#include "scheduler/scheduler.h"

namespace orch::scheduler {
namespace {

using std::chrono::milliseconds;
using store::RunRecord;

std::shared_ptr<spdlog::logger> Log() {
  return GetLogger("scheduler");
}

// Due jobs are fired in transactions of at most this many.
constexpr size_t kFireBatch = 1000;
// Firing holds the event loop for about this long before it lets other work in.
constexpr auto kFireSlice = std::chrono::milliseconds(100);
constexpr auto kMaxFireSlice = std::chrono::milliseconds(500);
// After a failed fire write the queue waits this long before trying again.
constexpr auto kFireRetry = std::chrono::seconds(1);

// The decision for one due job, as the writer's thread makes it: reads only its arguments. A
// job fired ahead of its instant is decided as at that instant.
store::FireDecision Decide(const store::FireJob& job, WallTime now,
                           std::chrono::milliseconds catchup_window) {
  now = std::max(now, job.next_fire);
  StatusOr<nlohmann::json> stored = jobs::ParseJson(job.schedule_json);
  StatusOr<jobs::Schedule> schedule =
      stored.ok() ? jobs::ParseScheduleJson(*stored) : StatusOr<jobs::Schedule>(stored.status());
  if (!schedule.ok()) {
    Log()->error("job {}: stored schedule unreadable, it fires no more: {}", job.job_id,
                 schedule.status().ToString());
    return store::FireDecision{};
  }
  return DecideFire(*schedule, job.requested, job.next_fire, now, job.has_open_run, catchup_window);
}

}  // namespace

void Scheduler::FireDue() {
  if (fire_blocked_until_ && clock_.SteadyNow() < *fire_blocked_until_) return;
  fire_blocked_until_.reset();
  const WallTime now = clock_.WallNow();
  // Jobs due within kFireAhead are fired now; their runs are handed out at their instant.
  const int64_t now_ms = jobs::ToUnixMillis(now + kFireAhead);
  // Firing takes turns with the rest of the event loop: a pass submits batches for
  // kFireSlice, or for as long as the loop spent elsewhere since the last pass when that was
  // longer, up to kMaxFireSlice, and never more than kMaxFireBatchesInFlight at once. Arm()
  // brings the timer straight back for the rest (or a landing batch does).
  const SteadyTime start = clock_.SteadyNow();
  SteadyTime slice_end = start + kFireSlice;
  if (fire_slice_ended_) {
    slice_end = std::max(slice_end, start + std::min<std::chrono::nanoseconds>(
                                                start - *fire_slice_ended_, kMaxFireSlice));
  }
  fire_slice_ended_.reset();
  while (fires_.HasDue(now_ms) && clock_.SteadyNow() < slice_end &&
         fire_batches_in_flight_ < kMaxFireBatchesInFlight && !fire_blocked_until_) {
    SubmitFire(fires_.PopDue(now_ms, kFireBatch), now);
  }
  if (fires_.HasDue(now_ms)) fire_slice_ended_ = clock_.SteadyNow();
}

void Scheduler::SubmitFire(std::vector<store::FireEntry> batch, WallTime now) {
  if (batch.empty()) return;
  ++fire_batches_in_flight_;
  for (const store::FireEntry& e : batch) ++firing_jobs_[e.job_seq];
  auto entries = std::make_shared<const std::vector<store::FireEntry>>(std::move(batch));
  auto tally = std::make_shared<FireTally>();
  const std::chrono::milliseconds catchup_window = settings_.catchup_window;
  const SteadyTime submitted = clock_.SteadyNow();
  writer_.Submit<std::vector<RunRecord>>(
      [entries, tally, now, catchup_window](store::Repositories& writer) {
        *tally = FireTally{};  // only the decisions of the write that is kept count
        return writer.runs().Fire(*entries, [&](const store::FireJob& job) {
          store::FireDecision d = Decide(job, now, catchup_window);
          if (d.next_fire) tally->next.push_back({jobs::ToUnixMillis(*d.next_fire), job.job_seq});
          tally->skipped_overlap += d.skipped_overlap;
          tally->missed_catchup += d.missed_catchup;
          return d;
        });
      },
      [this, alive = std::weak_ptr<int>(alive_), entries, tally,
       submitted](StatusOr<std::vector<RunRecord>> written) {
        if (alive.expired()) return;
        Log()->debug(
            "fired {} due job(s) in {} ms", entries->size(),
            std::chrono::duration_cast<milliseconds>(clock_.SteadyNow() - submitted).count());
        FireLanded(*entries, *tally, std::move(written));
      });
}

void Scheduler::FireLanded(const std::vector<store::FireEntry>& batch, const FireTally& tally,
                           StatusOr<std::vector<RunRecord>> written) {
  --fire_batches_in_flight_;
  if (!written.ok()) {
    Log()->error("firing {} job(s) failed, retrying in {} s: {}", batch.size(),
                 std::chrono::seconds(kFireRetry).count(), written.status().ToString());
    fire_blocked_until_ = clock_.SteadyNow() + kFireRetry;
  }
  // What goes back to the queue: the next fires, or the batch itself when it was not written.
  for (const store::FireEntry& e : written.ok() ? tally.next : batch) Requeue(e);
  for (const store::FireEntry& e : batch) {
    auto job = firing_jobs_.find(e.job_seq);
    if (job != firing_jobs_.end() && --job->second <= 0) {
      firing_jobs_.erase(job);
      unscheduled_firing_.erase(e.job_seq);
    }
  }
  if (written.ok()) {
    const WallTime landed = clock_.WallNow();
    for (const RunRecord& run : *written) {
      stats_.fire_lateness.Observe(
          std::max(0.0, std::chrono::duration<double>(landed - run.scheduled_for).count()));
      runs_.Add(run);
      publisher_.Publish(run);
    }
    stats_.fired += static_cast<int64_t>(written->size());
    stats_.skipped_overlap += tally.skipped_overlap;
    stats_.missed_catchup += tally.missed_catchup;
    if (tally.skipped_overlap + tally.missed_catchup > 0) {
      // A job that missed several fires runs once, for the latest, when that is inside the
      // catch-up window: every other missed fire is counted, inside the window or not.
      Log()->info(
          "{} fire(s) skipped: {} overlapping a run in flight, {} missed while orchd was down "
          "or behind (older than the catch-up window, or superseded by a later missed fire)",
          tally.skipped_overlap + tally.missed_catchup, tally.skipped_overlap,
          tally.missed_catchup);
    }
    if (!written->empty()) DispatchToPollers();
  }
  if (started_) Arm();
}

void Scheduler::Requeue(const store::FireEntry& entry) {
  if (!unscheduled_firing_.contains(entry.job_seq)) fires_.Push(entry);
}

void Scheduler::JobsUnscheduled(const std::vector<std::string>& job_ids,
                                const std::vector<store::FireEntry>& dequeued,
                                std::function<void(Status)> done) {
  for (const store::FireEntry& e : dequeued) {
    // An entry in a batch being fired is not in the queue: the batch does not queue it again.
    if (firing_jobs_.contains(e.job_seq)) {
      unscheduled_firing_.insert(e.job_seq);
    } else {
      fires_.Dequeue(e);
    }
  }
  const WallTime now = clock_.WallNow();
  writer_.Submit<std::vector<int64_t>>(
      [job_ids, now](store::Repositories& writer) {
        return writer.runs().CancelWaiting(job_ids, "cancelled: the job was unscheduled", now);
      },
      [this, alive = std::weak_ptr<int>(alive_),
       done = std::move(done)](StatusOr<std::vector<int64_t>> cancelled) {
        if (alive.expired()) return;
        if (!cancelled.ok()) return done(cancelled.status());
        for (int64_t id : *cancelled) {
          runs_.Remove(id);
          PublishById(id);
        }
        done(Status::Ok());
      });
}

}  // namespace orch::scheduler
