#include "store/migration_runner.h"

#include <sqlite3.h>

#include <memory>
#include <string_view>

#include <SQLiteCpp/Statement.h>

#include "common/logging.h"
#include "store/sqlite_error.h"

namespace orch::store::internal {
namespace {

struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Opens BEGIN IMMEDIATE, so the write lock is held from the first read of user_version, and
// rolls back unless committed. SQLite already rolls back by itself after some errors (disk
// full, I/O), so ROLLBACK is only issued while a transaction is still open.
class TransactionGuard {
 public:
  explicit TransactionGuard(SQLite::Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~TransactionGuard() {
    if (committed_ || sqlite3_get_autocommit(db_.getHandle())) return;
    sqlite3_exec(db_.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  TransactionGuard(const TransactionGuard&) = delete;
  TransactionGuard& operator=(const TransactionGuard&) = delete;

  void Commit() {
    db_.exec("COMMIT");
    committed_ = true;
  }

 private:
  SQLite::Database& db_;
  bool committed_ = false;
};

std::string MigrationName(const Migration& migration) {
  return "migration " + std::to_string(migration.version) + " (" +
         std::string(migration.description) + ")";
}

Status LastError(sqlite3* db, const std::string& path) {
  return SqliteErrorStatus(sqlite3_extended_errcode(db), sqlite3_errmsg(db), path,
                           sqlite3_system_errno(db));
}

const std::string* ParameterValue(std::string_view name, const MigrationParams& params) {
  if (name == ":now") return &params.now;
  if (name == ":orchd_version") return &params.orchd_version;
  return nullptr;
}

Status BindParameters(sqlite3* db, const std::string& path, sqlite3_stmt* statement,
                      const MigrationParams& params) {
  for (int i = 1; i <= sqlite3_bind_parameter_count(statement); ++i) {
    const char* name = sqlite3_bind_parameter_name(statement, i);
    const std::string* value = ParameterValue(name != nullptr ? name : "?", params);
    if (value == nullptr) {
      return InternalError("unknown parameter " + std::string(name != nullptr ? name : "?"));
    }
    if (sqlite3_bind_text(statement, i, value->data(), static_cast<int>(value->size()),
                          SQLITE_TRANSIENT) != SQLITE_OK) {
      return LastError(db, path);
    }
  }
  return Status::Ok();
}

// Runs each statement of `sql` in turn. The raw C API is used because SQLiteCpp binds
// parameters only for a single statement, and a migration is a script.
Status RunScript(sqlite3* db, const std::string& path, std::string_view sql,
                 const MigrationParams& params) {
  const char* next = sql.data();
  const char* const end = sql.data() + sql.size();
  while (next < end) {
    sqlite3_stmt* raw = nullptr;
    const int prepared = sqlite3_prepare_v2(db, next, static_cast<int>(end - next), &raw, &next);
    StatementPtr statement(raw);
    if (prepared != SQLITE_OK) return LastError(db, path);
    if (statement == nullptr) continue;  // only whitespace or a comment was left
    ORCH_RETURN_IF_ERROR(BindParameters(db, path, statement.get(), params));
    int stepped = SQLITE_ROW;
    while (stepped == SQLITE_ROW) stepped = sqlite3_step(statement.get());
    if (stepped != SQLITE_DONE) return LastError(db, path);
  }
  return Status::Ok();
}

// Foreign keys are off while migrations run, so dangling references are looked for here.
Status CheckForeignKeys(SQLite::Database& db) {
  SQLite::Statement check(db, "PRAGMA foreign_key_check");
  if (!check.executeStep()) return Status::Ok();
  return InternalError("row " + check.getColumn(1).getString() + " of table " +
                       check.getColumn(0).getString() + " refers to a missing row of table " +
                       check.getColumn(2).getString());
}

StatusOr<int> MigrateInTransaction(SQLite::Database& db, const std::string& path,
                                   const std::vector<Migration>& migrations,
                                   const MigrationParams& params) {
  TransactionGuard transaction(db);
  // Read again under the write lock: another process may have migrated since Open() looked.
  ORCH_ASSIGN_OR_RETURN(const int from, ReadSchemaVersion(db, path));
  const int to = LatestVersion(migrations);
  if (from > to) return NewerSchemaError(path, from, to);
  if (from == to) return from;
  auto logger = GetLogger("store");
  for (const Migration& migration : migrations) {
    if (migration.version <= from) continue;
    logger->info("database {}: applying {}", path, MigrationName(migration));
    ORCH_RETURN_IF_ERROR(
        RunScript(db.getHandle(), path, migration.sql, params).Context(MigrationName(migration)));
  }
  ORCH_RETURN_IF_ERROR(CheckForeignKeys(db));
  // user_version is written by the same transaction, so it can never disagree with the schema.
  db.exec("PRAGMA user_version = " + std::to_string(to));
  transaction.Commit();
  logger->info("database {}: schema migrated from version {} to {}", path, from, to);
  return to;
}

}  // namespace

Status ValidateMigrations(const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    const Migration& migration = migrations[i];
    if (migration.version != static_cast<int>(i) + 1) {
      return InternalError("migration list entry " + std::to_string(i + 1) + " has version " +
                           std::to_string(migration.version) + "; versions must be 1, 2, 3...");
    }
    if (migration.sql.empty()) return InternalError(MigrationName(migration) + " has no SQL");
  }
  return Status::Ok();
}

int LatestVersion(const std::vector<Migration>& migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

StatusOr<int> ReadSchemaVersion(SQLite::Database& db, const std::string& path) {
  return CatchSqlite(path, "reading the schema version", [&]() -> StatusOr<int> {
    return db.execAndGet("PRAGMA user_version").getInt();
  });
}

Status NewerSchemaError(const std::string& path, int found, int supported) {
  return FailedPreconditionError("database " + path + " has schema version " +
                                 std::to_string(found) + ", newer than version " +
                                 std::to_string(supported) +
                                 " that this orchd supports; run a newer orchd or restore a "
                                 "backup");
}

StatusOr<int> ApplyMigrations(SQLite::Database& db, const std::string& path,
                              const std::vector<Migration>& migrations,
                              const MigrationParams& params) {
  return CatchSqlite(path, "migrating the schema", [&]() -> StatusOr<int> {
    // SQLite's procedure for schema changes runs with foreign keys off, so that rebuilding a
    // table does not cascade; CheckForeignKeys() stands in before COMMIT. The pragma is
    // ignored inside a transaction, hence here.
    db.exec("PRAGMA foreign_keys = OFF");
    return MigrateInTransaction(db, path, migrations, params);
  });
}

}  // namespace orch::store::internal
