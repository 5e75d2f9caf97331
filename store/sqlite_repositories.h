// SqliteRepositories: the Repositories of one SQLite connection.
#pragma once

#include <memory>

#include "store/agent_store.h"
#include "store/catalog_store.h"
#include "store/faulty_repositories.h"
#include "store/job_store.h"
#include "store/pool_store.h"
#include "store/repositories.h"
#include "store/run_store.h"
#include "store/secret_store.h"
#include "store/sqlite_store.h"

namespace orch::store {

/// The repositories of one SqliteStore. Same threading as SqliteStore.
class SqliteRepositories final : public Repositories {
 public:
  /// REQUIRES: `store` outlives this object.
  explicit SqliteRepositories(SqliteStore& store)
      : store_(store),
        jobs_(store),
        runs_(store),
        agents_(store),
        pools_(store),
        secrets_(store),
        catalog_(store) {}

  JobRepository& jobs() override { return jobs_; }
  RunRepository& runs() override { return runs_; }
  AgentRepository& agents() override { return agents_; }
  PoolRepository& pools() override { return pools_; }
  SecretRepository& secrets() override { return secrets_; }
  CatalogRepository& catalog() override { return catalog_; }
  Status CheckHealth() override { return store_.CheckHealth(); }
  const std::string& location() const override { return store_.path(); }
  int schema_version() const override { return store_.schema_version(); }

  /// The connection underneath.
  SqliteStore& store() { return store_; }

 private:
  SqliteStore& store_;
  SqliteJobStore jobs_;
  SqliteRunStore runs_;
  SqliteAgentStore agents_;
  SqlitePoolStore pools_;
  SqliteSecretStore secrets_;
  SqliteCatalogStore catalog_;
};

/// The repositories of `store`, asking `faults` first when it is not null (tests, drills).
/// REQUIRES: `store` and `faults` outlive the result.
inline std::unique_ptr<Repositories> RepositoriesOf(SqliteStore& store,
                                                    RepositoryFaults* faults = nullptr) {
  auto repositories = std::make_unique<SqliteRepositories>(store);
  if (faults == nullptr) return repositories;
  return WithFaults(std::move(repositories), *faults);
}

}  // namespace orch::store
