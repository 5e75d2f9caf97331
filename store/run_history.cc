// SqliteRunStore: the job history — listing, following and matching runs, Acknowledge, Reschedule
// and pruning. The writes of a run's life are in run_store.cc.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

#include <SQLiteCpp/Statement.h>

#include "jobs/iso_time.h"
#include "store/job_store.h"
#include "store/paged_select.h"
#include "store/run_rows.h"
#include "store/run_store.h"
#include "store/sql_values.h"
#include "store/sqlite_store_impl.h"
#include "store/write_transaction.h"

namespace orch::store {
namespace {

using internal::InsertRunAtOrAfter;
using internal::IsClosed;
using internal::kRunColumns;
using internal::kRunFrom;
using internal::OpenRunStatusList;
using internal::ReadRun;
using internal::ReadRunById;
using internal::SelectRuns;
using internal::SqlLiteral;
using jobs::QueryField;
using jobs::ToUnixMillis;

// Every field of RunQueryFields() is a column of runs: a count needs no join.
constexpr std::string_view kRunCountFrom = "runs r";

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

// Runs with ids in one block of run_start_marks.
constexpr int kStartMarkShift = 12;

// A query from a moment on (OperationStart -ge T at its top level) only matches runs of the
// blocks whose latest start is T or later; the blocks before the first of them are skipped
// by a bound on the run id, which the run-id order of the indexes can use. The marks never
// understate a block's latest start, so the bound drops no match.
Status NarrowByStartMarks(SqliteStore::Impl& impl, jobs::SqlFilter& filter) {
  std::optional<int64_t> since;
  for (const jobs::SqlFilter::LowerBound& bound : filter.lower_bounds) {
    if (bound.column == "r.operation_start") since = std::max(since.value_or(bound.value), bound.value);
  }
  if (!since) return Status::Ok();
  internal::CachedStatement first =
      impl.Prepare("SELECT min(block) FROM run_start_marks WHERE max_start >= ?");
  first.bind(1, *since);
  first.executeStep();
  // No block has started since: no run has, and none can match.
  const int64_t from = first.getColumn(0).isNull()
                           ? std::numeric_limits<int64_t>::max()
                           : first.getColumn(0).getInt64() << kStartMarkShift;
  filter.where_sql = "(" + filter.where_sql + ") AND r.run_id >= ?";
  filter.params.emplace_back(from);
  return Status::Ok();
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

StatusOr<std::map<RunStatus, int64_t>> SqliteRunStore::CountRunsByStatus() {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("counting runs", [&]() -> StatusOr<std::map<RunStatus, int64_t>> {
    internal::CachedStatement query =
        impl.Prepare("SELECT status, count(*) FROM runs GROUP BY status");
    std::map<RunStatus, int64_t> counts;
    while (query.executeStep()) {
      counts[internal::StoredEnum(query.getColumn(0).getInt64(), internal::kRunStatuses,
                                  "runs.status")] = query.getColumn(1).getInt64();
    }
    return counts;
  });
}

StatusOr<Page<RunRecord>> SqliteRunStore::ListRuns(const jobs::Paging& paging) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing job history", [&]() -> StatusOr<Page<RunRecord>> {
    jobs::Paging narrowed = paging;
    ORCH_RETURN_IF_ERROR(NarrowByStartMarks(impl, narrowed.filter));
    Page<RunRecord> page;
    internal::SetCount(page,
                       internal::RunPagedSelect(
                           impl, {kRunColumns, kRunFrom, "r.run_id", kRunCountFrom}, narrowed,
                           [&](SQLite::Statement& row) { page.rows.push_back(ReadRun(row)); }));
    return page;
  });
}

StatusOr<std::vector<RunRecord>> SqliteRunStore::RunsAfter(int64_t after_run_id, int limit) {
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

StatusOr<std::vector<int64_t>> SqliteRunStore::MatchRuns(const jobs::SqlFilter& filter, int64_t limit) {
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

StatusOr<int64_t> SqliteRunStore::Acknowledge(const std::vector<int64_t>& run_ids) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("acknowledging runs", [&]() -> StatusOr<int64_t> {
    internal::WriteTransaction transaction(impl);
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

StatusOr<std::vector<RunRecord>> SqliteRunStore::Rerun(const std::vector<int64_t>& run_ids,
                                                 WallTime now) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("rescheduling runs", [&]() -> StatusOr<std::vector<RunRecord>> {
    internal::WriteTransaction transaction(impl);
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
      const int64_t id = InsertRunAtOrAfter(impl, job_id, now, 1);
      if (id != 0) created.push_back(*ReadRunById(impl, id));
    }
    transaction.commit();
    return created;
  });
}

StatusOr<int64_t> SqliteRunStore::Prune(WallTime success_before, WallTime other_before, int64_t limit) {
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
