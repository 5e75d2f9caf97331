#include "store/job_store.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/guid.h"
#include "jobs/iso_time.h"
#include "jobs/store_types.h"
#include "store/catalog_store.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::store {
namespace {

using ::testing::HasSubstr;

constexpr char kStoreA[] = "aaaaaaaa-0000-4000-8000-00000000000a";
constexpr char kStoreB[] = "bbbbbbbb-0000-4000-8000-00000000000b";

class JobStoreTest : public testing::StoreFileTest {
 protected:
  void SetUp() override {
    StoreFileTest::SetUp();
    SqliteCatalogStore catalog(*store_);
    NewCertificate cert;
    cert.thumbprint = "ABCDEF";
    cert.der = "der";
    StatusOr<ImportOutcome> imported = catalog.AddCertificate(cert, clock_.WallNow());
    ASSERT_OK(imported);
    certificate_id_ = imported->certificate.id;
    ASSERT_OK_AND_ASSIGN(ContainerRecord web, catalog.AddContainer("Web"));
    for (const char* id : {kStoreA, kStoreB}) {
      CertStoreRecord record;
      record.id = id;
      record.client_machine = id == std::string(kStoreA) ? "web01" : "db01";
      record.store_path = "/etc/ssl/store.pem";
      record.store_type = jobs::kPemStoreType;
      record.agent_pool_id = "00000000-0000-0000-0000-000000000000";
      if (id == std::string(kStoreA)) record.container_id = web.id;
      ASSERT_OK(catalog.AddCertStore(record));
    }
  }

  NewJob Job(const std::string& store_id, int64_t next_fire_ms) {
    NewJob job;
    job.job_id = NewGuid();
    job.store_id = store_id;
    job.certificate_id = certificate_id_;
    job.alias = "alias-" + store_id.substr(0, 4);
    job.schedule_json = R"({"Interval":{"Minutes":30}})";
    job.schedule_type = "I_30";
    job.next_fire = jobs::FromUnixMillis(next_fire_ms);
    job.requested = clock_.WallNow();
    job.requester_name = "alice";
    job.sealed_pfx_password = "sealed";
    return job;
  }

  int64_t certificate_id_ = 0;
};

TEST_F(JobStoreTest, AddedJobsListWithStoreAndNextFire) {
  // Given two jobs, the list joins their store and certificate and keeps every column.
  SqliteJobStore store(*store_);
  NewJob first = Job(kStoreA, 2000);
  NewJob second = Job(kStoreB, 1000);
  ASSERT_OK(store.AddJobs({first, second}));
  ASSERT_OK_AND_ASSIGN(jobs::Paging paging, jobs::ParsePaging({}, JobQueryFields(), "NextRunTime"));
  ASSERT_OK_AND_ASSIGN(Page<JobRow> page, store.ListJobs(paging));
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.rows.size(), 2u);
  EXPECT_EQ(page.rows[0].job_id, second.job_id);
  EXPECT_EQ(page.rows[0].client_machine, "db01");
  EXPECT_EQ(page.rows[1].thumbprint, "ABCDEF");
  EXPECT_EQ(page.rows[1].schedule_type, std::optional<std::string>("I_30"));
  EXPECT_EQ(page.rows[1].next_fire, jobs::FromUnixMillis(2000));
  EXPECT_EQ(page.rows[1].state, kJobScheduled);
  EXPECT_TRUE(page.rows[1].has_pfx_password);
  EXPECT_FALSE(page.rows[1].has_entry_password);
  EXPECT_EQ(page.rows[1].container_id.has_value(), true);
}

TEST_F(JobStoreTest, AddJobsWritesAllOrNothing) {
  // Given a batch whose last job names an unknown store, no job of the batch is written.
  SqliteJobStore store(*store_);
  Status refused = store
                       .AddJobs({Job(kStoreA, 1), Job(kStoreB, 1),
                                 Job("cccccccc-0000-4000-8000-00000000000c", 1)})
                       .status();
  EXPECT_EQ(refused.code(), StatusCode::kNotFound);
  EXPECT_EQ(store.ListJobs(jobs::Paging{})->total, 0);
}

TEST_F(JobStoreTest, QueryValuesAreBoundAsData) {
  // Given an alias full of SQL metacharacters, a query for it matches only that job and the
  // jobs table survives.
  SqliteJobStore store(*store_);
  NewJob odd = Job(kStoreA, 1);
  odd.alias = "'; DROP TABLE jobs; --";
  ASSERT_OK(store.AddJobs({odd, Job(kStoreB, 1)}));
  ASSERT_OK_AND_ASSIGN(
      jobs::Paging paging,
      jobs::ParsePaging({{"pq.queryString", R"(Alias -eq "'; DROP TABLE jobs; --")"}},
                        JobQueryFields(), ""));
  ASSERT_OK_AND_ASSIGN(Page<JobRow> page, store.ListJobs(paging));
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].job_id, odd.job_id);
  EXPECT_EQ(store.ListJobs(jobs::Paging{})->total, 2);
}

TEST_F(JobStoreTest, UnscheduleIsAllOrNothing) {
  // Given a known and an unknown id, nothing changes and the unknown one is named; the known
  // one alone is then unscheduled and loses its next fire.
  SqliteJobStore store(*store_);
  NewJob job = Job(kStoreA, 5);
  ASSERT_OK(store.AddJobs({job}));
  const std::string unknown = "dddddddd-0000-4000-8000-00000000000d";
  StatusOr<UnscheduledJobs> refused = store.Unschedule({job.job_id, unknown});
  EXPECT_EQ(refused.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(refused.status().message(), HasSubstr(unknown));
  EXPECT_EQ(store.GetJob(job.job_id)->state, kJobScheduled);

  ASSERT_OK_AND_ASSIGN(JobRow before, store.GetJob(job.job_id));
  ASSERT_OK_AND_ASSIGN(UnscheduledJobs unscheduled, store.Unschedule({job.job_id}));
  EXPECT_EQ(unscheduled.changed, 1);
  ASSERT_EQ(unscheduled.dequeued.size(), 1u);
  EXPECT_EQ(unscheduled.dequeued[0].fire_ms, jobs::ToUnixMillis(*before.next_fire));
  ASSERT_OK_AND_ASSIGN(JobRow row, store.GetJob(job.job_id));
  EXPECT_EQ(row.state, kJobUnscheduled);
  EXPECT_EQ(row.next_fire, std::nullopt);
  ASSERT_OK_AND_ASSIGN(unscheduled, store.Unschedule({job.job_id}));
  EXPECT_EQ(unscheduled.changed, 0);
  EXPECT_TRUE(unscheduled.dequeued.empty());
}

TEST_F(JobStoreTest, MatchJobsReportsContainersForPermissionChecks) {
  // Given jobs on a store in a container and on one without, a query finds each with its
  // container.
  SqliteJobStore store(*store_);
  NewJob a = Job(kStoreA, 1);
  NewJob b = Job(kStoreB, 1);
  ASSERT_OK(store.AddJobs({a, b}));
  ASSERT_OK_AND_ASSIGN(jobs::SqlFilter filter,
                       jobs::CompileQuery("ClientMachine -eq \"db01\"", JobQueryFields()));
  ASSERT_OK_AND_ASSIGN(std::vector<JobTarget> found, store.MatchJobs(filter));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].job_id, b.job_id);
  EXPECT_EQ(found[0].container_id, std::nullopt);
  ASSERT_OK_AND_ASSIGN(found, store.FindJobs({a.job_id, "eeeeeeee-0000-4000-8000-00000000000e"}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].container_id.has_value());
}

TEST_F(JobStoreTest, StoreWithScheduledJobsCannotBeDeleted) {
  // Given a store with a scheduled job, deleting it is refused until the job is unscheduled.
  SqliteJobStore store(*store_);
  SqliteCatalogStore catalog(*store_);
  NewJob job = Job(kStoreA, 1);
  ASSERT_OK(store.AddJobs({job}));
  EXPECT_EQ(catalog.DeleteCertStore(kStoreA).code(), StatusCode::kFailedPrecondition);
  ASSERT_OK(store.Unschedule({job.job_id}));
  ASSERT_OK(catalog.DeleteCertStore(kStoreA));
  EXPECT_EQ(store.GetJob(job.job_id).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace orch::store
