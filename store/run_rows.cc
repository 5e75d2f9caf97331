#include "store/run_rows.h"

#include <algorithm>
#include <chrono>
#include <iterator>

#include "jobs/iso_time.h"
#include "store/sql_values.h"

namespace orch::store::internal {
namespace {

using jobs::FromUnixMillis;
using jobs::ToUnixMillis;

std::optional<WallTime> OptionalTime(SQLite::Statement& row, int column) {
  if (row.getColumn(column).isNull()) return std::nullopt;
  return FromUnixMillis(row.getColumn(column).getInt64());
}

}  // namespace

RunRecord ReadRun(SQLite::Statement& row) {
  RunRecord run;
  run.run_id = row.getColumn(0).getInt64();
  run.job_id = row.getColumn(1).getString();
  run.scheduled_for = FromUnixMillis(row.getColumn(2).getInt64());
  run.attempt = row.getColumn(3).getInt();
  run.status = StoredEnum(row.getColumn(4).getInt64(), kRunStatuses, "runs.status");
  run.result = StoredEnum(row.getColumn(5).getInt64(), kRunResults, "runs.result");
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
  CachedStatement query = impl.Prepare(SelectRuns("WHERE r.run_id = ?"));
  query.bind(1, run_id);
  if (!query.executeStep()) return std::nullopt;
  return ReadRun(query);
}

int64_t InsertRun(SqliteStore::Impl& impl, std::string_view job_id, WallTime scheduled_for,
                  int attempt) {
  CachedStatement insert = impl.Prepare(
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

int64_t InsertRunAtOrAfter(SqliteStore::Impl& impl, std::string_view job_id, WallTime at,
                           int attempt) {
  int64_t id = 0;
  for (int tries = 0; id == 0 && tries < 16; ++tries, at += std::chrono::milliseconds(1)) {
    id = InsertRun(impl, job_id, at, attempt);
  }
  return id;
}

bool IsClosed(RunStatus status) {
  return std::ranges::find(kClosedRunStatuses, status) != std::end(kClosedRunStatuses);
}

}  // namespace orch::store::internal
