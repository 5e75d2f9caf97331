#include "store/write_executor.h"

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/agent_changes.h"
#include "store/catalog_store.h"
#include "store/sqlite_store_impl.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_loop.h"

namespace orch::store {
namespace {

class WriteExecutorTest : public testing::StoreFileTest {
 protected:
  void SetUp() override {
    StoreFileTest::SetUp();
    StatusOr<std::unique_ptr<SqliteStore>> writer =
        SqliteStore::Open({.path = dir_ + "/orchd.db", .orchd_version = "test", .clock = &clock_});
    ASSERT_OK(writer);
    executor_ = std::make_unique<WriteExecutor>(
        std::move(writer).value(), loop_.Post(),
        WriteExecutor::Options{.faults = &faults_, .repository_faults = &repository_faults_});
  }
  void TearDown() override {
    executor_.reset();
    StoreFileTest::TearDown();
  }

  /// Queues the creation of container `name`; its answer lands in `answers_[name]`.
  void AddContainer(const std::string& name) {
    executor_->Submit<ContainerRecord>(
        [name](Repositories& store) { return store.catalog().AddContainer(name); },
        [this, name](StatusOr<ContainerRecord> created) {
          answers_.emplace(name, created.status());
        });
  }

  /// Holds the writer inside a write until the returned promise is set, so that what is
  /// submitted meanwhile gathers into the next group.
  std::shared_ptr<std::promise<void>> BlockWriter() {
    auto release = std::make_shared<std::promise<void>>();
    auto entered = std::make_shared<std::promise<void>>();
    std::shared_future<void> released = release->get_future().share();
    executor_->Submit(
        [entered, released](Repositories&) {
          entered->set_value();
          released.wait();
          return Status::Ok();
        },
        [this](Status) { ++blocker_answers_; });
    entered->get_future().wait();
    return release;
  }

  int64_t Containers() {
    return store_->impl().db.execAndGet("SELECT count(*) FROM containers").getInt64();
  }

  bool AllAnswered(size_t count) {
    return loop_.RunUntil([&] { return answers_.size() >= count; });
  }

  orch::testing::TestLoop loop_;
  CommitFaults faults_;
  RepositoryFaults repository_faults_;
  std::unique_ptr<WriteExecutor> executor_;
  std::map<std::string, Status> answers_;
  int blocker_answers_ = 0;
};

TEST_F(WriteExecutorTest, WritesQueuedDuringACommitShareTheNextOne) {
  std::shared_ptr<std::promise<void>> release = BlockWriter();
  for (int i = 0; i < 50; ++i) AddContainer("c" + std::to_string(i));
  release->set_value();
  ASSERT_TRUE(AllAnswered(50));
  for (const auto& [name, status] : answers_) EXPECT_OK(status) << name;
  EXPECT_EQ(Containers(), 50);
  const WriteStats stats = executor_->state().stats;
  EXPECT_EQ(stats.commits, 2);  // the blocking write's group, then all 50 together
  EXPECT_EQ(stats.largest_group, 50);
  // Both groups are in the histograms: one of 1 write, one of 50 (the 33..64 bucket).
  EXPECT_EQ(stats.group_size.count(), 2u);
  EXPECT_EQ(stats.group_size.sum(), 51);
  EXPECT_EQ(stats.group_size.buckets()[0], 1u);
  EXPECT_EQ(stats.group_size.buckets()[6], 1u);
  EXPECT_EQ(stats.commit_seconds.count(), 2u);
  EXPECT_GT(stats.commit_seconds.sum(), 0);
  EXPECT_EQ(stats.writes, 51);
  EXPECT_EQ(blocker_answers_, 1);
}

TEST_F(WriteExecutorTest, AFailingWriteIsUndoneAloneAndTheOthersCommit) {
  std::shared_ptr<std::promise<void>> release = BlockWriter();
  AddContainer("web");
  executor_->Submit<ContainerRecord>(
      [](Repositories& store) { return store.catalog().AddContainer("web"); },
      [this](StatusOr<ContainerRecord> created) {
        answers_.emplace("web again", created.status());
      });
  AddContainer("db");
  release->set_value();
  ASSERT_TRUE(AllAnswered(3));
  EXPECT_OK(answers_["web"]);
  EXPECT_OK(answers_["db"]);
  EXPECT_EQ(answers_["web again"].code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Containers(), 2);
  EXPECT_EQ(executor_->state().stats.commits, 2);
}

TEST_F(WriteExecutorTest, AFailedCommitAnswersItsWholeGroupWritesNoneAndTheNextSucceeds) {
  std::shared_ptr<std::promise<void>> release = BlockWriter();
  for (const char* name : {"a", "b", "c"}) AddContainer(name);
  // The blocking write's group commits; the next one, a, b and c together, hits the fault.
  faults_.Fail(1, InsufficientStorageError("disk full"), /*after=*/1);
  release->set_value();
  ASSERT_TRUE(AllAnswered(3));
  for (const auto& [name, status] : answers_) {
    EXPECT_EQ(status.code(), StatusCode::kInsufficientStorage) << name;
  }
  EXPECT_EQ(Containers(), 0);
  EXPECT_EQ(executor_->state().last_commit.code(), StatusCode::kInsufficientStorage);

  answers_.clear();
  AddContainer("a");
  ASSERT_TRUE(AllAnswered(1));
  EXPECT_OK(answers_["a"]);
  EXPECT_EQ(Containers(), 1);
  EXPECT_OK(executor_->state().last_commit);
  EXPECT_EQ(executor_->state().stats.failed_commits, 1);
  EXPECT_EQ(faults_.failed(), 1);
}

TEST_F(WriteExecutorTest, AWriteRefusedForWantOfStorageMakesTheWriterUnhealthyUntilOneSucceeds) {
  // Given a write refused by a full disk in a group whose commit goes through, that write is
  // answered with its error, the others are written, and the writer's state reports the full
  // disk; the next write that succeeds clears it.
  std::shared_ptr<std::promise<void>> release = BlockWriter();
  AddContainer("a");
  repository_faults_.Fail("catalog.AddContainer", InsufficientStorageError("disk full"), 1,
                          /*after=*/1);
  AddContainer("b");
  release->set_value();
  ASSERT_TRUE(AllAnswered(2));
  EXPECT_OK(answers_["a"]);
  EXPECT_EQ(answers_["b"].code(), StatusCode::kInsufficientStorage);
  EXPECT_EQ(Containers(), 1);
  EXPECT_EQ(executor_->state().last_commit.code(), StatusCode::kInsufficientStorage);
  EXPECT_EQ(executor_->state().stats.failed_commits, 0);

  AddContainer("c");
  ASSERT_TRUE(AllAnswered(3));
  EXPECT_OK(answers_["c"]);
  EXPECT_OK(executor_->state().last_commit);
}

TEST_F(WriteExecutorTest, AWriteRefusedForAnotherReasonLeavesTheWriterHealthy) {
  // Given a write refused as a duplicate, its group commits and the writer stays healthy.
  AddContainer("a");
  ASSERT_TRUE(AllAnswered(1));
  executor_->Submit<ContainerRecord>(
      [](Repositories& store) { return store.catalog().AddContainer("a"); },
      [this](StatusOr<ContainerRecord> created) { answers_.emplace("a again", created.status()); });
  ASSERT_TRUE(AllAnswered(2));
  EXPECT_EQ(answers_["a again"].code(), StatusCode::kAlreadyExists);
  EXPECT_OK(executor_->state().last_commit);
}

TEST_F(WriteExecutorTest, AGroupThatChangedAgentsIsCountedAgainBeforeItIsAnswered) {
  // Given a write that counts an agent change while it runs, the count moves again once its
  // group is committed and before its answer; a group without one leaves the count alone.
  uint64_t in_write = 0;
  std::optional<uint64_t> at_answer;
  executor_->Submit(
      [&in_write](Repositories&) {
        AgentChanges::Note();
        in_write = AgentChanges::Current();
        return Status::Ok();
      },
      [&at_answer](Status s) {
        EXPECT_OK(s);
        at_answer = AgentChanges::Current();
      });
  ASSERT_TRUE(loop_.RunUntil([&] { return at_answer.has_value(); }));
  EXPECT_GT(*at_answer, in_write);
  const uint64_t before = AgentChanges::Current();
  AddContainer("plain");
  ASSERT_TRUE(AllAnswered(1));
  EXPECT_EQ(AgentChanges::Current(), before);
}

TEST_F(WriteExecutorTest, StopWritesWhatIsQueuedAndLaterWritesAreRefused) {
  std::shared_ptr<std::promise<void>> release = BlockWriter();
  for (const char* name : {"a", "b"}) AddContainer(name);
  release->set_value();
  executor_->Stop();
  EXPECT_EQ(Containers(), 2);
  AddContainer("late");
  ASSERT_TRUE(AllAnswered(3));
  EXPECT_OK(answers_["a"]);
  EXPECT_EQ(answers_["late"].code(), StatusCode::kUnavailable);
  EXPECT_EQ(Containers(), 2);
}

TEST_F(WriteExecutorTest, AnInlineWriterAnswersBeforeSubmitReturnsAndUndoesAFailedWrite) {
  // Given an inline writer, each write is answered at once; one whose second statement fails
  // leaves nothing of its first.
  InlineWriter inline_writer(*store_);
  std::optional<Status> answer;
  inline_writer.Submit(
      [](Repositories& store) -> Status {
        ORCH_RETURN_IF_ERROR(store.catalog().AddContainer("first").status());
        return store.catalog().AddContainer("first").status();  // already exists
      },
      [&](Status written) { answer = written; });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Containers(), 0);

  answer.reset();
  inline_writer.Submit(
      [](Repositories& store) { return store.catalog().AddContainer("web").status(); },
      [&](Status written) { answer = written; });
  ASSERT_TRUE(answer.has_value());
  EXPECT_OK(*answer);
  EXPECT_EQ(Containers(), 1);
}

TEST_F(WriteExecutorTest, AHeldInlineWriterRunsItsWritesInOrderOnlyWhenReleased) {
  // Given an inline writer that holds its writes, nothing is written or answered until
  // Release(), which runs them oldest first, as many as asked.
  InlineWriter inline_writer(*store_);
  inline_writer.Hold();
  std::vector<std::string> answered;
  for (const char* name : {"first", "second", "third"}) {
    inline_writer.Submit(
        [name](Repositories& store) { return store.catalog().AddContainer(name).status(); },
        [&answered, name](Status written) {
          EXPECT_OK(written);
          answered.push_back(name);
        });
  }
  EXPECT_EQ(inline_writer.held(), 3u);
  EXPECT_EQ(Containers(), 0);
  EXPECT_TRUE(answered.empty());

  EXPECT_EQ(inline_writer.Release(2), 2u);
  EXPECT_THAT(answered, ::testing::ElementsAre("first", "second"));
  EXPECT_EQ(Containers(), 2);
  EXPECT_EQ(inline_writer.Release(), 1u);
  EXPECT_EQ(inline_writer.Release(), 0u);
  EXPECT_THAT(answered, ::testing::ElementsAre("first", "second", "third"));
  EXPECT_EQ(Containers(), 3);
}

}  // namespace
}  // namespace orch::store
