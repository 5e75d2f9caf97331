#include "api/control/add_committer.h"

#include "jobs/iso_time.h"
#include "scheduler/scheduler.h"

namespace orch::api {

void AddCommitter::Submit(std::vector<store::NewJob> jobs, std::function<void(Status)> done) {
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
    if (results[i].ok() && scheduler_ != nullptr) {
      std::vector<store::FireEntry> entries;
      for (size_t j = 0; j < batches[i].size(); ++j) {
        if (batches[i][j].next_fire) {
          entries.push_back({jobs::ToUnixMillis(*batches[i][j].next_fire), (*results[i])[j]});
        }
      }
      scheduler_->JobsAccepted(entries);
    }
    group[i].done(results[i].status());
  }
}

}  // namespace orch::api
