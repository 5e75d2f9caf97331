// Test-only: a store's writer thread on a database file, answering through a TestLoop.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "store/sqlite_store.h"
#include "store/write_executor.h"
#include "tests/testing/test_loop.h"

namespace orch::testing {

/// A WriteExecutor on a connection of its own to the database at `path` (already migrated by
/// the test's own connection), answering through `loop`, with `faults` injected into its
/// commits and `repository_faults` into its repositories' calls (either may be null).
inline StatusOr<std::unique_ptr<store::WriteExecutor>> OpenTestWriter(
    const std::string& path, const Clock& clock, TestLoop& loop, store::CommitFaults* faults,
    store::RepositoryFaults* repository_faults = nullptr) {
  ORCH_ASSIGN_OR_RETURN(
      std::unique_ptr<store::SqliteStore> connection,
      store::SqliteStore::Open({.path = path, .orchd_version = "test", .clock = &clock}));
  return std::make_unique<store::WriteExecutor>(
      std::move(connection), loop.Post(),
      store::WriteExecutor::Options{.faults = faults, .repository_faults = repository_faults});
}

}  // namespace orch::testing
