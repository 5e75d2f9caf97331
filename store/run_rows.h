// Row-level helpers shared by the run query files (run_store.cc writes runs as jobs fire and
// agents work; run_history.cc reads and tidies the history). Internal to store/ (SQLiteCpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <SQLiteCpp/Statement.h>

#include "common/clock.h"
#include "store/run_store.h"
#include "store/sqlite_store_impl.h"

namespace orch::store::internal {

/// The columns ReadRun() reads, from kRunFrom.
inline constexpr std::string_view kRunColumns =
    "r.run_id, r.job_id, r.scheduled_for, r.attempt, r.status, r.result, r.message, "
    "coalesce(r.agent_id, ''), r.agent_machine, r.client_machine, r.store_path, r.store_type, "
    "r.job_type, r.schedule_type, r.lease_expires, r.operation_start, r.operation_end, "
    "r.finished_at, coalesce(s.agent_id, ''), coalesce(s.agent_pool_id, ''), s.container_id";
/// Runs with their job's store.
inline constexpr std::string_view kRunFrom =
    "runs r LEFT JOIN jobs j ON j.job_id = r.job_id "
    "LEFT JOIN certificate_stores s ON s.id = j.store_id";

/// Reads a row of kRunColumns.
RunRecord ReadRun(SQLite::Statement& row);
/// "SELECT <kRunColumns> FROM <kRunFrom> <where>".
std::string SelectRuns(std::string_view where);
/// The run `run_id`, or nullopt.
std::optional<RunRecord> ReadRunById(SqliteStore::Impl& impl, int64_t run_id);
/// Inserts a Waiting run of `job_id` copying the store's facts; 0 when (job, time) exists.
int64_t InsertRun(SqliteStore::Impl& impl, std::string_view job_id, WallTime scheduled_for,
                  int attempt);
/// As InsertRun, scheduled for `at` or, when the job has a run at that millisecond already,
/// for the first free one of the 15 after it; 0 when none was free.
int64_t InsertRunAtOrAfter(SqliteStore::Impl& impl, std::string_view job_id, WallTime at,
                           int attempt);
/// Whether `status` is one of kClosedRunStatuses.
bool IsClosed(RunStatus status);

}  // namespace orch::store::internal
