// Applying numbered migrations to an open SQLite connection. Internal to store/.
#pragma once

#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "common/status.h"
#include "store/migrations.h"

namespace orch::store::internal {

/// Values bound to the parameters a migration's SQL may name.
struct MigrationParams {
  std::string now;            // :now, ISO 8601 UTC
  std::string orchd_version;  // :orchd_version
};

/// Ok when `migrations` are versions 1, 2, ... N in order, each with SQL.
Status ValidateMigrations(const std::vector<Migration>& migrations);

/// The version of the last migration, or 0 for an empty list.
int LatestVersion(const std::vector<Migration>& migrations);

/// The database's `PRAGMA user_version`. Reads only; never writes the file.
StatusOr<int> ReadSchemaVersion(SQLite::Database& db, const std::string& path);

/// The refusal for a database at `found`, newer than `supported`.
Status NewerSchemaError(const std::string& path, int found, int supported);

/// Applies every migration newer than the database's version inside one BEGIN IMMEDIATE
/// transaction that also sets user_version, and returns the version reached. On any failure
/// the transaction is rolled back and the database keeps its old version.
/// Leaves `PRAGMA foreign_keys` OFF; the caller turns it back on.
/// REQUIRES: ValidateMigrations(migrations) is ok; no transaction is open on `db`.
StatusOr<int> ApplyMigrations(SQLite::Database& db, const std::string& path,
                              const std::vector<Migration>& migrations,
                              const MigrationParams& params);

}  // namespace orch::store::internal
