// StoreWriter: where writes go, so that the event loop never waits for the disk. Writes
// submitted from the loop run against the repositories of the writer's connection, gathered
// into group transactions with one commit to disk each; each write is still all-or-nothing on
// its own. Its outcome comes back on the loop's thread after the commit: a write is answered
// only once it is durable, and a failed commit answers every write of its group with the
// commit's error and leaves none of them written. The SQLite forms are WriteExecutor and
// InlineWriter (store/write_executor.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "common/metrics.h"
#include "common/status.h"
#include "store/repositories.h"

namespace orch::store {

/// Counters since start, for /Status and /metrics.
struct WriteStats {
  int64_t commits = 0;         // groups committed
  int64_t writes = 0;          // writes in committed groups
  int64_t failed_commits = 0;  // groups whose commit failed
  int64_t largest_group = 0;
  /// Seconds from a committed group's BEGIN to its COMMIT's return (the writes and the fsync).
  metrics::Histogram commit_seconds{metrics::DurationBounds()};
  /// Writes per committed group.
  metrics::Histogram group_size{metrics::SizeBounds()};
};

/// How a StoreWriter is doing.
struct WriterState {
  /// The outcome of the last commit: its error, or else the error of a write of its group
  /// refused for want of storage (InsufficientStorage: disk full, read-only), which the next
  /// write meets as well. Ok before the first commit and after one without either.
  Status last_commit;
  WriteStats stats;
  /// Writes queued and not yet answered.
  size_t backlog = 0;
};

/// Where the writes of the loop go: each runs against a connection of the writer's, and its
/// outcome comes back on the loop's thread. Code that writes off the loop sees only this.
class StoreWriter {
 public:
  virtual ~StoreWriter() = default;

  /// Queues `write`. It runs against the repositories of the writer's connection, inside the
  /// writer's transaction, so it must touch nothing of the loop's; `done` then runs on the
  /// loop's thread with the write's result once it is committed, or with the commit's error.
  template <typename T>
  void Submit(std::function<StatusOr<T>(Repositories&)> write,
              std::function<void(StatusOr<T>)> done) {
    auto result = std::make_shared<std::optional<StatusOr<T>>>();
    Enqueue(Task{[write = std::move(write), result](Repositories& repositories) {
                   result->emplace(write(repositories));
                   return (*result)->status();
                 },
                 [done = std::move(done), result](const Status& committed) {
                   if (committed.ok()) return done(std::move(**result));
                   done(committed);
                 }});
  }
  /// As above, for writes that answer only a Status.
  void Submit(std::function<Status(Repositories&)> write, std::function<void(Status)> done);

  virtual WriterState state() const = 0;

 protected:
  struct Task {
    // Runs the write; its Status decides whether its changes are kept.
    std::function<Status(Repositories&)> run;
    // Answers the write, given the commit's outcome (ok: the write's own result).
    std::function<void(const Status&)> finish;
  };

  virtual void Enqueue(Task task) = 0;
};

}  // namespace orch::store
