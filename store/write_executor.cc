#include "store/write_executor.h"

#include <sqlite3.h>

#include <algorithm>
#include <vector>

#include "common/logging.h"
#include "store/agent_changes.h"
#include "store/sqlite_repositories.h"
#include "store/sqlite_store_impl.h"

namespace orch::store {

void CommitFaults::SetDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delay_ = delay;
}

void CommitFaults::Fail(int count, Status error, int after) {
  std::lock_guard lock(mutex_);
  fail_after_ = after;
  fail_count_ = count;
  fail_error_ = std::move(error);
}

CommitFaults::Fault CommitFaults::Next() {
  std::lock_guard lock(mutex_);
  Fault fault{delay_, Status::Ok()};
  if (fail_after_ > 0) {
    --fail_after_;
  } else if (fail_count_ > 0) {
    --fail_count_;
    ++failed_;
    fault.error = fail_error_;
  }
  return fault;
}

int64_t CommitFaults::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

namespace {

// What state() reports after a commit: see WriterState::last_commit.
Status Health(const Status& committed, const Status& written) {
  if (!committed.ok()) return committed;
  if (written.code() == StatusCode::kInsufficientStorage) return written;
  return Status::Ok();
}

}  // namespace

void StoreWriter::Submit(std::function<Status(Repositories&)> write,
                         std::function<void(Status)> done) {
  auto result = std::make_shared<Status>();
  Enqueue(Task{[write = std::move(write), result](Repositories& repositories) {
                 *result = write(repositories);
                 return *result;
               },
               [done = std::move(done), result](const Status& committed) {
                 done(committed.ok() ? std::move(*result) : committed);
               }});
}

InlineWriter::InlineWriter(SqliteStore& store, RepositoryFaults* faults)
    : store_(store), repositories_(RepositoriesOf(store, faults)) {}

InlineWriter::~InlineWriter() = default;

void InlineWriter::Enqueue(Task task) {
  if (holding_) {
    held_.push_back(std::move(task));
    return;
  }
  Run(task);
}

size_t InlineWriter::Release(size_t count) {
  size_t ran = 0;
  for (; ran < count && !held_.empty(); ++ran) {
    Task task = std::move(held_.front());
    held_.pop_front();
    Run(task);
  }
  return ran;
}

void InlineWriter::Run(Task& task) {
  Status written;
  const Status committed = RunAlone(task, written);
  state_.last_commit = Health(committed, written);
  if (committed.ok()) {
    ++state_.stats.commits;
    ++state_.stats.writes;
    state_.stats.largest_group = 1;
    state_.stats.group_size.Observe(1);
  } else {
    ++state_.stats.failed_commits;
  }
  // Ok: the write's own result is answered, an error of its own included.
  task.finish(committed);
}

Status InlineWriter::RunAlone(Task& task, Status& written) {
  SqliteStore::Impl& impl = store_.impl();
  sqlite3* const handle = impl.db.getHandle();
  ORCH_RETURN_IF_ERROR(impl.Run("starting a write", [&]() -> Status {
    impl.Prepare("BEGIN IMMEDIATE").exec();
    return Status::Ok();
  }));
  written = task.run(*repositories_);
  if (sqlite3_get_autocommit(handle) != 0) {  // SQLite rolled it back itself
    return written.ok() ? UnavailableError("the write transaction was lost") : written;
  }
  Status closed = impl.Run("committing", [&]() -> Status {
    impl.db.exec(written.ok() ? "COMMIT" : "ROLLBACK");
    return Status::Ok();
  });
  if (!closed.ok() && sqlite3_get_autocommit(handle) == 0) {
    (void)impl.Run("rolling back", [&]() -> Status {
      impl.db.exec("ROLLBACK");
      return Status::Ok();
    });
  }
  return closed;
}

WriteExecutor::WriteExecutor(std::unique_ptr<SqliteStore> writer, PostFn post, Options options)
    : writer_(std::move(writer)),
      repositories_(RepositoriesOf(*writer_, options.repository_faults)),
      post_(std::move(post)),
      options_(options) {
  thread_ = std::thread([this] { Loop(); });
}

WriteExecutor::~WriteExecutor() {
  Stop();
}

void WriteExecutor::Enqueue(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(task));
      wake_.notify_one();
      return;
    }
  }
  Status stopped = UnavailableError("the store is shutting down");
  post_([finish = std::move(task.finish), stopped] { finish(stopped); });
}

void WriteExecutor::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

WriterState WriteExecutor::state() const {
  std::lock_guard lock(mutex_);
  return {last_commit_, stats_, queue_.size() + in_group_};
}

void WriteExecutor::Loop() {
  std::deque<Task> group;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been written
      const size_t take = std::min(queue_.size(), options_.max_group);
      auto end = queue_.begin() + static_cast<std::ptrdiff_t>(take);
      group.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
      queue_.erase(queue_.begin(), end);
      in_group_ = group.size();
    }
    RunGroup(group);
    group.clear();
  }
}

void WriteExecutor::RunGroup(std::deque<Task>& group) {
  group_started_ = std::chrono::steady_clock::now();
  agent_changes_ = AgentChanges::Current();
  SqliteStore::Impl& impl = writer_->impl();
  sqlite3* const handle = impl.db.getHandle();
  Status begun = impl.Run("starting a write", [&]() -> Status {
    impl.Prepare("BEGIN IMMEDIATE").exec();
    return Status::Ok();
  });
  if (!begun.ok()) return Answer(group, begun, begun);
  // The first write refused for want of storage: the group may commit without it, but the
  // store is not taking writes.
  Status refused;
  for (Task& task : group) {
    // Each write is a savepoint of its own: one that fails is undone alone.
    Status status = impl.Run("writing", [&]() -> Status {
      impl.Prepare("SAVEPOINT task").exec();
      return Status::Ok();
    });
    if (status.ok()) status = task.run(*repositories_);
    if (refused.ok()) refused = Health(Status::Ok(), status);
    if (sqlite3_get_autocommit(handle) != 0) {
      // SQLite rolled the whole transaction back (an I/O error, disk full): the writes
      // before this one are gone too.
      const Status lost = status.ok() ? UnavailableError("the write transaction was lost") : status;
      return Answer(group, lost, lost);
    }
    Status closed = impl.Run("writing", [&]() -> Status {
      if (!status.ok()) impl.Prepare("ROLLBACK TO task").exec();
      impl.Prepare("RELEASE task").exec();
      return Status::Ok();
    });
    if (!closed.ok()) {
      (void)impl.Run("rolling back", [&]() -> Status {
        if (sqlite3_get_autocommit(handle) == 0) impl.db.exec("ROLLBACK");
        return Status::Ok();
      });
      return Answer(group, closed, closed);
    }
  }
  const Status committed = CommitGroup();
  Answer(group, committed, Health(committed, refused));
}

Status WriteExecutor::CommitGroup() {
  SqliteStore::Impl& impl = writer_->impl();
  CommitFaults::Fault fault;
  if (options_.faults != nullptr) fault = options_.faults->Next();
  if (fault.delay.count() > 0) std::this_thread::sleep_for(fault.delay);
  Status committed = fault.error;
  if (committed.ok()) {
    committed = impl.Run("committing", [&]() -> Status {
      impl.Prepare("COMMIT").exec();
      return Status::Ok();
    });
  }
  if (!committed.ok()) {
    (void)impl.Run("rolling back", [&]() -> Status {
      if (sqlite3_get_autocommit(impl.db.getHandle()) == 0) impl.db.exec("ROLLBACK");
      return Status::Ok();
    });
  }
  return committed;
}

void WriteExecutor::LogOutcome(size_t writes, const Status& committed, const Status& health) {
  const bool refused = health.code() == StatusCode::kInsufficientStorage;
  if (refused && !storage_refused_) {
    // The message names the file and says whether it is full or read-only.
    GetLogger("store")->error(
        "the store takes no writes until it has space or is writable again (reads go on): {}",
        health.message());
  } else if (!refused && storage_refused_ && health.ok()) {
    GetLogger("store")->info("database {} takes writes again", writer_->path());
  } else if (!committed.ok() && !refused) {
    GetLogger("store")->error("a group of {} write(s) was not committed: {}", writes,
                              committed.ToString());
  }
  if (refused || health.ok()) storage_refused_ = refused;
}

void WriteExecutor::Answer(std::deque<Task>& group, const Status& committed, const Status& health) {
  // Counted again now that the group is committed (or undone): see agent_changes.h.
  if (AgentChanges::Current() != agent_changes_) AgentChanges::NoteAgain(agent_changes_);
  LogOutcome(group.size(), committed, health);
  {
    std::lock_guard lock(mutex_);
    last_commit_ = health;
    in_group_ = 0;
    if (committed.ok()) {
      ++stats_.commits;
      stats_.writes += static_cast<int64_t>(group.size());
      stats_.largest_group = std::max(stats_.largest_group, static_cast<int64_t>(group.size()));
      stats_.commit_seconds.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - group_started_)
              .count());
      stats_.group_size.Observe(static_cast<double>(group.size()));
    } else {
      ++stats_.failed_commits;
    }
  }
  // One turn of the loop answers the whole group.
  auto finishes = std::make_shared<std::vector<std::function<void(const Status&)>>>();
  finishes->reserve(group.size());
  for (Task& task : group) finishes->push_back(std::move(task.finish));
  post_([finishes, committed] {
    for (auto& finish : *finishes) finish(committed);
  });
}

}  // namespace orch::store
