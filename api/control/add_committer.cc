#include "api/control/add_committer.h"

#include <memory>

#include "jobs/iso_time.h"
#include "scheduler/scheduler.h"
#include "store/store_writer.h"

namespace orch::api {

void AddCommitter::Submit(std::vector<store::NewJob> jobs, std::function<void(Status)> done) {
  auto shared = std::make_shared<std::vector<store::NewJob>>(std::move(jobs));
  writer_.Submit<std::vector<int64_t>>(
      [shared](store::Repositories& writer) { return writer.jobs().AddJobs(*shared); },
      [this, shared, done = std::move(done)](StatusOr<std::vector<int64_t>> seqs) {
        if (seqs.ok()) Accepted(*shared, *seqs);
        done(seqs.status());
      });
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
