// ReadPool, the SQLite StoreReader (store/store_reader.h): a few reader threads, each with a
// read-only connection of its own to the database file. In WAL mode a reader sees the database as it was when its read began (every
// commit before, none after) and neither waits for the writer nor holds it up. A read runs in
// one read transaction, so the count and the rows of a page agree. Its result comes back
// through `post`, on the loop's thread. InlineReader runs each read at once, for tests and
// tools.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"
#include "store/faulty_repositories.h"
#include "store/sqlite_store.h"
#include "store/store_reader.h"

namespace orch::store {

/// Faults injected into the reads of a ReadPool (tests, fault drills). Thread-safe.
class ReadFaults {
 public:
  /// Every read from now on waits `delay` first, inside its read transaction (a slow query).
  void SetDelay(std::chrono::milliseconds delay);
  /// The delay of the read about to run.
  std::chrono::milliseconds Delay() const;

 private:
  mutable std::mutex mutex_;
  std::chrono::milliseconds delay_{0};
};

/// Runs each read at once on the calling thread and answers it before Read() returns. For
/// tests and tools that have no event loop to come back to.
class InlineReader final : public StoreReader {
 public:
  /// Reads go to `store`'s repositories, through `faults` when it is not null.
  /// REQUIRES: `store` and `faults` outlive this object.
  explicit InlineReader(SqliteStore& store, RepositoryFaults* faults = nullptr);
  ~InlineReader() override;

  ReaderState state() const override { return state_; }

 private:
  void Enqueue(Task task) override;

  SqliteStore& store_;
  std::unique_ptr<Repositories> repositories_;
  ReaderState state_;
};

/// The reader threads of a SQLite store.
class ReadPool final : public StoreReader {
 public:
  /// Runs `fn` on the event loop's thread. Called from the reader threads.
  using PostFn = std::function<void(std::function<void()>)>;

  /// Most readers; the least is one.
  static constexpr size_t kMaxReaders = 16;

  struct Options {
    /// Reads queued (not yet started) past which a read is refused with ResourceExhausted.
    size_t max_backlog = 1024;
    /// Faults to inject; nullptr in production.
    ReadFaults* faults = nullptr;
    /// Faults to inject into the repositories' calls; nullptr in production.
    RepositoryFaults* repository_faults = nullptr;
  };

  /// Opens `readers` (1..kMaxReaders) read-only connections to the database `store` names
  /// and starts one thread on each. REQUIRES: the database exists at the current schema (the
  /// loop's own connection opened it first); it is a file, not kInMemoryPath.
  static StatusOr<std::unique_ptr<ReadPool>> Open(const SqliteStore::Options& store, size_t readers,
                                                  PostFn post, Options options);

  /// Starts one reader thread on each of `connections` (at least one).
  ReadPool(std::vector<std::unique_ptr<SqliteStore>> connections, PostFn post, Options options);
  /// Stop().
  ~ReadPool() override;
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  /// Runs what is queued, then ends the reader threads. Later reads fail with Unavailable.
  void Stop();

  ReaderState state() const override;

 private:
  void Enqueue(Task task) override;
  void Loop(SqliteStore& connection);
  void Refuse(Task task, Status why);

  std::vector<std::unique_ptr<SqliteStore>> connections_;
  PostFn post_;
  Options options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  ReaderState state_;
  std::vector<std::thread> threads_;
};

}  // namespace orch::store
