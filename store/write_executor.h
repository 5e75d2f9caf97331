// The SQLite StoreWriter (store/store_writer.h). WriteExecutor is the store's writer thread:
// writes submitted from the loop are queued, and the writer runs everything queued so far in
// one transaction with one commit to disk (group commit). While one group's fsync is in
// progress the next group gathers, so a burst of writes costs a few commits. Each write is a
// savepoint of its own. Outcomes come back through `post`, after the commit. InlineWriter runs
// each write at once, for tests and tools.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "common/status.h"
#include "store/faulty_repositories.h"
#include "store/sqlite_store.h"
#include "store/store_writer.h"

namespace orch::store {

/// Faults injected into the commits of a WriteExecutor (tests, fault drills). Thread-safe.
class CommitFaults {
 public:
  /// What one commit has to suffer.
  struct Fault {
    /// Held before the commit, with the write lock taken (a slow disk).
    std::chrono::milliseconds delay{0};
    /// Not ok: the commit fails with this error and the group is rolled back.
    Status error;
  };

  /// Every commit from now on waits `delay` first.
  void SetDelay(std::chrono::milliseconds delay);
  /// After `after` more commits, the next `count` commits fail with `error` (disk full, busy,
  /// ...): a fault at a chosen commit.
  void Fail(int count, Status error, int after = 0);
  /// Takes the fault for the commit about to happen.
  Fault Next();
  /// Commits failed by Fail() so far.
  int64_t failed() const;

 private:
  mutable std::mutex mutex_;
  std::chrono::milliseconds delay_{0};
  int fail_after_ = 0;
  int fail_count_ = 0;
  Status fail_error_;
  int64_t failed_ = 0;
};

/// Runs each write at once on the calling thread, in a transaction of its own, and answers it
/// before Submit() returns. For tests and tools that have no event loop to come back to.
class InlineWriter final : public StoreWriter {
 public:
  /// Writes go to `store`'s repositories, through `faults` when it is not null.
  /// REQUIRES: `store` and `faults` outlive this object.
  explicit InlineWriter(SqliteStore& store, RepositoryFaults* faults = nullptr);
  ~InlineWriter() override;

  WriterState state() const override { return state_; }

  /// For tests of what happens while writes are on their way: from now on, writes wait in
  /// submission order until Release() runs them.
  void Hold() { holding_ = true; }
  /// Runs (and answers) up to `count` held writes, oldest first; answers how many ran. Writes
  /// submitted by their answers are held too, unless Hold() was never called.
  size_t Release(size_t count = SIZE_MAX);
  size_t held() const { return held_.size(); }

 private:
  void Enqueue(Task task) override;
  void Run(Task& task);
  // The write in a transaction of its own: the commit's outcome; `written` is the write's.
  Status RunAlone(Task& task, Status& written);

  SqliteStore& store_;
  std::unique_ptr<Repositories> repositories_;
  WriterState state_;
  bool holding_ = false;
  std::deque<Task> held_;
};

/// The writer thread of a SQLite store.
class WriteExecutor final : public StoreWriter {
 public:
  /// Runs `fn` on the event loop's thread. Called from the writer thread.
  using PostFn = std::function<void(std::function<void()>)>;

  struct Options {
    /// Most writes in one group transaction.
    size_t max_group = 4096;
    /// Faults to inject into commits; nullptr in production.
    CommitFaults* faults = nullptr;
    /// Faults to inject into the repositories' calls; nullptr in production.
    RepositoryFaults* repository_faults = nullptr;
  };

  /// Starts the writer thread on `writer`, a connection of its own to the database.
  WriteExecutor(std::unique_ptr<SqliteStore> writer, PostFn post, Options options);
  /// Stop().
  ~WriteExecutor() override;
  WriteExecutor(const WriteExecutor&) = delete;
  WriteExecutor& operator=(const WriteExecutor&) = delete;

  /// Runs what is queued, then ends the writer thread. Later writes fail with Unavailable.
  void Stop();

  WriterState state() const override;

 private:
  void Enqueue(Task task) override;
  void Loop();
  void RunGroup(std::deque<Task>& group);
  Status CommitGroup();
  // Answers the group with the commit's outcome; `health` is what state() reports next.
  void Answer(std::deque<Task>& group, const Status& committed, const Status& health);
  // Logs the outcome of a group: a store that stops or starts taking writes for want of
  // storage once per change, any other failed commit every time.
  void LogOutcome(size_t writes, const Status& committed, const Status& health);

  std::unique_ptr<SqliteStore> writer_;
  std::unique_ptr<Repositories> repositories_;  // of writer_
  PostFn post_;
  Options options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  size_t in_group_ = 0;
  bool stopping_ = false;
  Status last_commit_;
  WriteStats stats_;
  // AgentChanges::Current() when the group being written began; the writer thread's.
  uint64_t agent_changes_ = 0;
  // When the group being written began; the writer thread's.
  std::chrono::steady_clock::time_point group_started_;
  // Whether the last group met a full or read-only store; the writer thread's.
  bool storage_refused_ = false;
  std::thread thread_;
};

}  // namespace orch::store
