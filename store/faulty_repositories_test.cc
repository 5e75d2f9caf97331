#include "store/faulty_repositories.h"

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "store/sqlite_repositories.h"
#include "store/store_test_support.h"
#include "store/write_executor.h"
#include "tests/testing/status_matchers.h"

namespace orch::store {
namespace {

class FaultyRepositoriesTest : public testing::StoreFileTest {
 protected:
  void SetUp() override {
    StoreFileTest::SetUp();
    faulty_ = WithFaults(std::make_unique<SqliteRepositories>(*store_), faults_);
  }
  void TearDown() override {
    faulty_.reset();
    StoreFileTest::TearDown();
  }

  int64_t Containers() {
    StatusOr<Page<ContainerRecord>> page = repositories_->catalog().ListContainers({});
    EXPECT_OK(page);
    return page.ok() ? page->total : -1;
  }

  RepositoryFaults faults_;
  std::unique_ptr<Repositories> faulty_;
};

TEST_F(FaultyRepositoriesTest, ACallGoesThroughUntilAFaultIsSetForIt) {
  ASSERT_OK(faulty_->catalog().AddContainer("web"));
  EXPECT_EQ(Containers(), 1);
  EXPECT_EQ(faults_.calls("catalog.AddContainer"), 1);
  EXPECT_EQ(faults_.calls(RepositoryFaults::kAnyCall), 1);
  EXPECT_EQ(faults_.failed(), 0);
}

TEST_F(FaultyRepositoriesTest, TheChosenCallFailsWithTheInjectedErrorAndReachesNothing) {
  // Given a disk-full fault on the second AddContainer, and none on other calls.
  faults_.Fail("catalog.AddContainer", ResourceExhaustedError("database or disk is full"),
               /*count=*/1, /*after=*/1);
  ASSERT_OK(faulty_->catalog().AddContainer("web"));
  ASSERT_OK(faulty_->catalog().ListContainers({}));  // another call is not counted
  StatusOr<ContainerRecord> second = faulty_->catalog().AddContainer("db");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(second.status().message(), "database or disk is full");
  EXPECT_EQ(Containers(), 1);  // "db" never reached the store
  // The fault was for one call: the next one goes through again.
  ASSERT_OK(faulty_->catalog().AddContainer("db"));
  EXPECT_EQ(Containers(), 2);
  EXPECT_EQ(faults_.failed(), 1);
  EXPECT_EQ(faults_.calls("catalog.AddContainer"), 3);
}

TEST_F(FaultyRepositoriesTest, AnyCallMatchesEverySubjectUntilCleared) {
  faults_.Fail(RepositoryFaults::kAnyCall, UnavailableError("database is locked"), /*count=*/3);
  EXPECT_EQ(faulty_->jobs().GetJobState("x").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(faulty_->runs().FindRun(1).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(faulty_->CheckHealth().code(), StatusCode::kUnavailable);
  ASSERT_OK(faulty_->CheckHealth());  // three calls failed, the fourth goes through
  faults_.Fail(RepositoryFaults::kAnyCall, UnavailableError("database is locked"), /*count=*/9);
  faults_.Clear();
  ASSERT_OK(faulty_->secrets().ListSecrets());
  EXPECT_EQ(faults_.failed(), 3);
}

TEST_F(FaultyRepositoriesTest, AWriteWhoseCallFailsIsAnsweredWithTheErrorAndLeavesNothing) {
  // Given a writer whose repositories fail the second AddContainer.
  InlineWriter writer(*store_, &faults_);
  faults_.Fail("catalog.AddContainer", ResourceExhaustedError("database or disk is full"),
               /*count=*/1, /*after=*/1);
  std::optional<Status> first;
  std::optional<Status> second;
  writer.Submit<ContainerRecord>([](Repositories& db) { return db.catalog().AddContainer("a"); },
                                 [&](StatusOr<ContainerRecord> done) { first = done.status(); });
  writer.Submit<ContainerRecord>([](Repositories& db) { return db.catalog().AddContainer("b"); },
                                 [&](StatusOr<ContainerRecord> done) { second = done.status(); });
  ASSERT_TRUE(first.has_value() && second.has_value());
  ASSERT_OK(*first);
  EXPECT_EQ(second->code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Containers(), 1);
}

}  // namespace
}  // namespace orch::store
