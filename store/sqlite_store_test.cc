#include "store/sqlite_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/fake_clock.h"
#include "tests/testing/read_only_switch.h"
#include "tests/testing/status_matchers.h"

namespace orch::store {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr char kVersion[] = "9.9.9-test";

const Migration kM1{1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"};
const Migration kM2{2, "tags", "CREATE TABLE tags (name TEXT PRIMARY KEY);"};

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

// A plain SQLite connection, independent of the code under test.
std::unique_ptr<sqlite3, SqliteCloser> RawOpen(const std::string& path,
                                               int flags = SQLITE_OPEN_READWRITE) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, flags, nullptr), SQLITE_OK) << path;
  return std::unique_ptr<sqlite3, SqliteCloser>(db);
}

void RawExec(const std::string& path, const std::string& sql) {
  auto db = RawOpen(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ASSERT_EQ(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db.get());
}

// The first column of the first row of `sql` as text, or "" when there is no row.
std::string RawQuery(const std::string& path, const std::string& sql) {
  auto db = RawOpen(path);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db.get());
  std::string out;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    out = text != nullptr ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(statement);
  return out;
}

bool TableExists(const std::string& path, const std::string& table) {
  return RawQuery(path, "SELECT count(*) FROM sqlite_master WHERE name = '" + table + "'") == "1";
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

mode_t PermissionsOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "store_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/orchd.db";
  }
  void TearDown() override {
    read_only_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  SqliteStore::Options OptionsFor(const std::string& path) {
    return {.path = path, .orchd_version = kVersion, .clock = &clock_};
  }

  FakeClock clock_;
  std::string dir_;
  std::string path_;
  // Unmounted (as root) before TearDown() removes dir_.
  std::optional<orch::testing::ReadOnlySwitch> read_only_;
};

TEST_F(SqliteStoreTest, NewDatabaseIsCreatedAtCurrentVersionInWalModeWithMode0600) {
  // Given no file, Open creates it private, in WAL mode, at the last schema version.
  ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(OptionsFor(path_)));
  const int current = SchemaMigrations().back().version;
  EXPECT_EQ(store->schema_version(), current);
  EXPECT_EQ(store->path(), path_);
  EXPECT_EQ(PermissionsOf(path_), 0600u);
  EXPECT_EQ(PermissionsOf(path_ + "-wal"), 0600u);
  EXPECT_EQ(RawQuery(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), std::to_string(current));
}

TEST_F(SqliteStoreTest, NewDatabaseRecordsWhenAndByWhichOrchdItWasCreated) {
  // Given a new database, the meta table holds the clock's time and the orchd version.
  ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(OptionsFor(path_)));
  ASSERT_OK_AND_ASSIGN(auto created_at, store->GetMeta("created_at"));
  ASSERT_OK_AND_ASSIGN(auto created_by, store->GetMeta("created_by"));
  ASSERT_OK_AND_ASSIGN(auto missing, store->GetMeta("no_such_key"));
  EXPECT_EQ(created_at, "2026-01-01T00:00:00Z");
  EXPECT_EQ(created_by, kVersion);
  EXPECT_EQ(missing, std::nullopt);
}

TEST_F(SqliteStoreTest, ReopeningACurrentDatabaseChangesNothing) {
  // Given a database at the current version, reopening later by another orchd keeps its meta.
  { ASSERT_OK(SqliteStore::Open(OptionsFor(path_))); }
  clock_.Advance(std::chrono::hours(48));
  SqliteStore::Options options = OptionsFor(path_);
  options.orchd_version = "10.0.0";
  ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(options));
  ASSERT_OK_AND_ASSIGN(auto created_at, store->GetMeta("created_at"));
  ASSERT_OK_AND_ASSIGN(auto created_by, store->GetMeta("created_by"));
  EXPECT_EQ(created_at, "2026-01-01T00:00:00Z");
  EXPECT_EQ(created_by, kVersion);
}

TEST_F(SqliteStoreTest, OlderDatabaseIsMigratedForwardKeepingItsData) {
  // Given a database at version 1 with a row, opening with [m1, m2] brings it to version 2.
  { ASSERT_OK(SqliteStore::Open(OptionsFor(path_), {kM1})); }
  RawExec(path_, "INSERT INTO notes (text) VALUES ('kept')");
  ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(OptionsFor(path_), {kM1, kM2}));
  EXPECT_EQ(store->schema_version(), 2);
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), "2");
  EXPECT_TRUE(TableExists(path_, "tags"));
  EXPECT_EQ(RawQuery(path_, "SELECT text FROM notes"), "kept");
}

TEST_F(SqliteStoreTest, NewerDatabaseIsRefusedAndLeftByteForByte) {
  // Given a file at version 99, Open names both versions and the path and writes nothing.
  RawExec(path_, "CREATE TABLE future (x); PRAGMA user_version = 99;");
  const std::string before = ReadBytes(path_);
  const auto result = SqliteStore::Open(OptionsFor(path_), {kM1});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(result.status().message(),
            "database " + path_ +
                " has schema version 99, newer than version 1 that this orchd supports; run a "
                "newer orchd or restore a backup");
  EXPECT_EQ(ReadBytes(path_), before);
  EXPECT_FALSE(fs::exists(path_ + "-wal"));
}

TEST_F(SqliteStoreTest, NewerDatabaseInWalModeKeepsItsUncheckpointedWal) {
  // Given a newer database whose last commits are still in its WAL, refusing it checkpoints
  // nothing: the database file and the WAL keep their bytes.
  {
    auto db = RawOpen(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    ASSERT_EQ(sqlite3_exec(db.get(),
                           "PRAGMA journal_mode = WAL; CREATE TABLE future (x);"
                           "PRAGMA user_version = 99;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  const std::string database_before = ReadBytes(path_);
  const std::string wal_before = ReadBytes(path_ + "-wal");
  ASSERT_FALSE(wal_before.empty());
  const auto result = SqliteStore::Open(OptionsFor(path_), {kM1});
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadBytes(path_), database_before);
  EXPECT_EQ(ReadBytes(path_ + "-wal"), wal_before);
}

TEST_F(SqliteStoreTest, FailingMigrationLeavesDatabaseAtOldVersionWithNoPartialTables) {
  // Given m2 whose second statement is bad, Open fails and version 1 stays as it was.
  { ASSERT_OK(SqliteStore::Open(OptionsFor(path_), {kM1})); }
  RawExec(path_, "INSERT INTO notes (text) VALUES ('kept')");
  const Migration bad{2, "half done", "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);"};
  const auto result = SqliteStore::Open(OptionsFor(path_), {kM1, bad});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("migration 2 (half done)"));
  EXPECT_THAT(result.status().message(), HasSubstr("nowhere"));
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), "1");
  EXPECT_FALSE(TableExists(path_, "half"));
  EXPECT_EQ(RawQuery(path_, "SELECT text FROM notes"), "kept");
}

TEST_F(SqliteStoreTest, FailedFirstMigrationsLeaveNewDatabaseEmpty) {
  // Given a new file and [m1, bad m2], nothing of m1 is kept: all migrations share one commit.
  const Migration bad{2, "bad", "CREAT TABLE oops (x);"};
  ASSERT_FALSE(SqliteStore::Open(OptionsFor(path_), {kM1, bad}).ok());
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), "0");
  EXPECT_FALSE(TableExists(path_, "notes"));
}

TEST_F(SqliteStoreTest, MigrationLeavingADanglingForeignKeyIsRolledBack) {
  // Given a migration that inserts a child row without its parent, Open refuses to commit it.
  const Migration tables{1, "tables",
                         "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                         "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id));"};
  const Migration orphan{2, "orphan", "INSERT INTO child VALUES (42);"};
  const auto result = SqliteStore::Open(OptionsFor(path_), {tables, orphan});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("missing row of table parent"));
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), "0");
}

TEST_F(SqliteStoreTest, MigrationNamingAnUnknownParameterFails) {
  // Given migration SQL with a parameter the store does not bind, Open fails naming it.
  const Migration unknown{1, "unknown", "CREATE TABLE t (x); INSERT INTO t VALUES (:who);"};
  const auto result = SqliteStore::Open(OptionsFor(path_), {unknown});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr(":who"));
  EXPECT_FALSE(TableExists(path_, "t"));
}

TEST_F(SqliteStoreTest, MigrationListOutOfOrderIsRejected) {
  // Given migrations [m2] with no version 1, Open refuses the list before touching a file.
  const auto result = SqliteStore::Open(OptionsFor(path_), {kM2});
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(SqliteStoreTest, GarbageFileIsReportedAsNotAnOrchdDatabase) {
  // Given a file of non-SQLite bytes, Open says so, names the path and leaves the file alone.
  std::string garbage(4096, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 37 + 11);
  WriteBytes(path_, garbage);
  const auto result = SqliteStore::Open(OptionsFor(path_));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("not an orchd database or corrupted"));
  EXPECT_THAT(result.status().message(), HasSubstr(path_));
  EXPECT_EQ(ReadBytes(path_), garbage);
}

TEST_F(SqliteStoreTest, ShortTextFileIsReportedAsNotAnOrchdDatabase) {
  // Given a tiny text file, Open refuses it rather than treating it as an empty database.
  WriteBytes(path_, "hello\n");
  const auto result = SqliteStore::Open(OptionsFor(path_));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("not an orchd database or corrupted"));
  EXPECT_EQ(ReadBytes(path_), "hello\n");
}

TEST_F(SqliteStoreTest, MissingParentDirectoryIsNamedInTheError) {
  // Given a path whose directory does not exist, Open fails naming the path and directory.
  const std::string path = dir_ + "/absent/orchd.db";
  const auto result = SqliteStore::Open(OptionsFor(path));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(), HasSubstr(path));
  EXPECT_THAT(result.status().message(), HasSubstr("does not exist"));
}

TEST_F(SqliteStoreTest, ReadOnlyFileIsInsufficientStorageNamingThePath) {
  // Given a database orchd may not write, Open refuses it as a store that takes no writes
  // (507 at the API), naming the file. Root writes files whatever their mode: as root the
  // database is on a tmpfs remounted read-only.
  const std::string dir = dir_ + "/ro";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0) << std::strerror(errno);
  read_only_.emplace(dir);
  if (!read_only_->unusable().empty()) GTEST_SKIP() << read_only_->unusable();
  const std::string path = dir + "/orchd.db";
  { ASSERT_OK(SqliteStore::Open(OptionsFor(path))); }
  ASSERT_TRUE(read_only_->MakeReadOnly(path)) << read_only_->how() << ": " << std::strerror(errno);
  const auto result = SqliteStore::Open(OptionsFor(path));
  EXPECT_EQ(result.status().code(), StatusCode::kInsufficientStorage);
  EXPECT_THAT(result.status().message(), HasSubstr(path));
  EXPECT_THAT(result.status().message(), HasSubstr("read-only"));
}

TEST_F(SqliteStoreTest, UnknownSynchronousModeIsRejected) {
  // Given synchronous "sometimes", Open refuses the option before creating anything.
  SqliteStore::Options options = OptionsFor(path_);
  options.synchronous = "sometimes";
  const auto result = SqliteStore::Open(options);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(SqliteStoreTest, EverySynchronousModeOpens) {
  // Given each allowed synchronous mode, Open succeeds.
  for (const char* mode : {"off", "normal", "full"}) {
    SqliteStore::Options options = OptionsFor(path_);
    options.synchronous = mode;
    EXPECT_OK(SqliteStore::Open(options)) << mode;
  }
}

TEST_F(SqliteStoreTest, CheckHealthIsOkOnAGoodStore) {
  // Given a freshly opened store, the health check passes.
  ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(OptionsFor(path_)));
  EXPECT_OK(store->CheckHealth());
}

TEST_F(SqliteStoreTest, CheckHealthFailsWhenTheSchemaChangedUnderneath) {
  // Given another process moved the file to another schema version, the check says so.
  ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(OptionsFor(path_)));
  RawExec(path_, "PRAGMA user_version = 42");
  const Status status = store->CheckHealth();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("42"));
}

TEST_F(SqliteStoreTest, CheckpointTruncatesTheWal) {
  // Given migrations left frames in the WAL, Checkpoint copies them and empties the WAL.
  ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(OptionsFor(path_)));
  ASSERT_GT(fs::file_size(path_ + "-wal"), 0u);
  ASSERT_OK(store->Checkpoint());
  EXPECT_EQ(fs::file_size(path_ + "-wal"), 0u);
  EXPECT_EQ(RawQuery(path_, "SELECT value FROM meta WHERE key = 'created_by'"), kVersion);
}

TEST_F(SqliteStoreTest, CheckpointIsUnavailableWhileAReaderHoldsTheWal) {
  // Given another connection inside a read transaction, the checkpoint cannot finish.
  SqliteStore::Options options = OptionsFor(path_);
  options.busy_timeout = std::chrono::milliseconds(10);
  ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(options));
  auto reader = RawOpen(path_);
  ASSERT_EQ(
      sqlite3_exec(reader.get(), "BEGIN; SELECT count(*) FROM meta;", nullptr, nullptr, nullptr),
      SQLITE_OK);
  const Status status = store->Checkpoint();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr(path_));
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileShareTheSchema) {
  // Given a store already open, a second one on the same file opens at the same version.
  ASSERT_OK_AND_ASSIGN(auto first, SqliteStore::Open(OptionsFor(path_)));
  ASSERT_OK_AND_ASSIGN(auto second, SqliteStore::Open(OptionsFor(path_)));
  EXPECT_EQ(second->schema_version(), first->schema_version());
  EXPECT_OK(first->CheckHealth());
  EXPECT_OK(second->CheckHealth());
}

TEST_F(SqliteStoreTest, InMemoryDatabaseWorks) {
  // Given ":memory:", the store migrates a private database and answers queries.
  ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(OptionsFor(":memory:")));
  EXPECT_EQ(store->schema_version(), SchemaMigrations().back().version);
  EXPECT_OK(store->CheckHealth());
  EXPECT_OK(store->Checkpoint());
  ASSERT_OK_AND_ASSIGN(auto created_by, store->GetMeta("created_by"));
  EXPECT_EQ(created_by, kVersion);
  EXPECT_FALSE(fs::exists(":memory:"));
}

TEST(SchemaMigrationsTest, VersionsAreOneTwoThreeInOrder) {
  // Given the project's migration list, its versions count up from 1 with no gap.
  const std::vector<Migration>& migrations = SchemaMigrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(migrations[i].description.empty());
  }
}

}  // namespace
}  // namespace orch::store
