// Repositories: orchd's durable state by subject — jobs, runs, agents and their sessions,
// pools, secrets and the catalog — as interfaces that every backend implements. The scheduler
// and the API handlers see only these; SQL lives in the implementations (SqliteRepositories for
// SQLite). A StoreWriter or StoreReader hands its write or read the repositories of its own
// connection, inside the transaction or snapshot it holds.
#pragma once

#include <string>

#include "common/status.h"
#include "store/agent_repository.h"
#include "store/catalog_repository.h"
#include "store/job_repository.h"
#include "store/pool_repository.h"
#include "store/run_repository.h"
#include "store/secret_repository.h"

namespace orch::store {

/// The repositories of one connection to the store. Same threading as that connection.
class Repositories {
 public:
  virtual ~Repositories() = default;

  virtual JobRepository& jobs() = 0;
  virtual RunRepository& runs() = 0;
  virtual AgentRepository& agents() = 0;
  virtual PoolRepository& pools() = 0;
  virtual SecretRepository& secrets() = 0;
  virtual CatalogRepository& catalog() = 0;

  /// Ok when the store answers a query at the schema version this build expects.
  virtual Status CheckHealth() = 0;
  /// Where the store is (a database file's path), for /Status and logs. Answered from memory.
  virtual const std::string& location() const = 0;
  /// The schema version the store was brought to when opened. Answered from memory.
  virtual int schema_version() const = 0;
};

}  // namespace orch::store
