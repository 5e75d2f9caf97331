// SqliteJobStore: JobRepository on one SQLite connection.
#pragma once

#include "store/job_repository.h"
#include "store/sqlite_store.h"

namespace orch::store {

/// JobRepository on one SqliteStore. Same threading as SqliteStore.
class SqliteJobStore final : public JobRepository {
 public:
  /// REQUIRES: `store` outlives this object.
  explicit SqliteJobStore(SqliteStore& store) : store_(store) {}

  StatusOr<std::vector<int64_t>> AddJobs(const std::vector<NewJob>& jobs) override;
  StatusOr<Page<JobRow>> ListJobs(const jobs::Paging& paging) override;
  StatusOr<JobRow> GetJob(std::string_view job_id) override;
  StatusOr<std::string> GetJobState(std::string_view job_id) override;
  StatusOr<std::map<std::string, int64_t>> CountJobsByState() override;
  StatusOr<SealedJobPasswords> GetSealedPasswords(std::string_view job_id) override;
  StatusOr<std::vector<JobTarget>> FindJobs(const std::vector<std::string>& job_ids) override;
  StatusOr<std::vector<JobTarget>> MatchJobs(const jobs::SqlFilter& filter) override;
  StatusOr<UnscheduledJobs> Unschedule(const std::vector<std::string>& job_ids) override;

 private:
  SqliteStore& store_;
};

}  // namespace orch::store
