// SqliteRunStore: RunRepository on one SQLite connection.
#pragma once

#include "store/run_repository.h"
#include "store/sqlite_store.h"

namespace orch::store {

/// RunRepository on one SqliteStore. Same threading as SqliteStore.
class SqliteRunStore final : public RunRepository {
 public:
  /// REQUIRES: `store` outlives this object.
  explicit SqliteRunStore(SqliteStore& store) : store_(store) {}

  StatusOr<std::vector<FireEntry>> LoadFireQueue() override;
  StatusOr<std::vector<RunRecord>> LoadOpenRuns() override;
  StatusOr<std::vector<RunRecord>> Fire(
      const std::vector<FireEntry>& entries,
      const std::function<FireDecision(const FireJob&)>& decide) override;

  StatusOr<std::optional<RunRecord>> FindRun(int64_t run_id) override;
  StatusOr<std::vector<RunRecord>> WaitingRunsOfStores(
      const std::vector<std::string>& store_ids) override;
  StatusOr<Delivered> Deliver(const std::vector<Delivery>& deliveries) override;
  StatusOr<std::vector<RunRecord>> Redeliver(const std::string& agent_id,
                                             const std::vector<int64_t>& run_ids,
                                             WallTime lease_expires) override;
  Status Start(int64_t run_id, WallTime now) override;
  StatusOr<std::optional<RunRecord>> Complete(const RunCompletion& completion) override;
  StatusOr<std::vector<int64_t>> CancelWaiting(const std::vector<std::string>& job_ids,
                                               std::string_view message, WallTime now) override;

  StatusOr<Page<RunRecord>> ListRuns(const jobs::Paging& paging) override;
  StatusOr<std::map<RunStatus, int64_t>> CountRunsByStatus() override;
  StatusOr<std::vector<RunRecord>> RunsAfter(int64_t after_run_id, int limit) override;
  StatusOr<std::vector<int64_t>> MatchRuns(const jobs::SqlFilter& filter, int64_t limit) override;
  StatusOr<int64_t> Acknowledge(const std::vector<int64_t>& run_ids) override;
  StatusOr<std::vector<RunRecord>> Rerun(const std::vector<int64_t>& run_ids,
                                         WallTime now) override;
  StatusOr<int64_t> Prune(WallTime success_before, WallTime other_before, int64_t limit) override;

 private:
  SqliteStore& store_;
};

}  // namespace orch::store
