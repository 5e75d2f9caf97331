// StoreReader: where queries go, so that the event loop never waits on a read. A read runs
// against the repositories of a connection of the reader's, in one read transaction (so the
// count and the rows of a page agree), on another thread; its result comes back on the loop's
// thread. The SQLite forms are ReadPool and InlineReader (store/read_pool.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "common/status.h"
#include "store/repositories.h"

namespace orch::store {

/// How a StoreReader is doing.
struct ReaderState {
  /// Reads queued and not yet started.
  size_t backlog = 0;
  /// Reads run so far.
  int64_t reads = 0;
  /// Reads refused because the backlog was full or the reader was stopped.
  int64_t refused = 0;
};

/// Where the queries of the loop go: each runs against a connection of the reader's, and its
/// result comes back on the loop's thread. Code that reads off the loop sees only this.
class StoreReader {
 public:
  virtual ~StoreReader() = default;

  /// Queues `read`. It runs on another thread against the repositories of the reader's
  /// connection, in one read transaction, so it must touch nothing but them and what was
  /// copied into it; `done` then runs on the loop's thread with its result, or with
  /// ResourceExhausted (too many reads waiting) or Unavailable (shutting down) when it was
  /// refused.
  template <typename T>
  void Read(std::function<StatusOr<T>(Repositories&)> read, std::function<void(StatusOr<T>)> done) {
    auto result = std::make_shared<std::optional<StatusOr<T>>>();
    Enqueue(Task{[read = std::move(read), result](Repositories& repositories) -> Status {
                   result->emplace(read(repositories));
                   return Status::Ok();
                 },
                 [done = std::move(done), result](const Status& ran) {
                   if (!ran.ok() || !result->has_value()) {
                     return done(ran.ok() ? InternalError("the read was not run") : ran);
                   }
                   done(std::move(**result));
                 }});
  }

  virtual ReaderState state() const = 0;

 protected:
  struct Task {
    // Runs the read, keeping its result for `finish`.
    std::function<Status(Repositories&)> run;
    // Answers the read: ok, its result; otherwise why it did not run.
    std::function<void(const Status&)> finish;
  };

  virtual void Enqueue(Task task) = 0;
};

}  // namespace orch::store
