#include "store/read_pool.h"

#include <sqlite3.h>

#include <exception>
#include <string>

#include "store/sqlite_repositories.h"
#include "store/sqlite_store_impl.h"

namespace orch::store {

void ReadFaults::SetDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delay_ = delay;
}

std::chrono::milliseconds ReadFaults::Delay() const {
  std::lock_guard lock(mutex_);
  return delay_;
}

namespace {

// Runs `run` in a read transaction of its own on `store` (a nested one when `store` is already
// in a transaction), after `delay`: ok, or why the read could not run.
Status RunInReadTransaction(SqliteStore& store, const std::function<Status()>& run,
                            std::chrono::milliseconds delay = {}) {
  SqliteStore::Impl& impl = store.impl();
  sqlite3* const handle = impl.db.getHandle();
  // Inside a transaction already (an inline reader called from a write): the read sees it.
  const bool nested = sqlite3_get_autocommit(handle) == 0;
  if (!nested) {
    ORCH_RETURN_IF_ERROR(impl.Run("starting a read", [&]() -> Status {
      impl.Prepare("BEGIN").exec();
      return Status::Ok();
    }));
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  Status ran;
  try {
    ran = run();
  } catch (const std::exception& e) {
    // A read that throws has a bug; its caller is answered all the same.
    ran = InternalError(std::string("a read threw: ") + e.what());
  }
  if (!nested && sqlite3_get_autocommit(handle) == 0) {
    // The result stands whatever happens here: ending the transaction only lets go of the
    // snapshot it was read from.
    Status ended = impl.Run("ending a read", [&]() -> Status {
      impl.db.exec("COMMIT");
      return Status::Ok();
    });
    if (!ended.ok()) {
      (void)impl.Run("ending a read", [&]() -> Status {
        if (sqlite3_get_autocommit(handle) == 0) impl.db.exec("ROLLBACK");
        return Status::Ok();
      });
    }
  }
  return ran;
}

}  // namespace

InlineReader::InlineReader(SqliteStore& store, RepositoryFaults* faults)
    : store_(store), repositories_(RepositoriesOf(store, faults)) {}

InlineReader::~InlineReader() = default;

void InlineReader::Enqueue(Task task) {
  const Status ran = RunInReadTransaction(store_, [&] { return task.run(*repositories_); });
  ++state_.reads;
  task.finish(ran);
}

StatusOr<std::unique_ptr<ReadPool>> ReadPool::Open(const SqliteStore::Options& store,
                                                   size_t readers, PostFn post, Options options) {
  if (store.path == SqliteStore::kInMemoryPath) {
    return InvalidArgumentError(
        "reader connections need a database file: an in-memory database is private to the "
        "connection that opened it");
  }
  if (readers < 1 || readers > kMaxReaders) {
    return InvalidArgumentError("the number of readers must be in 1.." +
                                std::to_string(kMaxReaders) + ", not " + std::to_string(readers));
  }
  std::vector<std::unique_ptr<SqliteStore>> connections;
  for (size_t i = 0; i < readers; ++i) {
    SqliteStore::Options options = store;
    options.further_connection = "reader " + std::to_string(i + 1);
    ORCH_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> connection, SqliteStore::Open(options));
    SqliteStore::Impl& impl = connection->impl();
    // A read that tried to write would be a bug; the connection refuses it.
    ORCH_RETURN_IF_ERROR(impl.Run("making a reader connection read-only", [&]() -> Status {
      impl.db.exec("PRAGMA query_only = 1");
      return Status::Ok();
    }));
    connections.push_back(std::move(connection));
  }
  return std::make_unique<ReadPool>(std::move(connections), std::move(post), options);
}

ReadPool::ReadPool(std::vector<std::unique_ptr<SqliteStore>> connections, PostFn post,
                   Options options)
    : connections_(std::move(connections)), post_(std::move(post)), options_(options) {
  threads_.reserve(connections_.size());
  for (std::unique_ptr<SqliteStore>& connection : connections_) {
    threads_.emplace_back([this, &store = *connection] { Loop(store); });
  }
}

ReadPool::~ReadPool() {
  Stop();
}

void ReadPool::Enqueue(Task task) {
  Status refused;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused = UnavailableError("the store is shutting down");
    } else if (queue_.size() >= options_.max_backlog) {
      refused = ResourceExhaustedError("too many queries are waiting for the store (" +
                                       std::to_string(options_.max_backlog) + "); retry later");
    } else {
      queue_.push_back(std::move(task));
      wake_.notify_one();
      return;
    }
    ++state_.refused;
  }
  Refuse(std::move(task), std::move(refused));
}

void ReadPool::Refuse(Task task, Status why) {
  post_([finish = std::move(task.finish), why = std::move(why)] { finish(why); });
}

void ReadPool::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

ReaderState ReadPool::state() const {
  std::lock_guard lock(mutex_);
  ReaderState state = state_;
  state.backlog = queue_.size();
  return state;
}

void ReadPool::Loop(SqliteStore& connection) {
  const std::unique_ptr<Repositories> repositories =
      RepositoriesOf(connection, options_.repository_faults);
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every queued read has been run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    const std::chrono::milliseconds delay =
        options_.faults != nullptr ? options_.faults->Delay() : std::chrono::milliseconds(0);
    const Status ran =
        RunInReadTransaction(connection, [&] { return task.run(*repositories); }, delay);
    // The read and what it captured are let go of here, not on the loop.
    task.run = nullptr;
    {
      std::lock_guard lock(mutex_);
      ++state_.reads;
    }
    post_([finish = std::move(task.finish), ran] { finish(ran); });
  }
}

}  // namespace orch::store
