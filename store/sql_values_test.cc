#include "store/sql_values.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/agent_store.h"
#include "store/job_store.h"
#include "store/migrations.h"
#include "store/run_store.h"
#include "store/secret_store.h"
#include "store/sqlite_store_impl.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::store {
namespace {

using internal::OpenRunStatusList;
using internal::SqlList;
using internal::SqlLiteral;
using ::testing::HasSubstr;

std::string AllMigrations() {
  std::string sql;
  for (const Migration& migration : SchemaMigrations()) sql += migration.sql;
  return sql;
}

TEST(SqlValuesTest, LiteralsAreWrittenAsSqlReadsThem) {
  // Given enum values, texts and lists, the literals are what a query would spell by hand.
  EXPECT_EQ(SqlLiteral(RunStatus::kCompleted), "3");
  EXPECT_EQ(SqlLiteral(kJobScheduled), "'Scheduled'");
  EXPECT_EQ(SqlLiteral("it's"), "'it''s'");
  const RunResult results[] = {RunResult::kWarning, RunResult::kFailure};
  EXPECT_EQ(SqlList<RunResult>(results), "(3, 4)");
  EXPECT_EQ(OpenRunStatusList(), "(1, 2)");
}

TEST(SqlValuesTest, TheMigrationsBakeInTheEnumValues) {
  // Given the released schema, its CHECK constraints and the runs_open index spell exactly the
  // values the enums and job states define.
  const std::string schema = AllMigrations();
  EXPECT_THAT(schema, HasSubstr("CREATE INDEX runs_open ON runs (status, scheduled_for) WHERE "
                                "status IN " +
                                OpenRunStatusList() + ";"));
  EXPECT_THAT(schema, HasSubstr("CHECK (status BETWEEN " + SqlLiteral(RunStatus::kWaiting) +
                                " AND " + SqlLiteral(RunStatus::kCompletedWillRetry) + ")"));
  const RunResult results[] = {RunResult::kUnknown, RunResult::kSuccess, RunResult::kWarning,
                               RunResult::kFailure};
  EXPECT_THAT(schema, HasSubstr("CHECK (result IN " + SqlList<RunResult>(results) + ")"));
  const AgentStatus agent_statuses[] = {AgentStatus::kNew, AgentStatus::kApproved,
                                        AgentStatus::kDisapproved};
  EXPECT_THAT(schema, HasSubstr("CHECK (status IN " + SqlList<AgentStatus>(agent_statuses) + ")"));
  const Reenrollment reenrollments[] = {Reenrollment::kNone, Reenrollment::kRequested,
                                        Reenrollment::kRequired};
  EXPECT_THAT(schema, HasSubstr("CHECK (auth_certificate_reenrollment IN " +
                                SqlList<Reenrollment>(reenrollments) + ")"));
  const std::string_view job_states[] = {kJobScheduled, kJobUnscheduled, kJobFinished};
  EXPECT_THAT(schema, HasSubstr("CHECK (state IN " + SqlList<std::string_view>(job_states) + ")"));
  const std::string_view secret_statuses[] = {SecretStatusName(SecretStatus::kActive),
                                              SecretStatusName(SecretStatus::kRevoked)};
  EXPECT_THAT(schema,
              HasSubstr("CHECK (status IN " + SqlList<std::string_view>(secret_statuses) + ")"));
}

TEST(SqlValuesTest, OpenAndClosedStatusesPartitionTheRunStatuses) {
  // Given every run status, each is either open or closed, never both.
  for (RunStatus status : {RunStatus::kWaiting, RunStatus::kInProcess, RunStatus::kCompleted,
                           RunStatus::kAcknowledged, RunStatus::kCompletedWillRetry}) {
    const bool open = std::ranges::count(internal::kOpenRunStatuses, status) == 1;
    const bool closed = std::ranges::count(internal::kClosedRunStatuses, status) == 1;
    EXPECT_NE(open, closed) << SqlLiteral(status);
  }
}

int CollectSql(unsigned /*type*/, void* context, void* statement, void* /*unused*/) {
  if (const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(statement))) {
    static_cast<std::vector<std::string>*>(context)->push_back(sql);
  }
  return 0;
}

class SqlValuesPlanTest : public testing::StoreFileTest {};

TEST_F(SqlValuesPlanTest, OpenRunsAreReadThroughThePartialIndex) {
  // Given the query that loads every open run, SQLite plans it on the runs_open partial index.
  sqlite3* db = store_->impl().db.getHandle();
  std::vector<std::string> statements;
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT, CollectSql, &statements);
  ASSERT_OK(SqliteRunStore(*store_).LoadOpenRuns());
  sqlite3_trace_v2(db, 0, nullptr, nullptr);
  ASSERT_EQ(statements.size(), 1u);
  SQLite::Statement plan(store_->impl().db, "EXPLAIN QUERY PLAN " + statements[0]);
  std::string details;
  while (plan.executeStep()) details += plan.getColumn(3).getString() + "\n";
  EXPECT_THAT(details, HasSubstr("USING INDEX runs_open"));
}

}  // namespace
}  // namespace orch::store
