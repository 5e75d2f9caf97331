#include "store/read_pool.h"

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/catalog_store.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_loop.h"

namespace orch::store {
namespace {

using std::chrono::milliseconds;

class ReadPoolTest : public testing::StoreFileTest {
 protected:
  void SetUp() override {
    StoreFileTest::SetUp();
    OpenPool(2, ReadPool::Options{.faults = &faults_});
  }
  void TearDown() override {
    pool_.reset();
    StoreFileTest::TearDown();
  }

  void OpenPool(size_t readers, ReadPool::Options options) {
    pool_.reset();
    StatusOr<std::unique_ptr<ReadPool>> opened =
        ReadPool::Open({.path = dir_ + "/orchd.db", .orchd_version = "test", .clock = &clock_},
                       readers, loop_.Post(), options);
    ASSERT_OK(opened);
    pool_ = std::move(opened).value();
  }

  /// Queues a read of the number of containers; its answer is appended to `counts_`.
  void CountContainers() {
    pool_->Read<int64_t>(
        [](Repositories& store) -> StatusOr<int64_t> {
          ORCH_ASSIGN_OR_RETURN(Page<ContainerRecord> page,
                                store.catalog().ListContainers(jobs::Paging{}));
          return page.total;
        },
        [this](StatusOr<int64_t> count) { counts_.push_back(std::move(count)); });
  }

  /// Holds one reader inside a read until the returned promise is set.
  std::shared_ptr<std::promise<void>> BlockReader() {
    auto release = std::make_shared<std::promise<void>>();
    auto entered = std::make_shared<std::promise<void>>();
    std::shared_future<void> released = release->get_future().share();
    pool_->Read<bool>(
        [entered, released](Repositories&) -> StatusOr<bool> {
          entered->set_value();
          released.wait();
          return true;
        },
        [this](StatusOr<bool>) { ++blocker_answers_; });
    entered->get_future().wait();
    return release;
  }

  bool Answered(size_t count) {
    return loop_.RunUntil([&] { return counts_.size() >= count; });
  }

  orch::testing::TestLoop loop_;
  ReadFaults faults_;
  std::unique_ptr<ReadPool> pool_;
  std::vector<StatusOr<int64_t>> counts_;
  int blocker_answers_ = 0;
};

TEST_F(ReadPoolTest, AReadRunsOffTheCallingThreadAndIsAnsweredThroughPost) {
  // Given a read queued from the test's thread: it runs on a reader thread, and its answer
  // waits for the loop to run what was posted.
  std::optional<std::thread::id> ran_on;
  std::optional<std::thread::id> answered_on;
  pool_->Read<int>(
      [&ran_on](Repositories&) -> StatusOr<int> {
        ran_on = std::this_thread::get_id();
        return 7;
      },
      [&](StatusOr<int> result) {
        answered_on = std::this_thread::get_id();
        ASSERT_OK(result);
        EXPECT_EQ(*result, 7);
      });
  EXPECT_FALSE(answered_on.has_value());
  ASSERT_TRUE(loop_.RunUntil([&] { return answered_on.has_value(); }));
  ASSERT_TRUE(ran_on.has_value());
  EXPECT_NE(*ran_on, std::this_thread::get_id());
  EXPECT_EQ(*answered_on, std::this_thread::get_id());
  EXPECT_EQ(pool_->state().reads, 1);
}

TEST_F(ReadPoolTest, AReadSeesWhatAnotherConnectionCommittedBeforeItStarted) {
  // Given two containers committed by the test's own connection, then a read on a reader's.
  ASSERT_OK(SqliteCatalogStore(*store_).AddContainer("web"));
  ASSERT_OK(SqliteCatalogStore(*store_).AddContainer("db"));
  CountContainers();
  ASSERT_TRUE(Answered(1));
  ASSERT_OK(counts_[0]);
  EXPECT_EQ(*counts_[0], 2);

  ASSERT_OK(SqliteCatalogStore(*store_).AddContainer("mail"));
  CountContainers();
  ASSERT_TRUE(Answered(2));
  ASSERT_OK(counts_[1]);
  EXPECT_EQ(*counts_[1], 3);
}

TEST_F(ReadPoolTest, AReaderConnectionRefusesToWrite) {
  // Given a read that tries to write: the read-only connection refuses, and nothing is written.
  std::optional<Status> answer;
  pool_->Read<ContainerRecord>(
      [](Repositories& store) { return store.catalog().AddContainer("web"); },
      [&answer](StatusOr<ContainerRecord> added) { answer = added.status(); });
  ASSERT_TRUE(loop_.RunUntil([&] { return answer.has_value(); }));
  EXPECT_FALSE(answer->ok());
  ASSERT_OK_AND_ASSIGN(Page<ContainerRecord> page,
                       SqliteCatalogStore(*store_).ListContainers(jobs::Paging{}));
  EXPECT_EQ(page.total, 0);
}

TEST_F(ReadPoolTest, StopAnswersEveryQueuedReadAndLaterReadsAreRefused) {
  // Given slow reads queued behind each other, Stop() right away: each is run and answered.
  ASSERT_OK(SqliteCatalogStore(*store_).AddContainer("web"));
  faults_.SetDelay(milliseconds(20));
  for (int i = 0; i < 6; ++i) CountContainers();
  pool_->Stop();
  EXPECT_EQ(pool_->state().reads, 6);
  CountContainers();
  ASSERT_TRUE(Answered(7));
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK(counts_[i]);
    EXPECT_EQ(*counts_[i], 1);
  }
  EXPECT_EQ(counts_[6].status().code(), StatusCode::kUnavailable);
}

TEST_F(ReadPoolTest, ReadsPastTheBacklogAreRefusedWithResourceExhausted) {
  // Given one reader held in a read and a backlog of two: the third queued read is refused at
  // once (through the loop), the two others run once the reader is free.
  OpenPool(1, ReadPool::Options{.max_backlog = 2});
  std::shared_ptr<std::promise<void>> release = BlockReader();
  for (int i = 0; i < 3; ++i) CountContainers();
  ASSERT_TRUE(Answered(1));
  EXPECT_EQ(counts_[0].status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(pool_->state().backlog, 2u);
  EXPECT_EQ(pool_->state().refused, 1);
  release->set_value();
  ASSERT_TRUE(Answered(3));
  EXPECT_OK(counts_[1]);
  EXPECT_OK(counts_[2]);
  ASSERT_TRUE(loop_.RunUntil([&] { return blocker_answers_ == 1; }));
}

TEST_F(ReadPoolTest, OpenRefusesAnInMemoryDatabaseAndABadNumberOfReaders) {
  EXPECT_EQ(ReadPool::Open({.path = std::string(SqliteStore::kInMemoryPath), .clock = &clock_}, 2,
                           loop_.Post(), {})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  for (size_t readers : {size_t{0}, ReadPool::kMaxReaders + 1}) {
    EXPECT_EQ(
        ReadPool::Open({.path = dir_ + "/orchd.db", .clock = &clock_}, readers, loop_.Post(), {})
            .status()
            .code(),
        StatusCode::kInvalidArgument);
  }
}

TEST_F(ReadPoolTest, AnInlineReaderAnswersBeforeReadReturns) {
  ASSERT_OK(SqliteCatalogStore(*store_).AddContainer("web"));
  InlineReader reader(*store_);
  std::optional<StatusOr<int64_t>> answer;
  reader.Read<int64_t>(
      [](Repositories& store) -> StatusOr<int64_t> {
        ORCH_ASSIGN_OR_RETURN(Page<ContainerRecord> page,
                              store.catalog().ListContainers(jobs::Paging{}));
        return page.total;
      },
      [&answer](StatusOr<int64_t> count) { answer = std::move(count); });
  ASSERT_TRUE(answer.has_value());
  ASSERT_OK(*answer);
  EXPECT_EQ(**answer, 1);
  EXPECT_EQ(reader.state().reads, 1);
}

}  // namespace
}  // namespace orch::store
