// SqliteRunStore: the writes of a run's life — firing, delivery, start, completion, cancelling.
// The job history's queries are in run_history.cc.
#include "store/run_store.h"

#include <SQLiteCpp/Statement.h>

#include "jobs/iso_time.h"
#include "store/job_store.h"
#include "store/pool_store.h"
#include "store/run_rows.h"
#include "store/sql_values.h"
#include "store/sqlite_store_impl.h"
#include "store/write_transaction.h"

namespace orch::store {
namespace {

using internal::InsertRun;
using internal::InsertRunAtOrAfter;
using internal::IsClosed;
using internal::OpenRunStatusList;
using internal::ReadRun;
using internal::ReadRunById;
using internal::SelectRuns;
using internal::SqlLiteral;
using jobs::FromUnixMillis;
using jobs::ToUnixMillis;

void BindOptionalTime(SQLite::Statement& statement, int index, std::optional<WallTime> time) {
  if (time) {
    statement.bind(index, ToUnixMillis(*time));
  } else {
    statement.bind(index);
  }
}

// A job with no next fire and no open run has nothing left to do.
void FinishIfDone(SqliteStore::Impl& impl, std::string_view job_id) {
  static const std::string kSql = "UPDATE jobs SET state = " + SqlLiteral(kJobFinished) +
                                  " WHERE job_id = ? AND state = " + SqlLiteral(kJobScheduled) +
                                  " AND next_fire IS NULL AND NOT EXISTS " +
                                  "(SELECT 1 FROM runs WHERE job_id = ? AND status IN " +
                                  OpenRunStatusList() + ")";
  internal::CachedStatement update = impl.Prepare(kSql);
  update.bind(1, std::string(job_id));
  update.bind(2, std::string(job_id));
  update.exec();
}

std::optional<FireJob> ReadFireJob(SqliteStore::Impl& impl, const FireEntry& entry) {
  static const std::string kSql =
      "SELECT j.job_id, j.schedule, j.requested, EXISTS (SELECT 1 FROM runs r WHERE "
      "r.job_id = j.job_id AND r.status IN " +
      OpenRunStatusList() +
      ") FROM jobs j WHERE j.seq = ? AND j.state = " + SqlLiteral(kJobScheduled) +
      " AND j.next_fire = ?";
  internal::CachedStatement query = impl.Prepare(kSql);
  query.bind(1, entry.job_seq);
  query.bind(2, entry.fire_ms);
  if (!query.executeStep()) return std::nullopt;
  FireJob job;
  job.job_seq = entry.job_seq;
  job.job_id = query.getColumn(0).getString();
  job.schedule_json = query.getColumn(1).getString();
  job.requested = FromUnixMillis(query.getColumn(2).getInt64());
  job.next_fire = FromUnixMillis(entry.fire_ms);
  job.has_open_run = query.getColumn(3).getInt() != 0;
  return job;
}

void ApplyDecision(SqliteStore::Impl& impl, const FireJob& job, const FireDecision& decision) {
  internal::CachedStatement update = impl.Prepare(
      "UPDATE jobs SET next_fire = ?, skipped_overlap = skipped_overlap + ?, "
      "missed_catchup = missed_catchup + ? WHERE seq = ?");
  BindOptionalTime(update, 1, decision.next_fire);
  update.bind(2, decision.skipped_overlap);
  update.bind(3, decision.missed_catchup);
  update.bind(4, job.job_seq);
  update.exec();
  if (!decision.run_at) FinishIfDone(impl, job.job_id);
}

}  // namespace

StatusOr<std::vector<FireEntry>> SqliteRunStore::LoadFireQueue() {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("loading the fire queue", [&]() -> StatusOr<std::vector<FireEntry>> {
    static const std::string kSql =
        "SELECT next_fire, seq FROM jobs WHERE next_fire IS NOT NULL AND state = " +
        SqlLiteral(kJobScheduled);
    internal::CachedStatement query = impl.Prepare(kSql);
    std::vector<FireEntry> entries;
    while (query.executeStep()) {
      entries.push_back({query.getColumn(0).getInt64(), query.getColumn(1).getInt64()});
    }
    return entries;
  });
}

StatusOr<std::vector<RunRecord>> SqliteRunStore::LoadOpenRuns() {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("loading open runs", [&]() -> StatusOr<std::vector<RunRecord>> {
    // The WHERE repeats runs_open's, so the index serves it.
    static const std::string kSql =
        SelectRuns("WHERE r.status IN " + OpenRunStatusList() + " ORDER BY r.run_id");
    internal::CachedStatement query = impl.Prepare(kSql);
    std::vector<RunRecord> runs;
    while (query.executeStep()) runs.push_back(ReadRun(query));
    return runs;
  });
}

StatusOr<std::vector<RunRecord>> SqliteRunStore::Fire(
    const std::vector<FireEntry>& entries,
    const std::function<FireDecision(const FireJob&)>& decide) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("firing jobs", [&]() -> StatusOr<std::vector<RunRecord>> {
    internal::WriteTransaction transaction(impl);
    std::vector<int64_t> written;
    for (const FireEntry& entry : entries) {
      std::optional<FireJob> job = ReadFireJob(impl, entry);
      if (!job) continue;
      const FireDecision decision = decide(*job);
      ApplyDecision(impl, *job, decision);
      if (decision.run_at) {
        if (int64_t id = InsertRun(impl, job->job_id, *decision.run_at, 1)) {
          written.push_back(id);
        }
      }
    }
    transaction.commit();
    std::vector<RunRecord> runs;
    runs.reserve(written.size());
    for (int64_t id : written) {
      if (std::optional<RunRecord> run = ReadRunById(impl, id)) runs.push_back(*run);
    }
    return runs;
  });
}

StatusOr<std::optional<RunRecord>> SqliteRunStore::FindRun(int64_t run_id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading a run", [&]() -> StatusOr<std::optional<RunRecord>> {
    return ReadRunById(impl, run_id);
  });
}

StatusOr<std::vector<RunRecord>> SqliteRunStore::WaitingRunsOfStores(
    const std::vector<std::string>& store_ids) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading a store's waiting runs", [&]() -> StatusOr<std::vector<RunRecord>> {
    std::vector<RunRecord> runs;
    static const std::string kSql =
        SelectRuns("WHERE r.status = " + SqlLiteral(RunStatus::kWaiting) +
                   " AND r.agent_id IS NULL AND j.store_id = ? ORDER BY r.run_id");
    internal::CachedStatement query = impl.Prepare(kSql);
    for (const std::string& id : store_ids) {
      query.reset();
      query.bind(1, id);
      while (query.executeStep()) runs.push_back(ReadRun(query));
    }
    return runs;
  });
}

StatusOr<Delivered> SqliteRunStore::Deliver(const std::vector<Delivery>& deliveries) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("delivering runs", [&]() -> StatusOr<Delivered> {
    internal::WriteTransaction transaction(impl);
    Delivered delivered;
    std::vector<std::vector<int64_t>> leased(deliveries.size());
    {
      static const std::string kSql =
          "UPDATE runs SET agent_id = ?1, agent_machine = ?2, lease_expires = ?3 "
          "WHERE run_id = ?4 AND status = " +
          SqlLiteral(RunStatus::kWaiting) +
          " AND agent_id IS NULL AND EXISTS (SELECT 1 FROM jobs "
          "j JOIN certificate_stores s ON s.id = j.store_id WHERE j.job_id = runs.job_id AND "
          "(s.agent_id = ?1 OR s.agent_pool_id = ?5))";
      internal::CachedStatement update = impl.Prepare(kSql);
      for (size_t i = 0; i < deliveries.size(); ++i) {
        const Delivery& d = deliveries[i];
        for (int64_t id : d.run_ids) {
          update.reset();
          update.bind(1, d.agent_id);
          update.bind(2, d.agent_machine);
          update.bind(3, ToUnixMillis(d.lease_expires));
          update.bind(4, id);
          update.bind(5, d.pool_id);
          if (update.exec() == 1) {
            leased[i].push_back(id);
          } else {
            delivered.refused.push_back(id);
          }
        }
      }
    }
    delivered.runs.resize(deliveries.size());
    for (size_t i = 0; i < leased.size(); ++i) {
      for (int64_t id : leased[i]) {
        if (std::optional<RunRecord> run = ReadRunById(impl, id)) {
          delivered.runs[i].push_back(std::move(*run));
        }
      }
    }
    transaction.commit();
    return delivered;
  });
}

StatusOr<std::vector<RunRecord>> SqliteRunStore::Redeliver(const std::string& agent_id,
                                                           const std::vector<int64_t>& run_ids,
                                                           WallTime lease_expires) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("delivering runs again", [&]() -> StatusOr<std::vector<RunRecord>> {
    internal::WriteTransaction transaction(impl);
    static const std::string kSql = "UPDATE runs SET lease_expires = ?1 WHERE run_id = ?2 AND "
                                    "agent_id = ?3 AND status = " +
                                    SqlLiteral(RunStatus::kWaiting);
    internal::CachedStatement update = impl.Prepare(kSql);
    std::vector<RunRecord> runs;
    for (int64_t id : run_ids) {
      update.reset();
      update.bind(1, ToUnixMillis(lease_expires));
      update.bind(2, id);
      update.bind(3, agent_id);
      if (update.exec() != 1) continue;
      if (std::optional<RunRecord> run = ReadRunById(impl, id)) runs.push_back(std::move(*run));
    }
    transaction.commit();
    return runs;
  });
}

Status SqliteRunStore::Start(int64_t run_id, WallTime now) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("starting a run", [&]() -> Status {
    static const std::string kSql =
        "UPDATE runs SET status = " + SqlLiteral(RunStatus::kInProcess) +
        ", operation_start = ? WHERE run_id = ? AND status = " + SqlLiteral(RunStatus::kWaiting);
    internal::CachedStatement update = impl.Prepare(kSql);
    update.bind(1, ToUnixMillis(now));
    update.bind(2, run_id);
    if (update.exec() == 0) {
      return FailedPreconditionError("run " + std::to_string(run_id) + " is not waiting");
    }
    return Status::Ok();
  });
}

StatusOr<std::optional<RunRecord>> SqliteRunStore::Complete(const RunCompletion& completion) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("completing a run", [&]() -> StatusOr<std::optional<RunRecord>> {
    internal::WriteTransaction transaction(impl);
    std::optional<RunRecord> run = ReadRunById(impl, completion.run_id);
    if (!run || IsClosed(run->status)) {
      return FailedPreconditionError("run " + std::to_string(completion.run_id) + " is not open");
    }
    internal::CachedStatement update = impl.Prepare(
        "UPDATE runs SET status = ?, result = ?, message = ?, operation_end = ?, "
        "finished_at = ?, lease_expires = NULL WHERE run_id = ?");
    update.bind(1, static_cast<int>(completion.retry_at ? RunStatus::kCompletedWillRetry
                                                        : RunStatus::kCompleted));
    update.bind(2, static_cast<int>(completion.result));
    update.bind(3, completion.message);
    update.bind(4, ToUnixMillis(completion.now));
    update.bind(5, ToUnixMillis(completion.now));
    update.bind(6, completion.run_id);
    update.exec();
    std::optional<RunRecord> retry;
    if (completion.retry_at) {
      // A retry due at the same millisecond as an earlier run of the job moves one later.
      const int64_t id =
          InsertRunAtOrAfter(impl, run->job_id, *completion.retry_at, run->attempt + 1);
      if (id != 0) retry = ReadRunById(impl, id);
    }
    FinishIfDone(impl, run->job_id);
    transaction.commit();
    return retry;
  });
}

StatusOr<std::vector<int64_t>> SqliteRunStore::CancelWaiting(const std::vector<std::string>& job_ids,
                                                       std::string_view message, WallTime now) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("cancelling waiting runs", [&]() -> StatusOr<std::vector<int64_t>> {
    internal::WriteTransaction transaction(impl);
    static const std::string kSelectSql =
        "SELECT run_id FROM runs WHERE job_id = ? AND status = " + SqlLiteral(RunStatus::kWaiting) +
        " AND agent_id IS NULL";
    static const std::string kUpdateSql =
        "UPDATE runs SET status = " + SqlLiteral(RunStatus::kCompleted) +
        ", result = " + SqlLiteral(RunResult::kUnknown) +
        ", message = ?, finished_at = ? WHERE run_id = ?";
    internal::CachedStatement select = impl.Prepare(kSelectSql);
    internal::CachedStatement update = impl.Prepare(kUpdateSql);
    std::vector<int64_t> cancelled;
    for (const std::string& job_id : job_ids) {
      select.reset();
      select.bind(1, job_id);
      while (select.executeStep()) cancelled.push_back(select.getColumn(0).getInt64());
    }
    for (int64_t id : cancelled) {
      update.reset();
      update.bind(1, std::string(message));
      update.bind(2, ToUnixMillis(now));
      update.bind(3, id);
      update.exec();
    }
    transaction.commit();
    return cancelled;
  });
}

}  // namespace orch::store
