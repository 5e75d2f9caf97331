// The scheduler writing through a WriteExecutor whose commits fail on demand: after every
// failed fire, configuration, completion and lease close, its memory (open runs, fire queue)
// is what the store holds, and the next attempt goes through.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "scheduler/scheduler_test_support.h"
#include "store/write_executor.h"
#include "tests/testing/test_loop.h"
#include "tests/testing/test_writer.h"

namespace orch::scheduler {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using store::RunRecord;
using store::RunResult;
using store::RunStatus;
using testing::SchedulerTest;

class SchedulerFaultTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    ASSERT_OK_AND_ASSIGN(
        executor_, orch::testing::OpenTestWriter(dir_ + "/orchd.db", clock_, loop_, &faults_));
    external_writer_ = executor_.get();
    settings_.lease = minutes(1);
    settings_.retry_backoff = minutes(1);
    Restart();
  }
  void TearDown() override {
    scheduler_.reset();
    executor_.reset();
    SchedulerTest::TearDown();
  }

  // Runs the writer's answers on this thread until everything submitted so far is answered
  // (the writer answers in order: a write submitted now is answered last).
  void Drain() {
    bool answered = false;
    executor_->Submit([](store::Repositories&) { return Status::Ok(); },
                      [&answered](Status) { answered = true; });
    ASSERT_TRUE(loop_.RunUntil([&answered] { return answered; }));
  }

  void DrainWrites() override { Drain(); }

  // The next commit fails, as a full disk would make it.
  void FailNextCommit() { faults_.Fail(1, UnavailableError("disk full")); }

  // Memory against the store: the same open runs and the same fire queue.
  void ExpectMemoryIsTheStore() {
    store::SqliteRunStore runs(*store_);
    ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> open, runs.LoadOpenRuns());
    std::vector<int64_t> ids;
    for (const RunRecord& run : open) ids.push_back(run.run_id);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(scheduler_->OpenRunIds(), ids);
    ASSERT_OK_AND_ASSIGN(std::vector<store::FireEntry> queue, runs.LoadFireQueue());
    auto key = [](const store::FireEntry& e) { return std::pair(e.fire_ms, e.job_seq); };
    std::sort(queue.begin(), queue.end(),
              [&key](const auto& a, const auto& b) { return key(a) < key(b); });
    std::vector<std::pair<int64_t, int64_t>> stored;
    std::vector<std::pair<int64_t, int64_t>> held;
    for (const store::FireEntry& e : queue) stored.push_back(key(e));
    for (const store::FireEntry& e : scheduler_->QueuedFires()) held.push_back(key(e));
    EXPECT_EQ(held, stored);
  }

  std::optional<StatusOr<Configured>> Configure(const std::string& job_id) {
    std::optional<StatusOr<Configured>> answer;
    scheduler_->Configure(agent_a_.agent_id, job_id,
                          [&answer](StatusOr<Configured> configured) { answer = configured; });
    Drain();
    return answer;
  }

  std::optional<Status> Complete(const std::string& job_id, int64_t run_id) {
    std::optional<Status> answer;
    scheduler_->Complete(agent_a_.agent_id, job_id, run_id, RunResult::kSuccess, "ok",
                         [&answer](Status s) { answer = s; });
    Drain();
    return answer;
  }

  orch::testing::TestLoop loop_;
  store::CommitFaults faults_;
  std::unique_ptr<store::WriteExecutor> executor_;
};

TEST_F(SchedulerFaultTest, AFailedFireChangesNothingAndIsTriedAgain) {
  // Given a due Interval job whose fire commit fails, neither memory nor the store has a run
  // and both still queue the fire; a second later it fires, and both hold the run and the
  // job's next fire.
  const std::string job = AddJob(R"({"Interval": {"Minutes": 10}})");
  Drain();
  FailNextCommit();
  Advance(minutes(10));
  Drain();
  EXPECT_EQ(faults_.failed(), 1);
  EXPECT_EQ(scheduler_->stats().fired, 0);
  EXPECT_TRUE(History(job).empty());
  ExpectMemoryIsTheStore();
  EXPECT_EQ(scheduler_->QueuedFires().size(), 1u);

  Advance(seconds(2));
  Drain();
  EXPECT_EQ(scheduler_->stats().fired, 1);
  EXPECT_EQ(History(job).size(), 1u);
  ExpectMemoryIsTheStore();
  EXPECT_EQ(scheduler_->OpenRunIds().size(), 1u);
}

TEST_F(SchedulerFaultTest, AFailedConfigurationOrCompletionLeavesTheRunAsItWas) {
  // Given a delivered run, a configuration whose commit fails answers the error and leaves it
  // Waiting (a completion is refused as not started); the next configuration starts it. A
  // completion whose commit fails leaves it open and InProcess, a duplicate sent meanwhile is
  // refused, and the next completion closes it.
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  Drain();
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> taken, TakeNow(agent_a_));
  ASSERT_EQ(taken.size(), 1u);
  const int64_t run_id = taken.front().run_id;

  FailNextCommit();
  std::optional<StatusOr<Configured>> configured = Configure(job);
  ASSERT_TRUE(configured);
  EXPECT_EQ(configured->status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(History(job).front().status, RunStatus::kWaiting);
  ExpectMemoryIsTheStore();
  std::optional<Status> early = Complete(job, run_id);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->code(), StatusCode::kFailedPrecondition);

  configured = Configure(job);
  ASSERT_TRUE(configured);
  ASSERT_OK(*configured);
  EXPECT_EQ(History(job).front().status, RunStatus::kInProcess);

  FailNextCommit();
  std::optional<Status> first;
  std::optional<Status> duplicate;
  scheduler_->Complete(agent_a_.agent_id, job, run_id, RunResult::kSuccess, "ok",
                       [&first](Status s) { first = s; });
  scheduler_->Complete(agent_a_.agent_id, job, run_id, RunResult::kSuccess, "ok",
                       [&duplicate](Status s) { duplicate = s; });
  ASSERT_TRUE(duplicate);
  EXPECT_EQ(duplicate->code(), StatusCode::kFailedPrecondition);
  Drain();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->code(), StatusCode::kUnavailable);
  EXPECT_EQ(History(job).front().status, RunStatus::kInProcess);
  EXPECT_EQ(scheduler_->stats().completed, 0);
  ExpectMemoryIsTheStore();
  EXPECT_EQ(scheduler_->OpenRunIds(), std::vector<int64_t>{run_id});

  std::optional<Status> completed = Complete(job, run_id);
  ASSERT_TRUE(completed);
  ASSERT_OK(*completed);
  EXPECT_EQ(History(job).front().status, RunStatus::kCompleted);
  EXPECT_EQ(scheduler_->stats().completed, 1);
  ExpectMemoryIsTheStore();
  EXPECT_TRUE(scheduler_->OpenRunIds().empty());
}

TEST_F(SchedulerFaultTest, AFailedLeaseCloseKeepsTheRunAndIsTriedAgain) {
  // Given a delivered run whose agent vanishes, the close of its expired lease fails: the run
  // stays open in memory and in the store; a second later the close is written with its retry.
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  Drain();
  ASSERT_EQ(TakeNow(agent_a_)->size(), 1u);
  FailNextCommit();
  Advance(minutes(1));
  Drain();
  EXPECT_EQ(faults_.failed(), 1);
  EXPECT_EQ(scheduler_->stats().leases_expired, 0);
  ASSERT_EQ(History(job).size(), 1u);
  EXPECT_EQ(History(job).front().status, RunStatus::kWaiting);
  ExpectMemoryIsTheStore();

  Advance(seconds(2));
  Drain();
  EXPECT_EQ(scheduler_->stats().leases_expired, 1);
  EXPECT_EQ(scheduler_->stats().retried, 1);
  EXPECT_EQ(History(job).size(), 2u);
  ExpectMemoryIsTheStore();
  EXPECT_EQ(scheduler_->OpenRunIds().size(), 1u);
}

TEST_F(SchedulerFaultTest, AnUnscheduleWhileItsJobFiresLeavesNothingQueuedOrOpen) {
  // Given a fire batch still in the writer when its job is unscheduled, the fire lands first
  // and the cancellation after it: no run is left open and nothing stays queued.
  const std::string job = AddJob(R"({"Interval": {"Minutes": 10}})");
  Drain();
  faults_.SetDelay(std::chrono::milliseconds(200));
  Advance(minutes(10));  // the batch is submitted; its commit is slow
  ASSERT_OK_AND_ASSIGN(store::UnscheduledJobs unscheduled,
                       store::SqliteJobStore(*store_).Unschedule({job}));
  std::optional<Status> cancelled;
  scheduler_->JobsUnscheduled({job}, unscheduled.dequeued,
                              [&cancelled](Status s) { cancelled = s; });
  faults_.SetDelay(std::chrono::milliseconds(0));
  Drain();
  ASSERT_TRUE(cancelled);
  ASSERT_OK(*cancelled);
  ExpectMemoryIsTheStore();
  EXPECT_TRUE(scheduler_->OpenRunIds().empty());
  EXPECT_TRUE(scheduler_->QueuedFires().empty());
  EXPECT_EQ(scheduler_->stats().scheduled_jobs, 0);
}

TEST_F(SchedulerFaultTest, AFailedLeaseWriteHandsTheRunBack) {
  // Given a waiting run, a poll whose lease write fails is answered empty and the run waits
  // again, in memory as in the store; another agent's poll then gets it.
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  Drain();
  FailNextCommit();
  std::optional<std::vector<RunRecord>> first;
  scheduler_->Poll(agent_a_, seconds(30), [&first](std::vector<RunRecord> runs) { first = runs; });
  Drain();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->empty());
  EXPECT_TRUE(History(job).front().agent_id.empty());
  ExpectMemoryIsTheStore();

  std::optional<std::vector<RunRecord>> second;
  scheduler_->Poll(agent_b_, seconds(0), [&second](std::vector<RunRecord> runs) { second = runs; });
  Drain();
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(History(job).front().agent_id, agent_b_.agent_id);
  ExpectMemoryIsTheStore();
}

TEST_F(SchedulerFaultTest, AFailedRedeliveryIsAnsweredOnceAndTriedAgainAtTheNextPoll) {
  // Given a run handed to agent A before a restart, A's first poll afterwards meets a failed
  // commit of the restarted lease: the poll is answered (empty) rather than tried again in a
  // loop, memory keeps the run as the store does, and A's next poll gets it.
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  Drain();
  ASSERT_EQ(TakeNow(agent_a_)->size(), 1u);
  Restart();
  Drain();
  FailNextCommit();
  std::optional<std::vector<RunRecord>> first;
  scheduler_->Poll(agent_a_, seconds(0), [&first](std::vector<RunRecord> runs) { first = runs; });
  Drain();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->empty());
  EXPECT_EQ(scheduler_->stats().redelivered, 0);
  ExpectMemoryIsTheStore();

  std::optional<std::vector<RunRecord>> second;
  scheduler_->Poll(agent_a_, seconds(0), [&second](std::vector<RunRecord> runs) { second = runs; });
  Drain();
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].job_id, job);
  EXPECT_EQ(scheduler_->stats().redelivered, 1);
  ExpectMemoryIsTheStore();
}

TEST_F(SchedulerFaultTest, RunsLeasedToAPollThatEndedGoToTheAgentsNextPoll) {
  // Given a parked poll whose dispatch is still being written when the agent polls again, the
  // new poll finds nothing (the run is reserved), and the run, once leased, goes to the
  // agent's next poll.
  std::optional<std::vector<RunRecord>> parked;
  scheduler_->Poll(agent_a_, seconds(30),
                   [&parked](std::vector<RunRecord> runs) { parked = runs; });
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  // The fire lands and submits its dispatch, whose answer is not run before the next RunUntil.
  ASSERT_TRUE(loop_.RunUntil([this] { return scheduler_->stats().fired == 1; }));
  std::optional<std::vector<RunRecord>> again;
  scheduler_->Poll(agent_a_, seconds(0), [&again](std::vector<RunRecord> runs) { again = runs; });
  ASSERT_TRUE(parked);
  EXPECT_TRUE(parked->empty());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  Drain();
  EXPECT_EQ(History(job).front().agent_id, agent_a_.agent_id);
  ExpectMemoryIsTheStore();

  std::optional<std::vector<RunRecord>> next;
  scheduler_->Poll(agent_a_, seconds(30), [&next](std::vector<RunRecord> runs) { next = runs; });
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ(next->front().job_id, job);
}

}  // namespace
}  // namespace orch::scheduler
