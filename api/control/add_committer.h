// AddCommitter: writes accepted Add jobs through the store's writer, which commits everything
// queued meanwhile together, so a burst of Adds costs few commits to disk; each Add is still
// all-or-nothing and answered only after its commit, and the scheduler hears of its jobs then.
// Internal to api/control/.
#pragma once

#include <functional>
#include <vector>

#include "common/status.h"
#include "store/job_repository.h"

namespace orch::scheduler {
class Scheduler;
}
namespace orch::store {
class StoreWriter;
}

namespace orch::api {

class AddCommitter {
 public:
  /// `scheduler` may be null. REQUIRES: `writer` and `scheduler` outlive the committer.
  AddCommitter(store::StoreWriter& writer, scheduler::Scheduler* scheduler)
      : writer_(writer), scheduler_(scheduler) {}

  /// Queues `jobs` for the writer; `done` gets the outcome once they are on disk (the
  /// scheduler has been told of them by then).
  void Submit(std::vector<store::NewJob> jobs, std::function<void(Status)> done);

 private:
  // Tells the scheduler of `jobs`, written as rows `seqs`.
  void Accepted(const std::vector<store::NewJob>& jobs, const std::vector<int64_t>& seqs);

  store::StoreWriter& writer_;
  scheduler::Scheduler* scheduler_;
};

}  // namespace orch::api
