#include "store/run_store.h"

#include <algorithm>

#include <SQLiteCpp/Statement.h>

#include "jobs/iso_time.h"
#include "store/job_store.h"
#include "store/paged_select.h"
#include "store/pool_store.h"
#include "store/sql_values.h"
#include "store/sqlite_store_impl.h"
#include "store/write_transaction.h"

namespace orch::store {
namespace {

using internal::OpenRunStatusList;
using internal::SqlLiteral;
using jobs::FromUnixMillis;
using jobs::QueryField;
using jobs::ToUnixMillis;

constexpr std::string_view kRunColumns =
    "r.run_id, r.job_id, r.scheduled_for, r.attempt, r.status, r.result, r.message, "
    "coalesce(r.agent_id, ''), r.agent_machine, r.client_machine, r.store_path, r.store_type, "
    "r.job_type, r.schedule_type, r.lease_expires, r.operation_start, r.operation_end, "
    "r.finished_at, coalesce(s.agent_id, ''), coalesce(s.agent_pool_id, ''), s.container_id";
constexpr std::string_view kRunFrom =
    "runs r LEFT JOIN jobs j ON j.job_id = r.job_id "
    "LEFT JOIN certificate_stores s ON s.id = j.store_id";

// Every field of RunQueryFields() is a column of runs: a count needs no join.
constexpr std::string_view kRunCountFrom = "runs r";

std::optional<WallTime> OptionalTime(SQLite::Statement& row, int column) {
  if (row.getColumn(column).isNull()) return std::nullopt;
  return FromUnixMillis(row.getColumn(column).getInt64());
}

void BindOptionalTime(SQLite::Statement& statement, int index, std::optional<WallTime> time) {
  if (time) {
    statement.bind(index, ToUnixMillis(*time));
  } else {
    statement.bind(index);
  }
}

RunRecord ReadRun(SQLite::Statement& row) {
  RunRecord run;
  run.run_id = row.getColumn(0).getInt64();
  run.job_id = row.getColumn(1).getString();
  run.scheduled_for = FromUnixMillis(row.getColumn(2).getInt64());
  run.attempt = row.getColumn(3).getInt();
  run.status = static_cast<RunStatus>(row.getColumn(4).getInt());
  run.result = static_cast<RunResult>(row.getColumn(5).getInt());
  run.message = row.getColumn(6).getString();
  run.agent_id = row.getColumn(7).getString();
  run.agent_machine = row.getColumn(8).getString();
  run.client_machine = row.getColumn(9).getString();
  run.store_path = row.getColumn(10).getString();
  run.store_type = row.getColumn(11).getInt();
  run.job_type = row.getColumn(12).getString();
  if (!row.getColumn(13).isNull()) run.schedule_type = row.getColumn(13).getString();
  run.lease_expires = OptionalTime(row, 14);
  run.operation_start = OptionalTime(row, 15);
  run.operation_end = OptionalTime(row, 16);
  run.finished_at = OptionalTime(row, 17);
  run.target_agent_id = row.getColumn(18).getString();
  run.target_pool_id = row.getColumn(19).getString();
  if (!row.getColumn(20).isNull()) run.container_id = row.getColumn(20).getInt64();
  return run;
}

std::string SelectRuns(std::string_view where) {
  return "SELECT " + std::string(kRunColumns) + " FROM " + std::string(kRunFrom) + " " +
         std::string(where);
}

std::optional<RunRecord> ReadRunById(SqliteStore::Impl& impl, int64_t run_id) {
  internal::CachedStatement query = impl.Prepare(SelectRuns("WHERE r.run_id = ?"));
  query.bind(1, run_id);
  if (!query.executeStep()) return std::nullopt;
  return ReadRun(query);
}

// Inserts a Waiting run of `job_id` copying the store's facts; 0 when (job, time) exists.
int64_t InsertRun(SqliteStore::Impl& impl, std::string_view job_id, WallTime scheduled_for,
                  int attempt) {
  internal::CachedStatement insert = impl.Prepare(
      "INSERT INTO runs (job_id, scheduled_for, attempt, client_machine, store_path, store_type, "
      "job_type, schedule_type) "
      "SELECT j.job_id, ?, ?, s.client_machine, s.store_path, s.store_type, j.job_type, "
      "j.schedule_type FROM jobs j JOIN certificate_stores s ON s.id = j.store_id "
      "WHERE j.job_id = ? ON CONFLICT (job_id, scheduled_for) DO NOTHING");
  insert.bind(1, ToUnixMillis(scheduled_for));
  insert.bind(2, attempt);
  insert.bind(3, std::string(job_id));
  if (insert.exec() == 0) return 0;
  return impl.db.getLastInsertRowid();
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

// The runs among `run_ids` that exist; NotFound naming every unknown one.
StatusOr<std::vector<RunRecord>> RequireRuns(SqliteStore::Impl& impl,
                                             const std::vector<int64_t>& run_ids) {
  std::vector<RunRecord> runs;
  std::string missing;
  for (int64_t id : run_ids) {
    std::optional<RunRecord> run = ReadRunById(impl, id);
    if (run) {
      runs.push_back(std::move(*run));
    } else {
      missing += (missing.empty() ? "" : ", ") + std::to_string(id);
    }
  }
  if (!missing.empty()) return NotFoundError("no job history entry with Id " + missing);
  return runs;
}

bool IsClosed(RunStatus status) {
  return std::ranges::find(internal::kClosedRunStatuses, status) !=
         std::end(internal::kClosedRunStatuses);
}

}  // namespace

const std::vector<QueryField>& RunQueryFields() {
  static const std::vector<QueryField> kFields = {
      {"JobHistoryId", "r.run_id", QueryField::kInteger},
      {"AgentId", "r.agent_id", QueryField::kGuid},
      {"Agent", "r.agent_machine", QueryField::kText},
      {"JobId", "r.job_id", QueryField::kGuid},
      {"Result",
       "r.result",
       QueryField::kInteger,
       {{"Unknown", static_cast<int64_t>(RunResult::kUnknown)},
        {"Success", static_cast<int64_t>(RunResult::kSuccess)},
        {"Warning", static_cast<int64_t>(RunResult::kWarning)},
        {"Failure", static_cast<int64_t>(RunResult::kFailure)}}},
      {"Status",
       "r.status",
       QueryField::kInteger,
       {{"Waiting", static_cast<int64_t>(RunStatus::kWaiting)},
        {"InProcess", static_cast<int64_t>(RunStatus::kInProcess)},
        {"Completed", static_cast<int64_t>(RunStatus::kCompleted)},
        {"Acknowledged", static_cast<int64_t>(RunStatus::kAcknowledged)},
        {"CompletedWillRetry", static_cast<int64_t>(RunStatus::kCompletedWillRetry)}}},
      {"JobType", "r.job_type", QueryField::kText},
      {"Message", "r.message", QueryField::kText},
      {"OperationStart", "r.operation_start", QueryField::kTime},
      {"ScheduleType", "r.schedule_type", QueryField::kText},
      {"TargetPath", "r.store_path", QueryField::kText},
      {"ClientMachine", "r.client_machine", QueryField::kText},
      {"ScheduledFor", "r.scheduled_for", QueryField::kTime},
      {"OperationEnd", "r.operation_end", QueryField::kTime},
      {"Attempt", "r.attempt", QueryField::kInteger},
  };
  return kFields;
}

StatusOr<std::vector<FireEntry>> RunStore::LoadFireQueue() {
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

StatusOr<std::vector<RunRecord>> RunStore::LoadOpenRuns() {
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

StatusOr<std::vector<RunRecord>> RunStore::Fire(
    const std::vector<FireEntry>& entries,
    const std::function<FireDecision(const FireJob&)>& decide) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("firing jobs", [&]() -> StatusOr<std::vector<RunRecord>> {
    internal::WriteTransaction transaction(impl.db);
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

StatusOr<std::optional<RunRecord>> RunStore::FindRun(int64_t run_id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading a run", [&]() -> StatusOr<std::optional<RunRecord>> {
    return ReadRunById(impl, run_id);
  });
}

StatusOr<std::vector<RunRecord>> RunStore::WaitingRunsOfStores(
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

StatusOr<std::string> RunStore::PoolOfAgent(std::string_view agent_id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("finding an agent's pool", [&]() -> StatusOr<std::string> {
    internal::CachedStatement query =
        impl.Prepare("SELECT pool_id FROM agent_pool_members WHERE agent_id = ?");
    query.bind(1, std::string(agent_id));
    if (query.executeStep()) return query.getColumn(0).getString();
    return std::string(kDefaultPoolId);
  });
}

StatusOr<Delivered> RunStore::Deliver(const std::vector<Delivery>& deliveries) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("delivering runs", [&]() -> StatusOr<Delivered> {
    internal::WriteTransaction transaction(impl.db);
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

Status RunStore::Start(int64_t run_id, WallTime now) {
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

StatusOr<std::optional<RunRecord>> RunStore::Complete(const RunCompletion& completion) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("completing a run", [&]() -> StatusOr<std::optional<RunRecord>> {
    internal::WriteTransaction transaction(impl.db);
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
      WallTime at = *completion.retry_at;
      int64_t id = 0;
      for (int tries = 0; id == 0 && tries < 16; ++tries, at += std::chrono::milliseconds(1)) {
        id = InsertRun(impl, run->job_id, at, run->attempt + 1);
      }
      if (id != 0) retry = ReadRunById(impl, id);
    }
    FinishIfDone(impl, run->job_id);
    transaction.commit();
    return retry;
  });
}

StatusOr<std::vector<int64_t>> RunStore::CancelWaiting(const std::vector<std::string>& job_ids,
                                                       std::string_view message, WallTime now) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("cancelling waiting runs", [&]() -> StatusOr<std::vector<int64_t>> {
    internal::WriteTransaction transaction(impl.db);
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

StatusOr<Page<RunRecord>> RunStore::ListRuns(const jobs::Paging& paging) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing job history", [&]() -> StatusOr<Page<RunRecord>> {
    Page<RunRecord> page;
    page.total = internal::RunPagedSelect(
        impl, {kRunColumns, kRunFrom, "r.run_id", kRunCountFrom}, paging,
        [&](SQLite::Statement& row) { page.rows.push_back(ReadRun(row)); });
    return page;
  });
}

StatusOr<std::vector<RunRecord>> RunStore::RunsAfter(int64_t after_run_id, int limit) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("following job history", [&]() -> StatusOr<std::vector<RunRecord>> {
    internal::CachedStatement query =
        impl.Prepare(SelectRuns("WHERE r.run_id > ? ORDER BY r.run_id LIMIT ?"));
    query.bind(1, after_run_id);
    query.bind(2, limit);
    std::vector<RunRecord> runs;
    while (query.executeStep()) runs.push_back(ReadRun(query));
    return runs;
  });
}

StatusOr<std::vector<int64_t>> RunStore::MatchRuns(const jobs::SqlFilter& filter, int64_t limit) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("matching job history", [&]() -> StatusOr<std::vector<int64_t>> {
    internal::CachedStatement query =
        impl.Prepare("SELECT r.run_id FROM " + std::string(kRunFrom) +
                     internal::WhereClause(filter) + " ORDER BY r.run_id LIMIT ?");
    internal::BindParams(query, filter.params);
    query.bind(static_cast<int>(filter.params.size()) + 1, limit);
    std::vector<int64_t> ids;
    while (query.executeStep()) ids.push_back(query.getColumn(0).getInt64());
    return ids;
  });
}

StatusOr<int64_t> RunStore::Acknowledge(const std::vector<int64_t>& run_ids) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("acknowledging runs", [&]() -> StatusOr<int64_t> {
    internal::WriteTransaction transaction(impl.db);
    ORCH_ASSIGN_OR_RETURN(std::vector<RunRecord> runs, RequireRuns(impl, run_ids));
    for (const RunRecord& run : runs) {
      const bool failed_or_warned =
          run.result == RunResult::kWarning || run.result == RunResult::kFailure;
      if (run.status == RunStatus::kAcknowledged) continue;
      if (run.status != RunStatus::kCompleted || !failed_or_warned) {
        return FailedPreconditionError("job history entry " + std::to_string(run.run_id) +
                                       " is not a completed run with a warning or a failure");
      }
    }
    static const std::string kSql =
        "UPDATE runs SET status = " + SqlLiteral(RunStatus::kAcknowledged) +
        " WHERE run_id = ? AND status = " + SqlLiteral(RunStatus::kCompleted);
    internal::CachedStatement update = impl.Prepare(kSql);
    int64_t changed = 0;
    for (const RunRecord& run : runs) {
      update.reset();
      update.bind(1, run.run_id);
      changed += update.exec();
    }
    transaction.commit();
    return changed;
  });
}

StatusOr<std::vector<RunRecord>> RunStore::Rerun(const std::vector<int64_t>& run_ids,
                                                 WallTime now) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("rescheduling runs", [&]() -> StatusOr<std::vector<RunRecord>> {
    internal::WriteTransaction transaction(impl.db);
    ORCH_ASSIGN_OR_RETURN(std::vector<RunRecord> runs, RequireRuns(impl, run_ids));
    static const std::string kStateSql =
        "SELECT j.state, EXISTS (SELECT 1 FROM runs r WHERE r.job_id = j.job_id AND r.status IN " +
        OpenRunStatusList() + ") FROM jobs j WHERE j.job_id = ?";
    internal::CachedStatement state = impl.Prepare(kStateSql);
    std::vector<std::string> jobs;
    for (const RunRecord& run : runs) {
      const std::string id = std::to_string(run.run_id);
      if (!IsClosed(run.status) || run.result != RunResult::kFailure) {
        return FailedPreconditionError("job history entry " + id + " is not a failed run");
      }
      state.reset();
      state.bind(1, run.job_id);
      if (!state.executeStep() || state.getColumn(0).getString() == kJobUnscheduled) {
        return FailedPreconditionError("job history entry " + id + ": its job is unscheduled");
      }
      if (state.getColumn(1).getInt() != 0) {
        return FailedPreconditionError("job history entry " + id + ": its job has a run in flight");
      }
      if (std::find(jobs.begin(), jobs.end(), run.job_id) == jobs.end()) {
        jobs.push_back(run.job_id);
      }
    }
    static const std::string kReopenSql =
        "UPDATE jobs SET state = " + SqlLiteral(kJobScheduled) +
        " WHERE job_id = ? AND state = " + SqlLiteral(kJobFinished);
    internal::CachedStatement reopen = impl.Prepare(kReopenSql);
    std::vector<RunRecord> created;
    for (const std::string& job_id : jobs) {
      reopen.reset();
      reopen.bind(1, job_id);
      reopen.exec();
      WallTime at = now;
      int64_t id = 0;
      for (int tries = 0; id == 0 && tries < 16; ++tries, at += std::chrono::milliseconds(1)) {
        id = InsertRun(impl, job_id, at, 1);
      }
      if (id != 0) created.push_back(*ReadRunById(impl, id));
    }
    transaction.commit();
    return created;
  });
}

StatusOr<int64_t> RunStore::Prune(WallTime success_before, WallTime other_before, int64_t limit) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("pruning job history", [&]() -> StatusOr<int64_t> {
    static const std::string kSql = [] {
      const std::string success = SqlLiteral(RunResult::kSuccess);
      return "DELETE FROM runs WHERE run_id IN (SELECT run_id FROM runs WHERE finished_at IS "
             "NOT NULL AND status IN " +
             internal::SqlList<RunStatus>(internal::kClosedRunStatuses) +
             " AND ((result = " + success + " AND finished_at < ?) OR (result <> " + success +
             " AND finished_at < ?)) LIMIT ?)";
    }();
    internal::CachedStatement prune = impl.Prepare(kSql);
    prune.bind(1, ToUnixMillis(success_before));
    prune.bind(2, ToUnixMillis(other_before));
    prune.bind(3, limit);
    return static_cast<int64_t>(prune.exec());
  });
}

}  // namespace orch::store
