#include "store/statement_cache.h"

#include <string>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

namespace orch::store::internal {
namespace {

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.exec("CREATE TABLE t (v INTEGER)");
    db_.exec("INSERT INTO t VALUES (1), (2), (3)");
  }

  SQLite::Database db_{":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
  StatementCache cache_;
};

TEST_F(StatementCacheTest, AReturnedStatementIsReusedResetAndUnbound) {
  // Given a statement left mid-result with a binding, the next use of the same SQL gets the
  // same prepared statement back from its first row, with no binding left.
  const std::string sql = "SELECT v, ?1 IS NULL FROM t ORDER BY v";
  SQLite::Statement* first = nullptr;
  {
    CachedStatement query(cache_, db_, sql);
    first = &static_cast<SQLite::Statement&>(query);
    query.bind(1, 7);
    ASSERT_TRUE(query.executeStep());
    ASSERT_TRUE(query.executeStep());
  }
  EXPECT_EQ(cache_.idle(), 1u);
  CachedStatement again(cache_, db_, sql);
  EXPECT_EQ(&static_cast<SQLite::Statement&>(again), first);
  EXPECT_EQ(cache_.idle(), 0u);
  ASSERT_TRUE(again.executeStep());
  EXPECT_EQ(again.getColumn(0).getInt(), 1);
  EXPECT_EQ(again.getColumn(1).getInt(), 1);
}

TEST_F(StatementCacheTest, TheSameSqlInUseTwiceGetsTwoStatements) {
  // Given a statement of some SQL still stepping, a nested use of that SQL is prepared anew
  // and both go back to the cache.
  const std::string sql = "SELECT v FROM t WHERE v >= ? ORDER BY v";
  {
    CachedStatement outer(cache_, db_, sql);
    outer.bind(1, 2);
    ASSERT_TRUE(outer.executeStep());
    CachedStatement inner(cache_, db_, sql);
    EXPECT_NE(&static_cast<SQLite::Statement&>(inner), &static_cast<SQLite::Statement&>(outer));
    inner.bind(1, 3);
    ASSERT_TRUE(inner.executeStep());
    EXPECT_EQ(inner.getColumn(0).getInt(), 3);
    ASSERT_TRUE(outer.executeStep());
    EXPECT_EQ(outer.getColumn(0).getInt(), 3);
  }
  EXPECT_EQ(cache_.idle(), 2u);
}

TEST_F(StatementCacheTest, AFailedStatementIsNotKept) {
  // Given a statement whose step failed (a constraint), it is dropped rather than reused.
  db_.exec("CREATE TABLE u (v INTEGER PRIMARY KEY)");
  db_.exec("INSERT INTO u VALUES (1)");
  {
    CachedStatement insert(cache_, db_, "INSERT INTO u VALUES (?)");
    insert.bind(1, 1);
    EXPECT_THROW(insert.exec(), SQLite::Exception);
  }
  EXPECT_EQ(cache_.idle(), 0u);
}

TEST_F(StatementCacheTest, TheCacheStartsOverPastItsBound) {
  // Given more distinct SQL texts than the bound, the idle count never exceeds it.
  for (size_t i = 0; i < StatementCache::kMaxIdle + 10; ++i) {
    CachedStatement query(cache_, db_, "SELECT v + " + std::to_string(i) + " FROM t");
    ASSERT_TRUE(query.executeStep());
    ASSERT_LE(cache_.idle(), StatementCache::kMaxIdle);
  }
  EXPECT_LE(cache_.idle(), StatementCache::kMaxIdle);
  EXPECT_GE(cache_.idle(), 10u);
}

}  // namespace
}  // namespace orch::store::internal
