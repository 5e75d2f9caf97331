// AddCommitter: group commit for accepted Add jobs. With a WriteExecutor each Add goes to the
// store's writer thread, which commits everything queued meanwhile together; without one,
// Adds that arrive in the same turn of the event loop are written in one transaction. Either
// way a burst costs few commits to disk, each Add is all-or-nothing and it is answered only
// after its commit. Internal to api/.
#pragma once

#include <functional>
#include <vector>

#include "common/status.h"
#include "store/job_store.h"

namespace orch::scheduler {
class Scheduler;
}
namespace orch::store {
class WriteExecutor;
}

namespace orch::api {

/// Runs `fn` later on the same thread, after the work already queued (the event loop's Post).
using PostFn = std::function<void(std::function<void()>)>;

class AddCommitter {
 public:
  /// `writer` null: Adds are written to `store` on the loop, gathered through `post` (empty:
  /// every Submit commits at once). `scheduler` may be null.
  /// REQUIRES: `store`, `writer` and `scheduler` outlive the committer.
  AddCommitter(store::SqliteStore& store, store::WriteExecutor* writer,
               scheduler::Scheduler* scheduler, PostFn post)
      : store_(store), writer_(writer), scheduler_(scheduler), post_(std::move(post)) {}

  /// Queues `jobs` for the next group commit; `done` gets the outcome once it is on disk (the
  /// scheduler has been told of the jobs by then).
  void Submit(std::vector<store::NewJob> jobs, std::function<void(Status)> done);

 private:
  struct Pending {
    std::vector<store::NewJob> jobs;
    std::function<void(Status)> done;
  };
  void Flush();
  // Tells the scheduler of `jobs`, written as rows `seqs`.
  void Accepted(const std::vector<store::NewJob>& jobs, const std::vector<int64_t>& seqs);

  store::SqliteStore& store_;
  store::WriteExecutor* writer_;
  scheduler::Scheduler* scheduler_;
  PostFn post_;
  std::vector<Pending> pending_;
  bool flush_posted_ = false;
};

}  // namespace orch::api
