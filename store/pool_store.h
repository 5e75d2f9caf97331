// SqlitePoolStore: PoolRepository on one SQLite connection.
#pragma once

#include "store/pool_repository.h"
#include "store/sqlite_store.h"

namespace orch::store {

/// PoolRepository on one SqliteStore. Same threading as SqliteStore.
class SqlitePoolStore final : public PoolRepository {
 public:
  /// REQUIRES: `store` outlives this object.
  explicit SqlitePoolStore(SqliteStore& store) : store_(store) {}

  StatusOr<PoolRecord> CreatePool(const PoolSpec& spec, WallTime now) override;
  StatusOr<PoolRecord> ReplacePool(const PoolSpec& spec, WallTime now) override;
  Status DeletePool(std::string_view pool_id) override;
  StatusOr<PoolRecord> GetPool(std::string_view pool_id) override;
  StatusOr<bool> PoolExists(std::string_view pool_id) override;
  StatusOr<Page<PoolRecord>> ListPools(const jobs::Paging& paging) override;
  StatusOr<Page<PoolMember>> ListDefaultPoolMembers(const jobs::Paging& paging) override;
  StatusOr<std::vector<AgentInPool>> ListAgentsInPools() override;

  StatusOr<ReconcileReport> ReconcileDeclaredPools(const std::vector<DeclaredPool>& declared,
                                                   WallTime now) override;

 private:
  SqliteStore& store_;
};

}  // namespace orch::store
