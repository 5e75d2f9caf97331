#include "api/control/add_committer.h"

#include <memory>

#include "jobs/iso_time.h"
#include "scheduler/scheduler.h"
#include "store/write_executor.h"

namespace orch::api {

void AddCommitter::Submit(std::vector<store::NewJob> jobs, std::function<void(Status)> done) {
  if (writer_ != nullptr) {
    auto shared = std::make_shared<std::vector<store::NewJob>>(std::move(jobs));
    writer_->Submit<std::vector<int64_t>>(
        [shared](store::SqliteStore& writer) { return store::JobStore(writer).AddJobs(*shared); },
        [this, shared, done = std::move(done)](StatusOr<std::vector<int64_t>> seqs) {
          if (seqs.ok()) Accepted(*shared, *seqs);
          done(seqs.status());
        });
    return;
  }
  pending_.push_back({std::move(jobs), std::move(done)});
  if (!post_) return Flush();
  if (flush_posted_) return;
  flush_posted_ = true;
  post_([this] { Flush(); });
}

void AddCommitter::Flush() {
  flush_posted_ = false;
  std::vector<Pending> group = std::move(pending_);
  pending_.clear();
  std::vector<std::vector<store::NewJob>> batches;
  batches.reserve(group.size());
  for (Pending& pending : group) batches.push_back(std::move(pending.jobs));
  std::vector<StatusOr<std::vector<int64_t>>> results =
      store::JobStore(store_).AddJobBatches(batches);
  for (size_t i = 0; i < group.size(); ++i) {
    if (results[i].ok()) Accepted(batches[i], *results[i]);
    group[i].done(results[i].status());
  }
}

void AddCommitter::Accepted(const std::vector<store::NewJob>& jobs,
                            const std::vector<int64_t>& seqs) {
  if (scheduler_ == nullptr) return;
  std::vector<store::FireEntry> entries;
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (jobs[j].next_fire) entries.push_back({jobs::ToUnixMillis(*jobs[j].next_fire), seqs[j]});
  }
  scheduler_->JobsAccepted(entries);
}

}  // namespace orch::api
