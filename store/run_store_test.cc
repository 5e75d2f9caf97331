#include "store/run_store.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/guid.h"
#include "jobs/iso_time.h"
#include "jobs/store_types.h"
#include "store/catalog_store.h"
#include "store/job_store.h"
#include "store/pool_store.h"
#include "store/sqlite_store_impl.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::store {
namespace {

using ::testing::HasSubstr;

constexpr char kPoolStore[] = "aaaaaaaa-0000-4000-8000-00000000000a";
constexpr char kAgentStore[] = "bbbbbbbb-0000-4000-8000-00000000000b";
constexpr char kAgent[] = "cccccccc-0000-4000-8000-00000000000c";

class RunStoreTest : public testing::StoreFileTest {
 protected:
  void SetUp() override {
    StoreFileTest::SetUp();
    SqliteCatalogStore catalog(*store_);
    NewCertificate cert;
    cert.thumbprint = "ABCDEF";
    cert.der = "der";
    ASSERT_OK_AND_ASSIGN(ImportOutcome imported, catalog.AddCertificate(cert, clock_.WallNow()));
    certificate_id_ = imported.certificate.id;
    for (const char* id : {kPoolStore, kAgentStore}) {
      CertStoreRecord record;
      record.id = id;
      record.client_machine = "web01";
      record.store_path = std::string("/etc/ssl/") + id + ".pem";
      record.store_type = jobs::kPemStoreType;
      if (id == std::string(kPoolStore)) {
        record.agent_pool_id = std::string(kDefaultPoolId);
      } else {
        record.agent_id = kAgent;
      }
      ASSERT_OK(catalog.AddCertStore(record));
    }
  }

  // An Interval job on `store_id` due at `fire_ms`; answers its fire-queue entry.
  FireEntry AddJob(const std::string& store_id, int64_t fire_ms, std::string* job_id) {
    NewJob job;
    job.job_id = NewGuid();
    job.store_id = store_id;
    job.certificate_id = certificate_id_;
    job.alias = "a";
    job.schedule_json = R"({"Interval":{"Minutes":30}})";
    job.next_fire = jobs::FromUnixMillis(fire_ms);
    job.requested = clock_.WallNow();
    StatusOr<std::vector<int64_t>> seqs = SqliteJobStore(*store_).AddJobs({job});
    EXPECT_OK(seqs);
    *job_id = job.job_id;
    return {fire_ms, seqs->front()};
  }

  // Fires `entry` with a run at its time, keeping the job's next fire where it is.
  std::vector<RunRecord> FireKeepingNext(const FireEntry& entry) {
    StatusOr<std::vector<RunRecord>> runs =
        SqliteRunStore(*store_).Fire({entry}, [&](const FireJob& job) {
          return FireDecision{.run_at = job.next_fire, .next_fire = job.next_fire};
        });
    EXPECT_OK(runs);
    return *runs;
  }

  int64_t certificate_id_ = 0;
};

TEST_F(RunStoreTest, AFireIsRecordedOncePerJobAndInstant) {
  // Given the same (JobId, ScheduledFor) fired twice, the second fire writes no run.
  std::string job;
  FireEntry entry = AddJob(kPoolStore, 1000, &job);
  ASSERT_EQ(FireKeepingNext(entry).size(), 1u);
  EXPECT_TRUE(FireKeepingNext(entry).empty());
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> open, SqliteRunStore(*store_).LoadOpenRuns());
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].job_id, job);
  EXPECT_EQ(open[0].client_machine, "web01");
  EXPECT_EQ(open[0].target_pool_id, kDefaultPoolId);
}

TEST_F(RunStoreTest, StaleQueueEntriesAreSkipped) {
  // Given a queue entry whose time no longer matches the job's next fire, nothing is written.
  std::string job;
  FireEntry entry = AddJob(kPoolStore, 1000, &job);
  entry.fire_ms = 999;
  EXPECT_TRUE(FireKeepingNext(entry).empty());
}

TEST_F(RunStoreTest, DeliveryFollowsTheStoreBinding) {
  // Given runs on a pool store and an agent store, an agent of another pool takes only its own
  // store's run; the pool's run is refused and stays undelivered for an agent of the pool.
  std::string pool_job, agent_job;
  const RunRecord pool_run = FireKeepingNext(AddJob(kPoolStore, 1000, &pool_job)).front();
  const RunRecord agent_run = FireKeepingNext(AddJob(kAgentStore, 1000, &agent_job)).front();
  SqliteRunStore runs(*store_);
  const WallTime lease = jobs::FromUnixMillis(9000);
  ASSERT_OK_AND_ASSIGN(
      Delivered first,
      runs.Deliver({{kAgent, "web01", "other-pool", lease, {pool_run.run_id, agent_run.run_id}}}));
  ASSERT_EQ(first.runs.size(), 1u);
  ASSERT_EQ(first.runs[0].size(), 1u);
  EXPECT_EQ(first.runs[0][0].run_id, agent_run.run_id);
  EXPECT_EQ(first.runs[0][0].agent_id, kAgent);
  EXPECT_EQ(first.runs[0][0].agent_machine, "web01");
  EXPECT_EQ(first.runs[0][0].lease_expires, lease);
  EXPECT_EQ(first.refused, std::vector<int64_t>{pool_run.run_id});
  EXPECT_TRUE(runs.FindRun(pool_run.run_id)->value().agent_id.empty());

  // A run delivered already is refused to anyone else; the pool's agents take the pool's run.
  const std::string other = NewGuid();
  ASSERT_OK_AND_ASSIGN(
      Delivered second,
      runs.Deliver({{other, "web02", std::string(kDefaultPoolId), lease, {agent_run.run_id}},
                    {other, "web02", std::string(kDefaultPoolId), lease, {pool_run.run_id}}}));
  ASSERT_EQ(second.runs.size(), 2u);
  EXPECT_TRUE(second.runs[0].empty());
  ASSERT_EQ(second.runs[1].size(), 1u);
  EXPECT_EQ(second.runs[1][0].agent_id, other);
  EXPECT_EQ(second.refused, std::vector<int64_t>{agent_run.run_id});
  EXPECT_EQ(runs.FindRun(agent_run.run_id)->value().agent_id, kAgent);
}

TEST_F(RunStoreTest, AcknowledgeTakesOnlyWarningsAndFailures) {
  // Given a success and a failure, acknowledging both is refused and changes nothing; the
  // failure alone is acknowledged; an unknown id is NotFound.
  std::string a, b;
  RunRecord ok = FireKeepingNext(AddJob(kPoolStore, 1000, &a)).front();
  RunRecord bad = FireKeepingNext(AddJob(kPoolStore, 1000, &b)).front();
  SqliteRunStore runs(*store_);
  ASSERT_OK(runs.Complete({ok.run_id, RunResult::kSuccess, "ok", clock_.WallNow(), {}}));
  ASSERT_OK(runs.Complete({bad.run_id, RunResult::kFailure, "no", clock_.WallNow(), {}}));
  StatusOr<int64_t> refused = runs.Acknowledge({bad.run_id, ok.run_id});
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr(std::to_string(ok.run_id)));
  EXPECT_EQ(runs.FindRun(bad.run_id)->value().status, RunStatus::kCompleted);
  EXPECT_EQ(runs.Acknowledge({bad.run_id}).value(), 1);
  EXPECT_EQ(runs.FindRun(bad.run_id)->value().status, RunStatus::kAcknowledged);
  EXPECT_EQ(runs.Acknowledge({bad.run_id + 100}).status().code(), StatusCode::kNotFound);
}

TEST_F(RunStoreTest, RerunNeedsAClosedFailureWithNothingInFlight) {
  // Given a failed run, Rerun writes a new waiting run of its job; a second Rerun while that
  // run is open is refused.
  std::string job;
  RunRecord bad = FireKeepingNext(AddJob(kPoolStore, 1000, &job)).front();
  SqliteRunStore runs(*store_);
  EXPECT_EQ(runs.Rerun({bad.run_id}, clock_.WallNow()).status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_OK(runs.Complete({bad.run_id, RunResult::kFailure, "no", clock_.WallNow(), {}}));
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> created, runs.Rerun({bad.run_id}, clock_.WallNow()));
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].job_id, job);
  EXPECT_EQ(created[0].status, RunStatus::kWaiting);
  StatusOr<std::vector<RunRecord>> again = runs.Rerun({bad.run_id}, clock_.WallNow());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.status().message(), HasSubstr("in flight"));
}

TEST_F(RunStoreTest, AHistoryQueryFromAMomentOnSkipsTheBlocksThatEndedBeforeIt) {
  // Given runs in four blocks of run ids, one started late in an early block and one whose
  // start was moved earlier after it was marked, every query "OperationStart -ge T AND Result
  // -eq 2" answers exactly what a plain scan of the table finds, and the marks hold each
  // block's latest start (never less).
  SQLite::Database& db = store_->impl().db;
  auto insert = [&db](int64_t id, std::optional<int64_t> start_s, int result) {
    db.exec("INSERT INTO runs (run_id, job_id, scheduled_for, status, result, client_machine, "
            "store_path, store_type, job_type, operation_start) VALUES (" +
            std::to_string(id) + ", 'job', " + std::to_string(id) + ", 3, " +
            std::to_string(result) + ", 'web01', '/p', 2, 'Management', " +
            (start_s ? std::to_string(*start_s * 1000) : std::string("NULL")) + ")");
  };
  insert(1, 5, 2);  // an old run that started late
  insert(2, 1, 2);
  insert(4096, 2, 2);
  insert(4097, 3, 2);
  insert(8192, 6, 2);
  insert(8193, 7, 4);
  insert(12288, std::nullopt, 2);
  db.exec("UPDATE runs SET operation_start = 9000 WHERE run_id = 12288");
  db.exec("UPDATE runs SET operation_start = 1000 WHERE run_id = 8192");

  std::vector<std::pair<int64_t, int64_t>> marks;
  SQLite::Statement read(db, "SELECT block, max_start FROM run_start_marks ORDER BY block");
  while (read.executeStep()) marks.emplace_back(read.getColumn(0), read.getColumn(1));
  EXPECT_EQ(marks, (std::vector<std::pair<int64_t, int64_t>>{
                       {0, 5000}, {1, 3000}, {2, 7000}, {3, 9000}}));

  for (int64_t since_s : {0, 1, 2, 4, 5, 6, 7, 8, 9, 10}) {
    std::vector<int64_t> scanned;
    SQLite::Statement scan(db,
                           "SELECT run_id FROM runs WHERE operation_start >= ? AND result = 2 "
                           "ORDER BY run_id");
    scan.bind(1, since_s * 1000);
    while (scan.executeStep()) scanned.push_back(scan.getColumn(0).getInt64());

    jobs::Paging paging;
    paging.limit = 100;
    paging.filter = jobs::CompileQuery("OperationStart -ge \"" +
                                           jobs::FormatIsoTime(jobs::FromUnixMillis(since_s * 1000)) +
                                           "\" AND Result -eq 2",
                                       RunQueryFields())
                        .value();
    ASSERT_OK_AND_ASSIGN(Page<RunRecord> page, SqliteRunStore(*store_).ListRuns(paging));
    std::vector<int64_t> listed;
    for (const RunRecord& run : page.rows) listed.push_back(run.run_id);
    EXPECT_EQ(listed, scanned) << "since " << since_s << " s";
    EXPECT_EQ(page.total, static_cast<int64_t>(scanned.size())) << "since " << since_s << " s";
  }
}

TEST_F(RunStoreTest, CountsRunsByStatusAndJobsByState) {
  // Given two jobs, each fired once, and one of the runs completed.
  ASSERT_OK_AND_ASSIGN(auto runs, SqliteRunStore(*store_).CountRunsByStatus());
  EXPECT_TRUE(runs.empty());
  std::string job;
  std::vector<RunRecord> first = FireKeepingNext(AddJob(kPoolStore, 1000, &job));
  FireKeepingNext(AddJob(kAgentStore, 2000, &job));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_OK(SqliteRunStore(*store_)
                .Complete({first[0].run_id, RunResult::kSuccess, "", clock_.WallNow(), {}})
                .status());

  ASSERT_OK_AND_ASSIGN(runs, SqliteRunStore(*store_).CountRunsByStatus());
  EXPECT_EQ(runs, (std::map<RunStatus, int64_t>{{RunStatus::kWaiting, 1},
                                                 {RunStatus::kCompleted, 1}}));
  ASSERT_OK_AND_ASSIGN(auto jobs, SqliteJobStore(*store_).CountJobsByState());
  EXPECT_EQ(jobs, (std::map<std::string, int64_t>{{"Scheduled", 2}}));
}

}  // namespace
}  // namespace orch::store
