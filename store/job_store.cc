#include "store/job_store.h"

#include <SQLiteCpp/Statement.h>

#include "jobs/ascii.h"
#include "jobs/iso_time.h"
#include "store/paged_select.h"
#include "store/sql_values.h"
#include "store/sqlite_store_impl.h"
#include "store/write_transaction.h"

namespace orch::store {
namespace {

using jobs::QueryField;

constexpr std::string_view kJobColumns =
    "j.job_id, j.job_type, j.operation_type, j.store_id, s.client_machine, s.store_path, "
    "s.store_type, s.container_id, coalesce(s.agent_id, ''), coalesce(s.agent_pool_id, ''), "
    "j.certificate_id, c.thumbprint, j.alias, j.overwrite, j.include_private_key, "
    "j.job_fields, j.schedule, j.schedule_type, j.state, j.next_fire, j.requested, "
    "j.requester_name, j.pfx_password IS NOT NULL, j.entry_password IS NOT NULL, "
    "j.skipped_overlap, j.missed_catchup";
constexpr std::string_view kJobFrom =
    "jobs j JOIN certificate_stores s ON s.id = j.store_id "
    "JOIN certificates c ON c.id = j.certificate_id";

JobRow ReadJob(SQLite::Statement& row) {
  JobRow job;
  job.job_id = row.getColumn(0).getString();
  job.job_type = row.getColumn(1).getString();
  job.operation_type = row.getColumn(2).getInt();
  job.store_id = row.getColumn(3).getString();
  job.client_machine = row.getColumn(4).getString();
  job.store_path = row.getColumn(5).getString();
  job.store_type = row.getColumn(6).getInt();
  if (!row.getColumn(7).isNull()) job.container_id = row.getColumn(7).getInt64();
  job.agent_id = row.getColumn(8).getString();
  job.agent_pool_id = row.getColumn(9).getString();
  job.certificate_id = row.getColumn(10).getInt64();
  job.thumbprint = row.getColumn(11).getString();
  job.alias = row.getColumn(12).getString();
  job.overwrite = row.getColumn(13).getInt() != 0;
  job.include_private_key = row.getColumn(14).getInt() != 0;
  job.job_fields_json = row.getColumn(15).getString();
  job.schedule_json = row.getColumn(16).getString();
  if (!row.getColumn(17).isNull()) job.schedule_type = row.getColumn(17).getString();
  job.state = row.getColumn(18).getString();
  if (!row.getColumn(19).isNull())
    job.next_fire = jobs::FromUnixMillis(row.getColumn(19).getInt64());
  job.requested = jobs::FromUnixMillis(row.getColumn(20).getInt64());
  job.requester_name = row.getColumn(21).getString();
  job.has_pfx_password = row.getColumn(22).getInt() != 0;
  job.has_entry_password = row.getColumn(23).getInt() != 0;
  job.skipped_overlap = row.getColumn(24).getInt64();
  job.missed_catchup = row.getColumn(25).getInt64();
  return job;
}

JobTarget ReadTarget(SQLite::Statement& row) {
  JobTarget target{row.getColumn(0).getString(), row.getColumn(1).getString(), std::nullopt};
  if (!row.getColumn(2).isNull()) target.container_id = row.getColumn(2).getInt64();
  return target;
}

void BindOptionalBlob(SQLite::Statement& statement, int index,
                      const std::optional<std::string>& bytes) {
  if (bytes) {
    statement.bind(index, bytes->data(), static_cast<int>(bytes->size()));
  } else {
    statement.bind(index);
  }
}

Status CheckReferences(SqliteStore::Impl& impl, const NewJob& job) {
  internal::CachedStatement store = impl.Prepare("SELECT 1 FROM certificate_stores WHERE id = ?");
  store.bind(1, job.store_id);
  if (!store.executeStep()) return NotFoundError("no certificate store with Id " + job.store_id);
  internal::CachedStatement certificate = impl.Prepare("SELECT 1 FROM certificates WHERE id = ?");
  certificate.bind(1, job.certificate_id);
  if (!certificate.executeStep()) {
    return NotFoundError("no certificate with Id " + std::to_string(job.certificate_id));
  }
  return Status::Ok();
}

void InsertJob(SQLite::Statement& insert, const NewJob& job) {
  insert.reset();
  insert.bind(1, job.job_id);
  insert.bind(2, job.job_type);
  insert.bind(3, job.operation_type);
  insert.bind(4, job.store_id);
  insert.bind(5, job.certificate_id);
  insert.bind(6, job.alias);
  insert.bind(7, job.overwrite ? 1 : 0);
  insert.bind(8, job.include_private_key ? 1 : 0);
  BindOptionalBlob(insert, 9, job.sealed_pfx_password);
  BindOptionalBlob(insert, 10, job.sealed_entry_password);
  insert.bind(11, job.job_fields_json);
  insert.bind(12, job.schedule_json);
  if (job.schedule_type)
    insert.bind(13, *job.schedule_type);
  else
    insert.bind(13);
  insert.bind(14, std::string(job.next_fire ? kJobScheduled : kJobFinished));
  if (job.next_fire)
    insert.bind(15, jobs::ToUnixMillis(*job.next_fire));
  else
    insert.bind(15);
  insert.bind(16, jobs::ToUnixMillis(job.requested));
  if (job.requester_uid)
    insert.bind(17, *job.requester_uid);
  else
    insert.bind(17);
  insert.bind(18, job.requester_name);
  insert.exec();
}

constexpr std::string_view kTargetSql =
    "SELECT j.job_id, j.state, s.container_id FROM jobs j "
    "JOIN certificate_stores s ON s.id = j.store_id ";

std::vector<JobTarget> FindTargets(SqliteStore::Impl& impl, const std::vector<std::string>& ids) {
  internal::CachedStatement query = impl.Prepare(std::string(kTargetSql) + "WHERE j.job_id = ?");
  std::vector<JobTarget> found;
  for (const std::string& id : ids) {
    query.reset();
    query.bind(1, jobs::AsciiLowercase(id));
    if (query.executeStep()) found.push_back(ReadTarget(query));
  }
  return found;
}

}  // namespace

std::string JobSecretAad(std::string_view job_id, std::string_view which) {
  return "job:" + std::string(job_id) + ":" + std::string(which);
}

const std::vector<QueryField>& JobQueryFields() {
  static const std::vector<QueryField> kFields = {
      {"JobId", "j.job_id", QueryField::kGuid},
      {"JobType", "j.job_type", QueryField::kText},
      {"CertificateStoreId", "j.store_id", QueryField::kGuid},
      {"ClientMachine", "s.client_machine", QueryField::kText},
      {"StorePath", "s.store_path", QueryField::kText},
      {"CertStoreType", "s.store_type", QueryField::kInteger},
      {"ContainerId", "s.container_id", QueryField::kInteger},
      {"AgentId", "s.agent_id", QueryField::kGuid},
      {"AgentPoolId", "s.agent_pool_id", QueryField::kGuid},
      {"CertificateId", "j.certificate_id", QueryField::kInteger},
      {"Thumbprint", "c.thumbprint", QueryField::kText},
      {"Alias", "j.alias", QueryField::kText},
      {"ScheduleType", "j.schedule_type", QueryField::kText},
      {"NextRunTime", "j.next_fire", QueryField::kTime},
      {"State", "j.state", QueryField::kText},
      {"Requested", "j.requested", QueryField::kTime},
      {"RequestedBy", "j.requester_name", QueryField::kText},
  };
  return kFields;
}

StatusOr<std::vector<int64_t>> SqliteJobStore::AddJobs(const std::vector<NewJob>& new_jobs) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("adding jobs", [&]() -> StatusOr<std::vector<int64_t>> {
    internal::WriteTransaction transaction(impl);
    internal::CachedStatement insert = impl.Prepare(
        "INSERT INTO jobs (job_id, job_type, operation_type, store_id, certificate_id, alias, "
        "overwrite, include_private_key, pfx_password, entry_password, job_fields, schedule, "
        "schedule_type, state, next_fire, requested, requester_uid, requester_name) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    std::vector<int64_t> seqs;
    seqs.reserve(new_jobs.size());
    for (const NewJob& job : new_jobs) {
      ORCH_RETURN_IF_ERROR(CheckReferences(impl, job));
      InsertJob(insert, job);
      seqs.push_back(impl.db.getLastInsertRowid());
    }
    transaction.commit();
    return seqs;
  });
}

StatusOr<Page<JobRow>> SqliteJobStore::ListJobs(const jobs::Paging& paging) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing jobs", [&]() -> StatusOr<Page<JobRow>> {
    Page<JobRow> page;
    internal::SetCount(page, internal::RunPagedSelect(impl, {kJobColumns, kJobFrom, "j.seq"},
                                                      paging, [&](SQLite::Statement& row) {
                                                        page.rows.push_back(ReadJob(row));
                                                      }));
    return page;
  });
}

StatusOr<JobRow> SqliteJobStore::GetJob(std::string_view job_id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading a job", [&]() -> StatusOr<JobRow> {
    internal::CachedStatement query = impl.Prepare("SELECT " + std::string(kJobColumns) + " FROM " +
                                                   std::string(kJobFrom) + " WHERE j.job_id = ?");
    query.bind(1, jobs::AsciiLowercase(job_id));
    if (!query.executeStep()) return NotFoundError("no job with Id " + std::string(job_id));
    return ReadJob(query);
  });
}

StatusOr<std::string> SqliteJobStore::GetJobState(std::string_view job_id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading a job's state", [&]() -> StatusOr<std::string> {
    internal::CachedStatement query = impl.Prepare("SELECT state FROM jobs WHERE job_id = ?");
    query.bind(1, jobs::AsciiLowercase(job_id));
    if (!query.executeStep()) return NotFoundError("no job with Id " + std::string(job_id));
    return query.getColumn(0).getString();
  });
}

StatusOr<std::map<std::string, int64_t>> SqliteJobStore::CountJobsByState() {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("counting jobs", [&]() -> StatusOr<std::map<std::string, int64_t>> {
    internal::CachedStatement query =
        impl.Prepare("SELECT state, count(*) FROM jobs GROUP BY state");
    std::map<std::string, int64_t> counts;
    while (query.executeStep()) {
      counts[query.getColumn(0).getString()] = query.getColumn(1).getInt64();
    }
    return counts;
  });
}

StatusOr<SealedJobPasswords> SqliteJobStore::GetSealedPasswords(std::string_view job_id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading job passwords", [&]() -> StatusOr<SealedJobPasswords> {
    internal::CachedStatement query =
        impl.Prepare("SELECT pfx_password, entry_password FROM jobs WHERE job_id = ?");
    query.bind(1, jobs::AsciiLowercase(job_id));
    if (!query.executeStep()) return NotFoundError("no job with Id " + std::string(job_id));
    SealedJobPasswords sealed;
    auto blob = [&](int column) -> std::optional<std::string> {
      if (query.getColumn(column).isNull()) return std::nullopt;
      const SQLite::Column value = query.getColumn(column);
      return std::string(static_cast<const char*>(value.getBlob()),
                         static_cast<size_t>(value.getBytes()));
    };
    sealed.pfx = blob(0);
    sealed.entry = blob(1);
    return sealed;
  });
}

StatusOr<std::vector<JobTarget>> SqliteJobStore::FindJobs(const std::vector<std::string>& job_ids) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("finding jobs",
                  [&]() -> StatusOr<std::vector<JobTarget>> { return FindTargets(impl, job_ids); });
}

StatusOr<std::vector<JobTarget>> SqliteJobStore::MatchJobs(const jobs::SqlFilter& filter) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("matching jobs", [&]() -> StatusOr<std::vector<JobTarget>> {
    internal::CachedStatement query =
        impl.Prepare(std::string(kTargetSql) + "JOIN certificates c ON c.id = j.certificate_id" +
                     internal::WhereClause(filter) + " ORDER BY j.seq");
    internal::BindParams(query, filter.params);
    std::vector<JobTarget> found;
    while (query.executeStep()) found.push_back(ReadTarget(query));
    return found;
  });
}

StatusOr<UnscheduledJobs> SqliteJobStore::Unschedule(const std::vector<std::string>& job_ids) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("unscheduling jobs", [&]() -> StatusOr<UnscheduledJobs> {
    internal::WriteTransaction transaction(impl);
    std::vector<JobTarget> found = FindTargets(impl, job_ids);
    std::string missing;
    for (const std::string& id : job_ids) {
      bool present = false;
      for (const JobTarget& target : found)
        present = present || target.job_id == jobs::AsciiLowercase(id);
      if (!present) missing += (missing.empty() ? "" : ", ") + id;
    }
    if (!missing.empty()) return NotFoundError("no job with Id " + missing);
    static const std::string kScheduled = internal::SqlLiteral(kJobScheduled);
    static const std::string kQueuedSql =
        "SELECT next_fire, seq FROM jobs WHERE job_id = ? AND "
        "state = " +
        kScheduled + " AND next_fire IS NOT NULL";
    static const std::string kUpdateSql =
        "UPDATE jobs SET state = " + internal::SqlLiteral(kJobUnscheduled) +
        ", next_fire = NULL WHERE job_id = ? AND state = " + kScheduled;
    internal::CachedStatement queued = impl.Prepare(kQueuedSql);
    internal::CachedStatement update = impl.Prepare(kUpdateSql);
    UnscheduledJobs result;
    for (const JobTarget& target : found) {
      queued.reset();
      queued.bind(1, target.job_id);
      if (queued.executeStep()) {
        result.dequeued.push_back({queued.getColumn(0).getInt64(), queued.getColumn(1).getInt64()});
      }
      update.reset();
      update.bind(1, target.job_id);
      result.changed += update.exec();
    }
    transaction.commit();
    return result;
  });
}

}  // namespace orch::store
