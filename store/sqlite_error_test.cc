#include "store/sqlite_error.h"

#include <sqlite3.h>

#include <cerrno>
#include <stdexcept>

#include <SQLiteCpp/Exception.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace orch::store::internal {
namespace {

using ::testing::HasSubstr;

TEST(SqliteErrorStatusTest, DiskFullIsInsufficientStorage) {
  // Given SQLite reports SQLITE_FULL, the status says disk full and names the file.
  const Status status = SqliteErrorStatus(SQLITE_FULL, "database or disk is full", "/d/orchd.db");
  EXPECT_EQ(status.code(), StatusCode::kInsufficientStorage);
  EXPECT_THAT(status.message(), HasSubstr("disk full"));
  EXPECT_THAT(status.message(), HasSubstr("/d/orchd.db"));
}

TEST(SqliteErrorStatusTest, ReadOnlyIsInsufficientStorageNamingThePath) {
  // Given SQLITE_READONLY or one of its extended codes, the status says read-only with the path.
  for (const int code : {SQLITE_READONLY, SQLITE_READONLY_DBMOVED, SQLITE_READONLY_CANTLOCK}) {
    const Status status =
        SqliteErrorStatus(code, "attempt to write a readonly database", "/d/x.db");
    EXPECT_EQ(status.code(), StatusCode::kInsufficientStorage) << code;
    EXPECT_THAT(status.message(), HasSubstr("read-only")) << code;
    EXPECT_THAT(status.message(), HasSubstr("/d/x.db")) << code;
  }
}

TEST(SqliteErrorStatusTest, IoErrorsOfAFullOrReadOnlyDiskAreInsufficientStorage) {
  // Given an I/O error whose system error is a full disk, a quota or a read-only filesystem,
  // the status is InsufficientStorage saying which; other errno values stay Unavailable.
  EXPECT_THAT(SqliteErrorStatus(SQLITE_IOERR_WRITE, "disk I/O error", "/d/x.db", EDQUOT).message(),
              HasSubstr("disk full"));
  EXPECT_EQ(SqliteErrorStatus(SQLITE_IOERR_FSYNC, "", "/d/x.db", ENOSPC).code(),
            StatusCode::kInsufficientStorage);
  const Status read_only = SqliteErrorStatus(SQLITE_CANTOPEN, "", "/d/x.db", EROFS);
  EXPECT_EQ(read_only.code(), StatusCode::kInsufficientStorage);
  EXPECT_THAT(read_only.message(), HasSubstr("read-only"));
  EXPECT_EQ(SqliteErrorStatus(SQLITE_IOERR_WRITE, "", "/d/x.db", EIO).code(),
            StatusCode::kUnavailable);
}

TEST(SqliteErrorStatusTest, UnreachableFileIsUnavailableNamingThePath) {
  // Given cannot-open and extended I/O errors, each is Unavailable with the path.
  for (const int code : {SQLITE_CANTOPEN, SQLITE_IOERR, SQLITE_IOERR_WRITE}) {
    const Status status = SqliteErrorStatus(code, "", "/d/orchd.db");
    EXPECT_EQ(status.code(), StatusCode::kUnavailable) << code;
    EXPECT_THAT(status.message(), HasSubstr("/d/orchd.db")) << code;
  }
}

TEST(SqliteErrorStatusTest, CorruptOrForeignFileIsInternalWithClearMessage) {
  // Given SQLITE_CORRUPT or SQLITE_NOTADB, the status says the file is not a usable database.
  for (const int code : {SQLITE_CORRUPT, SQLITE_NOTADB}) {
    const Status status = SqliteErrorStatus(code, "file is not a database", "/d/orchd.db");
    EXPECT_EQ(status.code(), StatusCode::kInternal);
    EXPECT_THAT(status.message(), HasSubstr("not an orchd database or corrupted"));
  }
}

TEST(SqliteErrorStatusTest, BusyIsUnavailable) {
  // Given another connection holds the lock, the status is the retryable Unavailable.
  EXPECT_EQ(SqliteErrorStatus(SQLITE_BUSY, "database is locked", "x").code(),
            StatusCode::kUnavailable);
}

TEST(CatchSqliteTest, SqliteExceptionBecomesStatusWithContext) {
  // Given a function that throws SQLiteCpp's exception, CatchSqlite returns its Status.
  const Status status = CatchSqlite("/d/orchd.db", "writing", []() -> Status {
    throw SQLite::Exception("database or disk is full", SQLITE_FULL);
  });
  EXPECT_EQ(status.code(), StatusCode::kInsufficientStorage);
  EXPECT_THAT(status.message(), HasSubstr("writing: disk full"));
}

TEST(CatchSqliteTest, OtherExceptionBecomesInternal) {
  // Given a function that throws a standard exception, the result is Internal, not a crash.
  const StatusOr<int> result = CatchSqlite(
      "/d/orchd.db", "reading", []() -> StatusOr<int> { throw std::runtime_error("boom"); });
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  EXPECT_THAT(result.status().message(), HasSubstr("boom"));
}

TEST(CatchSqliteTest, ValueIsPassedThrough) {
  // Given a function that succeeds, its value comes back untouched.
  const StatusOr<int> result = CatchSqlite("x", "reading", []() -> StatusOr<int> { return 7; });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 7);
}

}  // namespace
}  // namespace orch::store::internal
