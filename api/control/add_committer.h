// AddCommitter: group commit for accepted Add jobs. Adds that arrive in the same turn of the
// event loop are written in one transaction, so a burst costs one commit to disk instead of
// one per request; each Add is still all-or-nothing and answered only after the commit.
// Internal to api/.
#pragma once

#include <functional>
#include <vector>

#include "common/status.h"
#include "store/job_store.h"

namespace orch::scheduler {
class Scheduler;
}

namespace orch::api {

/// Runs `fn` later on the same thread, after the work already queued (the event loop's Post).
using PostFn = std::function<void(std::function<void()>)>;

class AddCommitter {
 public:
  /// `post` empty: every Submit commits at once. `scheduler` may be null.
  /// REQUIRES: `store` (and `scheduler`) outlive the committer.
  AddCommitter(store::SqliteStore& store, scheduler::Scheduler* scheduler, PostFn post)
      : store_(store), scheduler_(scheduler), post_(std::move(post)) {}

  /// Queues `jobs` for the next group commit; `done` gets the outcome once it is on disk (the
  /// scheduler has been told of the jobs by then).
  void Submit(std::vector<store::NewJob> jobs, std::function<void(Status)> done);

 private:
  struct Pending {
    std::vector<store::NewJob> jobs;
    std::function<void(Status)> done;
  };
  void Flush();

  store::SqliteStore& store_;
  scheduler::Scheduler* scheduler_;
  PostFn post_;
  std::vector<Pending> pending_;
  bool flush_posted_ = false;
};

}  // namespace orch::api
