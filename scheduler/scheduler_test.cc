// Firing, leases, retries, clock jumps, catch-up, restarts and retention; the dispatch to
// agents is in scheduler_dispatch_test.cc.
#include "scheduler/scheduler.h"

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include "common/logging.h"
#include "scheduler/scheduler_test_support.h"

namespace orch::scheduler {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using store::RunRecord;
using store::RunResult;
using store::RunStatus;
using testing::At;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SchedulerTest;

TEST_F(SchedulerTest, ImmediateAndExactlyOnceFireOnceAndFinish) {
  // Given an Immediate job and an ExactlyOnce job two hours out, each runs once, at its time,
  // and is Finished after its run completed.
  const std::string now_job = AddJob(R"({"Immediate": true})");
  const std::string later = AddJob(R"({"ExactlyOnce": {"Time": "2027-01-01T02:00:00Z"}})");
  Advance(seconds(1));
  EXPECT_EQ(Work(agent_a_).size(), 1u);
  Advance(hours(3), minutes(1));
  EXPECT_EQ(Work(agent_a_).size(), 1u);
  Advance(days(2), hours(1));
  EXPECT_TRUE(Work(agent_a_).empty());
  EXPECT_THAT(RunTimes(now_job), ElementsAre(At("2027-01-01T00:00:00Z")));
  EXPECT_THAT(RunTimes(later), ElementsAre(At("2027-01-01T02:00:00Z")));
  EXPECT_EQ(store::SqliteJobStore(*store_).GetJob(now_job)->state, store::kJobFinished);
  EXPECT_EQ(store::SqliteJobStore(*store_).GetJob(later)->state, store::kJobFinished);
}

TEST_F(SchedulerTest, CalendarSchedulesFireAtTheirInstantsOverMonths) {
  // Given Daily, Weekly and Monthly jobs worked by an agent for three months, every run is at
  // the schedule's own instants (Monthly day 31 on each month's last day).
  settings_.retain_success = days(365);
  Restart();
  const std::string daily = AddJob(R"({"Daily": {"Time": "2027-01-01T23:00:00Z"}})");
  const std::string weekly =
      AddJob(R"({"Weekly": {"Days": [1, 5], "Time": "2027-01-01T13:30:00Z"}})");
  const std::string monthly = AddJob(R"({"Monthly": {"Day": 31, "Time": "2027-01-01T03:00:00Z"}})");
  for (int step = 0; step < 90 * 24 * 2; ++step) {
    Advance(minutes(30), minutes(30));
    Work(agent_a_);
  }
  const std::vector<WallTime> daily_runs = RunTimes(daily);
  ASSERT_EQ(daily_runs.size(), 90u);
  for (size_t i = 0; i < daily_runs.size(); ++i) {
    EXPECT_EQ(daily_runs[i], At("2027-01-01T23:00:00Z") + days(i));
  }
  // Mondays and Fridays from 2027-01-01 (a Friday) to 2027-04-01.
  const std::vector<WallTime> weekly_runs = RunTimes(weekly);
  ASSERT_EQ(weekly_runs.size(), 26u);
  EXPECT_EQ(weekly_runs[0], At("2027-01-01T13:30:00Z"));
  EXPECT_EQ(weekly_runs[1], At("2027-01-04T13:30:00Z"));
  EXPECT_EQ(weekly_runs[2], At("2027-01-08T13:30:00Z"));
  EXPECT_THAT(RunTimes(monthly), ElementsAre(At("2027-01-31T03:00:00Z"), At("2027-02-28T03:00:00Z"),
                                             At("2027-03-31T03:00:00Z")));
}

TEST_F(SchedulerTest, IntervalFiresAnchoredWithoutDrift) {
  // Given a 7-minute Interval worked late by up to a minute each time, the runs stay at
  // accept + k·7 minutes.
  const std::string job = AddJob(R"({"Interval": {"Minutes": 7}})");
  for (int step = 0; step < 7 * 100; ++step) {
    Advance(minutes(1), minutes(1));
    Work(agent_a_);
  }
  const std::vector<WallTime> runs = RunTimes(job);
  ASSERT_EQ(runs.size(), 100u);
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i], At("2027-01-01T00:00:00Z") + minutes(7) * (i + 1));
  }
}

TEST_F(SchedulerTest, RecurringJobNeverHasTwoRunsInFlight) {
  // Given a 10-minute Interval whose first run the agent holds, the next two fires are skipped
  // and counted, and only then does a new run start after completion.
  settings_.lease = hours(1);
  Restart();
  const std::string job = AddJob(R"({"Interval": {"Minutes": 10}})");
  Advance(minutes(10));
  StatusOr<std::vector<RunRecord>> held = TakeNow(agent_a_);
  ASSERT_OK(held);
  ASSERT_EQ(held->size(), 1u);
  ASSERT_OK(ConfigureNow(agent_a_.agent_id, job));
  Advance(minutes(20), minutes(1));
  EXPECT_EQ(History(job).size(), 1u);
  EXPECT_EQ(scheduler_->stats().skipped_overlap, 2);
  EXPECT_EQ(store::SqliteJobStore(*store_).GetJob(job)->skipped_overlap, 2);
  ASSERT_OK(CompleteNow(agent_a_.agent_id, job, held->front().run_id, RunResult::kSuccess, "ok"));
  Advance(minutes(10), minutes(1));
  EXPECT_THAT(RunTimes(job), ElementsAre(At("2027-01-01T00:10:00Z"), At("2027-01-01T00:40:00Z")));
}

TEST_F(SchedulerTest, ExpiredLeaseGoesToAnotherAgentOfThePool) {
  // Given a run leased to agent A, which vanishes, the lease expires as a Failure and the retry
  // goes to agent B after the backoff.
  settings_.lease = minutes(5);
  Restart();
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_EQ(TakeNow(agent_a_)->size(), 1u);
  Advance(minutes(5));
  EXPECT_EQ(scheduler_->stats().leases_expired, 1);
  EXPECT_TRUE(TakeNow(agent_b_)->empty()) << "the backoff has not passed";
  Advance(minutes(1));
  EXPECT_EQ(Work(agent_b_).size(), 1u);
  const std::vector<RunRecord> runs = History(job);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, RunStatus::kCompletedWillRetry);
  EXPECT_EQ(runs[0].result, RunResult::kFailure);
  EXPECT_EQ(runs[0].message, "lease expired");
  EXPECT_EQ(runs[0].agent_id, agent_a_.agent_id);
  EXPECT_EQ(runs[1].attempt, 2);
  EXPECT_EQ(runs[1].agent_id, agent_b_.agent_id);
  EXPECT_EQ(runs[1].result, RunResult::kSuccess);
}

TEST_F(SchedulerTest, FailureIsRetriedWithDoublingBackoffThenStops) {
  // Given max_attempts 4 and a 1-minute backoff, failures retry after 1, 2 and 4 minutes and
  // the fourth failure is final.
  settings_.max_attempts = 4;
  Restart();
  const std::string job = AddJob(R"({"Immediate": true})");
  for (int step = 0; step < 60 * 10; ++step) {
    Advance(seconds(1));
    Work(agent_a_, RunResult::kFailure);
  }
  const std::vector<RunRecord> runs = History(job);
  ASSERT_EQ(runs.size(), 4u);
  const WallTime start = At("2027-01-01T00:00:00Z");
  EXPECT_EQ(runs[1].scheduled_for - runs[0].operation_end.value(), minutes(1));
  EXPECT_EQ(runs[2].scheduled_for - runs[1].operation_end.value(), minutes(2));
  EXPECT_EQ(runs[3].scheduled_for - runs[2].operation_end.value(), minutes(4));
  EXPECT_EQ(runs[0].scheduled_for, start);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(runs[i].status, RunStatus::kCompletedWillRetry);
  EXPECT_EQ(runs[3].status, RunStatus::kCompleted);
  EXPECT_EQ(runs[3].attempt, 4);
  EXPECT_EQ(store::SqliteJobStore(*store_).GetJob(job)->state, store::kJobFinished);
}

TEST_F(SchedulerTest, WallClockJumpsForwardAndBackward) {
  // Given a Daily 12:00 job, a jump forward over two noons runs the latest once (counting the
  // other), and a jump back after a fire does not fire the same noon again.
  const std::string job = AddJob(R"({"Daily": {"Time": "2027-01-01T12:00:00Z"}})");
  Advance(seconds(1));
  clock_.SetWall(At("2027-01-02T12:30:00Z"));
  Advance(seconds(1));
  EXPECT_EQ(Work(agent_a_).size(), 1u);
  EXPECT_THAT(RunTimes(job), ElementsAre(At("2027-01-02T12:00:00Z")));
  EXPECT_EQ(scheduler_->stats().missed_catchup, 1);
  clock_.SetWall(At("2027-01-02T09:00:00Z"));
  Advance(hours(12), minutes(1));
  Work(agent_a_);
  // Wall time is now 21:00 on the 2nd: nothing more fired.
  EXPECT_EQ(RunTimes(job).size(), 1u);
  Advance(hours(16), minutes(1));
  Work(agent_a_);
  EXPECT_THAT(RunTimes(job), ElementsAre(At("2027-01-02T12:00:00Z"), At("2027-01-03T12:00:00Z")));
}

TEST_F(SchedulerTest, CatchUpAfterDowntimeInsideAndOutsideTheWindow) {
  // Given orchd down for 5.5 hours: an hourly job runs once for its latest fire (four counted
  // missed), a Daily fire two hours late is skipped and counted, and an ExactlyOnce runs.
  const std::string hourly = AddJob(R"({"Interval": {"Minutes": 60}})");
  const std::string noon = AddJob(R"({"Daily": {"Time": "2027-01-01T03:30:00Z"}})");
  const std::string once = AddJob(R"({"ExactlyOnce": {"Time": "2027-01-01T01:00:00Z"}})");
  scheduler_.reset();
  clock_.Advance(hours(5) + minutes(30));
  Restart();
  Work(agent_a_);
  EXPECT_THAT(RunTimes(hourly), ElementsAre(At("2027-01-01T05:00:00Z")));
  EXPECT_TRUE(RunTimes(noon).empty());
  EXPECT_THAT(RunTimes(once), ElementsAre(At("2027-01-01T01:00:00Z")));
  EXPECT_EQ(scheduler_->stats().missed_catchup, 5);
  EXPECT_EQ(store::SqliteJobStore(*store_).GetJob(hourly)->missed_catchup, 4);
  EXPECT_EQ(store::SqliteJobStore(*store_).GetJob(noon)->missed_catchup, 1);
  EXPECT_EQ(store::SqliteJobStore(*store_).GetJob(noon)->next_fire, At("2027-01-02T03:30:00Z"));
}

TEST_F(SchedulerTest, ASupersededMissedFireIsNotCalledOneBeyondTheWindow) {
  // Given an hourly job and orchd down for 2.5 hours, the 02:00 fire runs; the 01:00 fire,
  // inside the one-hour window too but superseded, is logged as superseded or too old, not as
  // "beyond the catch-up window".
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  std::shared_ptr<spdlog::logger> log = GetLogger("scheduler");
  log->sinks().push_back(sink);
  const std::string hourly = AddJob(R"({"Interval": {"Minutes": 60}})");
  scheduler_.reset();
  clock_.Advance(hours(2) + minutes(30));
  Restart();
  log->sinks().pop_back();
  EXPECT_EQ(RunTimes(hourly).size(), 1u);
  std::string logged;
  for (const std::string& line : sink->last_formatted()) logged += line;
  EXPECT_THAT(logged, HasSubstr("1 fire(s) skipped: 0 overlapping a run in flight, 1 missed"));
  EXPECT_THAT(logged, HasSubstr("superseded by a later missed fire"));
  EXPECT_THAT(logged, Not(HasSubstr("beyond the catch-up window")));
}

TEST_F(SchedulerTest, RestartKeepsLeasesAndOpenRuns) {
  // Given a run leased for 10 minutes, a restart 4 minutes in keeps the lease, which expires
  // 6 minutes later, not 10.
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_EQ(TakeNow(agent_a_)->size(), 1u);
  Advance(minutes(4));
  Restart();
  EXPECT_EQ(scheduler_->stats().open_runs, 1);
  Advance(minutes(6) - seconds(2));
  EXPECT_EQ(scheduler_->stats().leases_expired, 0);
  Advance(seconds(2));
  EXPECT_EQ(scheduler_->stats().leases_expired, 1);
  EXPECT_EQ(History(job).front().message, "lease expired");
}

TEST_F(SchedulerTest, ARunHandedBeforeARestartAndNotStartedIsHandedAgainToItsAgent) {
  // Given a run handed to agent A 4 minutes before a restart and never started, A's next call
  // after the restart is handed the same run again with its lease restarted: no other agent
  // gets it, its old lease end passes without a failure, and it is handed again only once.
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> first, TakeNow(agent_a_));
  ASSERT_EQ(first.size(), 1u);
  Advance(minutes(4));
  Restart();
  EXPECT_TRUE(TakeNow(agent_b_)->empty());
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> again, TakeNow(agent_a_));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].run_id, first[0].run_id);
  EXPECT_EQ(again[0].job_id, job);
  ASSERT_TRUE(again[0].lease_expires.has_value());
  EXPECT_EQ(*again[0].lease_expires, clock_.WallNow() + settings_.lease);
  EXPECT_EQ(scheduler_->stats().redelivered, 1);
  Advance(minutes(8));  // past the first lease's end, within the restarted one
  EXPECT_EQ(scheduler_->stats().leases_expired, 0);
  EXPECT_EQ(History(job).front().status, RunStatus::kWaiting);
  EXPECT_TRUE(TakeNow(agent_a_)->empty());
  EXPECT_EQ(scheduler_->stats().redelivered, 1);
  // The agent can go on with it as with any delivery.
  ASSERT_OK(ConfigureNow(agent_a_.agent_id, job));
  ASSERT_OK(CompleteNow(agent_a_.agent_id, job, first[0].run_id, RunResult::kSuccess, "done"));
  EXPECT_EQ(History(job).front().result, RunResult::kSuccess);
}

TEST_F(SchedulerTest, APollAfterARestartGetsTheRunsItsAgentHadNotStarted) {
  // Given a run handed to agent A before a restart, A's first poll afterwards answers with it.
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_EQ(TakeNow(agent_a_)->size(), 1u);
  Restart();
  std::optional<std::vector<RunRecord>> polled;
  scheduler_->Poll(agent_a_, seconds(30), [&](std::vector<RunRecord> runs) { polled = runs; });
  DrainWrites();
  ASSERT_TRUE(polled.has_value());
  ASSERT_EQ(polled->size(), 1u);
  EXPECT_EQ((*polled)[0].job_id, job);
  EXPECT_EQ(scheduler_->stats().redelivered, 1);
}

TEST_F(SchedulerTest, AnUnscheduledJobStopsCountingAtOnceAndNeverFires) {
  // Given two recurring jobs, unscheduling one takes it out of ScheduledJobs at once; when its
  // old fire time comes only the other fires, and the count stays right afterwards.
  const std::string kept = AddJob(R"({"Interval": {"Minutes": 60}})");
  const std::string dropped = AddJob(R"({"Interval": {"Minutes": 60}})");
  EXPECT_EQ(scheduler_->stats().scheduled_jobs, 2);
  ASSERT_OK_AND_ASSIGN(store::UnscheduledJobs unscheduled,
                       store::SqliteJobStore(*store_).Unschedule({dropped}));
  ASSERT_OK(UnscheduledNow({dropped}, unscheduled.dequeued));
  EXPECT_EQ(scheduler_->stats().scheduled_jobs, 1);
  Advance(minutes(61));
  EXPECT_EQ(History(kept).size(), 1u);
  EXPECT_TRUE(History(dropped).empty());
  EXPECT_EQ(scheduler_->stats().scheduled_jobs, 1);
  AddJob(R"({"Interval": {"Minutes": 60}})");
  EXPECT_EQ(scheduler_->stats().scheduled_jobs, 2);
}

TEST_F(SchedulerTest, RetentionPrunesOldFinishedRuns) {
  // Given successes older than retain_success and a failure younger than retain_failure, only
  // the old successes are pruned.
  settings_.retain_success = days(1);
  settings_.retain_failure = days(3);
  settings_.max_attempts = 1;
  Restart();
  const std::string ok_job = AddJob(R"({"Immediate": true})");
  const std::string bad_job = AddJob(R"({"ExactlyOnce": {"Time": "2027-01-01T00:00:05Z"}})");
  Advance(seconds(1));
  Work(agent_a_);
  Advance(seconds(5));
  Work(agent_a_, RunResult::kFailure);
  Advance(days(2), minutes(10));
  EXPECT_TRUE(History(ok_job).empty());
  EXPECT_EQ(History(bad_job).size(), 1u);
  Advance(days(2), minutes(10));
  EXPECT_TRUE(History(bad_job).empty());
}

}  // namespace
}  // namespace orch::scheduler
