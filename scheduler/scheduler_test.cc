#include "scheduler/scheduler.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>

#include "common/guid.h"
#include "common/logging.h"
#include "jobs/iso_time.h"
#include "jobs/schedule.h"
#include "jobs/store_types.h"
#include "store/agent_store.h"
#include "store/catalog_store.h"
#include "store/job_store.h"
#include "store/pool_store.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::scheduler {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using store::RunRecord;
using store::RunResult;
using store::RunStatus;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ElementsAreArray;

constexpr char kPoolStore[] = "aaaaaaaa-0000-4000-8000-00000000000a";

WallTime At(const char* iso) {
  return jobs::ParseIsoTime(iso).value();
}

class SchedulerTest : public store::testing::StoreFileTest {
 protected:
  void SetUp() override {
    StoreFileTest::SetUp();
    clock_.SetWall(At("2027-01-01T00:00:00Z"));
    store::CatalogStore catalog(*store_);
    store::NewCertificate cert;
    cert.thumbprint = "ABCDEF";
    cert.der = "der";
    ASSERT_OK_AND_ASSIGN(store::ImportOutcome imported,
                         catalog.AddCertificate(cert, clock_.WallNow()));
    certificate_id_ = imported.certificate.id;
    store::CertStoreRecord record;
    record.id = kPoolStore;
    record.client_machine = "web01";
    record.store_path = "/etc/ssl/web.pem";
    record.store_type = jobs::kPemStoreType;
    record.agent_pool_id = std::string(store::kDefaultPoolId);
    ASSERT_OK(catalog.AddCertStore(record));
    agent_a_ = MakeAgent("agent-a");
    agent_b_ = MakeAgent("agent-b");
    Restart();
  }

  void TearDown() override {
    scheduler_.reset();
    StoreFileTest::TearDown();
  }

  // A new scheduler on the same database, as after a restart of orchd.
  void Restart() {
    scheduler_.reset();
    timer_ = std::make_unique<FakeTimer>();
    scheduler_ = std::make_unique<Scheduler>(clock_, *store_, *timer_, settings_);
    ASSERT_OK(scheduler_->Start());
  }

  AgentIdentity MakeAgent(const std::string& machine) {
    store::Agent agent;
    agent.agent_id = NewGuid();
    agent.client_machine = machine;
    agent.status = store::AgentStatus::kApproved;
    agent.capabilities = {"CertStores.PEM.Management"};
    agent.created_at = clock_.WallNow();
    EXPECT_OK(store::AgentStore(*store_).CreateAgent(agent));
    return AgentIdentity{agent.agent_id, machine, {jobs::kPemStoreType}};
  }

  // Adds a job with `schedule_json` accepted now; answers its id.
  std::string AddJob(const std::string& schedule_json) {
    jobs::Schedule schedule = jobs::ParseScheduleJson(nlohmann::json::parse(schedule_json)).value();
    store::NewJob job;
    job.job_id = NewGuid();
    job.store_id = kPoolStore;
    job.certificate_id = certificate_id_;
    job.alias = "web";
    job.schedule_json = jobs::ScheduleToJson(schedule).dump();
    job.schedule_type = jobs::CompactSchedule(schedule);
    job.next_fire = jobs::FirstFire(schedule, clock_.WallNow());
    job.requested = clock_.WallNow();
    job.requester_name = "test";
    StatusOr<std::vector<int64_t>> seqs = store::JobStore(*store_).AddJobs({job});
    EXPECT_OK(seqs);
    scheduler_->JobsAccepted({{jobs::ToUnixMillis(*job.next_fire), seqs->front()}});
    return job.job_id;
  }

  // Moves time on by `d` in steps of at most `step`, running the timer after each step.
  void Advance(std::chrono::nanoseconds d, std::chrono::nanoseconds step = seconds(1)) {
    while (d > std::chrono::nanoseconds(0)) {
      const std::chrono::nanoseconds now = std::min(d, step);
      clock_.Advance(now);
      d -= now;
      // The scheduler re-arms at once while work is left (a burst fires in batches).
      for (int passes = 0; timer_->FireIfDue(clock_.SteadyNow()); ++passes) {
        ASSERT_LT(passes, 1000) << "the timer keeps coming back without time passing";
      }
    }
  }

  // Takes, starts and completes every run due for `agent` with `result`; answers them.
  std::vector<RunRecord> Work(const AgentIdentity& agent, RunResult result = RunResult::kSuccess) {
    StatusOr<std::vector<RunRecord>> runs = scheduler_->TakeDueRuns(agent);
    EXPECT_OK(runs);
    for (const RunRecord& run : *runs) {
      EXPECT_OK(scheduler_->Configure(agent.agent_id, run.job_id));
      EXPECT_OK(scheduler_->Complete(agent.agent_id, run.job_id, run.run_id, result, "done"));
    }
    return *runs;
  }

  std::vector<RunRecord> History(const std::string& job_id) {
    jobs::Paging paging;
    paging.limit = 1000;
    paging.filter =
        jobs::CompileQuery("JobId -eq \"" + job_id + "\"", store::RunQueryFields()).value();
    StatusOr<store::Page<RunRecord>> page = store::RunStore(*store_).ListRuns(paging);
    EXPECT_OK(page);
    return page->rows;
  }

  std::vector<WallTime> RunTimes(const std::string& job_id) {
    std::vector<WallTime> times;
    for (const RunRecord& run : History(job_id)) times.push_back(run.scheduled_for);
    return times;
  }

  Settings settings_;
  std::unique_ptr<FakeTimer> timer_;
  std::unique_ptr<Scheduler> scheduler_;
  AgentIdentity agent_a_;
  AgentIdentity agent_b_;
  int64_t certificate_id_ = 0;
};

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
  EXPECT_EQ(store::JobStore(*store_).GetJob(now_job)->state, store::kJobFinished);
  EXPECT_EQ(store::JobStore(*store_).GetJob(later)->state, store::kJobFinished);
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
  StatusOr<std::vector<RunRecord>> held = scheduler_->TakeDueRuns(agent_a_);
  ASSERT_OK(held);
  ASSERT_EQ(held->size(), 1u);
  ASSERT_OK(scheduler_->Configure(agent_a_.agent_id, job));
  Advance(minutes(20), minutes(1));
  EXPECT_EQ(History(job).size(), 1u);
  EXPECT_EQ(scheduler_->stats().skipped_overlap, 2);
  EXPECT_EQ(store::JobStore(*store_).GetJob(job)->skipped_overlap, 2);
  ASSERT_OK(scheduler_->Complete(agent_a_.agent_id, job, held->front().run_id, RunResult::kSuccess,
                                 "ok"));
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
  ASSERT_EQ(scheduler_->TakeDueRuns(agent_a_)->size(), 1u);
  Advance(minutes(5));
  EXPECT_EQ(scheduler_->stats().leases_expired, 1);
  EXPECT_TRUE(scheduler_->TakeDueRuns(agent_b_)->empty()) << "the backoff has not passed";
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
  EXPECT_EQ(store::JobStore(*store_).GetJob(job)->state, store::kJobFinished);
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
  EXPECT_EQ(store::JobStore(*store_).GetJob(hourly)->missed_catchup, 4);
  EXPECT_EQ(store::JobStore(*store_).GetJob(noon)->missed_catchup, 1);
  EXPECT_EQ(store::JobStore(*store_).GetJob(noon)->next_fire, At("2027-01-02T03:30:00Z"));
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
  ASSERT_EQ(scheduler_->TakeDueRuns(agent_a_)->size(), 1u);
  Advance(minutes(4));
  Restart();
  EXPECT_EQ(scheduler_->stats().open_runs, 1);
  Advance(minutes(6) - seconds(2));
  EXPECT_EQ(scheduler_->stats().leases_expired, 0);
  Advance(seconds(2));
  EXPECT_EQ(scheduler_->stats().leases_expired, 1);
  EXPECT_EQ(History(job).front().message, "lease expired");
}

TEST_F(SchedulerTest, PollIsAnsweredWhenARunComesDueOrEmptyAfterItsWait) {
  // Given two long-polling agents, a due run goes to exactly one of them at once; the other's
  // poll ends empty when its wait is over.
  std::vector<std::pair<std::string, size_t>> answers;
  auto recorder = [&](const std::string& who) {
    return [&answers, who](std::vector<RunRecord> runs) { answers.push_back({who, runs.size()}); };
  };
  scheduler_->Poll(agent_a_, seconds(30), recorder("a"));
  scheduler_->Poll(agent_b_, seconds(30), recorder("b"));
  EXPECT_TRUE(answers.empty());
  AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0], (std::pair<std::string, size_t>{"a", 1}));
  Advance(seconds(30));
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[1], (std::pair<std::string, size_t>{"b", 0}));
}

TEST_F(SchedulerTest, PollsEndingCloseTogetherAreAnsweredInOneWakeUp) {
  // Given two polls whose waits end 100 ms apart, the timer wakes once, 250 ms after the
  // first ends, and answers both (empty).
  std::vector<std::string> answered;
  // Half-way between the scheduler's once-a-second wake-ups, which would answer both too.
  Advance(std::chrono::milliseconds(500));
  scheduler_->Poll(agent_a_, seconds(30), [&](std::vector<RunRecord> runs) {
    EXPECT_TRUE(runs.empty());
    answered.push_back("a");
  });
  const SteadyTime first_end = clock_.SteadyNow() + seconds(30);
  clock_.Advance(std::chrono::milliseconds(100));
  scheduler_->Poll(agent_b_, seconds(30), [&](std::vector<RunRecord> runs) {
    EXPECT_TRUE(runs.empty());
    answered.push_back("b");
  });
  Advance(first_end - clock_.SteadyNow(), std::chrono::milliseconds(100));
  EXPECT_TRUE(answered.empty());
  ASSERT_TRUE(timer_->deadline().has_value());
  EXPECT_EQ(*timer_->deadline(), first_end + std::chrono::milliseconds(250));
  clock_.Advance(std::chrono::milliseconds(250));
  EXPECT_TRUE(timer_->FireIfDue(clock_.SteadyNow()));
  EXPECT_EQ(answered, (std::vector<std::string>{"a", "b"}));
}

TEST_F(SchedulerTest, StopAnswersParkedPollsAndParksNoMore) {
  // Given a parked poll, Stop answers it empty, and a poll after Stop is answered at once.
  int answered = 0;
  scheduler_->Poll(agent_a_, seconds(30), [&](std::vector<RunRecord> runs) {
    EXPECT_TRUE(runs.empty());
    ++answered;
  });
  scheduler_->Stop();
  EXPECT_EQ(answered, 1);
  scheduler_->Poll(agent_b_, seconds(30), [&](std::vector<RunRecord>) { ++answered; });
  EXPECT_EQ(answered, 2);
  EXPECT_FALSE(timer_->deadline().has_value());
}

TEST_F(SchedulerTest, FewestRunsInFlightGetsTheNextRun) {
  // Given agent A holding a run, the next run goes to B even though A polled first.
  AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_EQ(scheduler_->TakeDueRuns(agent_a_)->size(), 1u);
  std::string winner;
  scheduler_->Poll(agent_a_, seconds(30), [&](std::vector<RunRecord> runs) {
    if (!runs.empty()) winner = "a";
  });
  scheduler_->Poll(agent_b_, seconds(30), [&](std::vector<RunRecord> runs) {
    if (!runs.empty()) winner = "b";
  });
  AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  EXPECT_EQ(winner, "b");
}

TEST_F(SchedulerTest, ABurstIsSharedOutToEveryParkedPollOnce) {
  // Given 250 runs due at one instant and three parked polls with at most 100 runs per answer,
  // each poll is answered at once with a share, and no run is handed out twice.
  settings_.max_runs_per_delivery = 100;
  Restart();
  const AgentIdentity agent_c = MakeAgent("agent-c");
  std::map<std::string, size_t> answers;
  std::set<int64_t> handed;
  int64_t duplicates = 0;
  for (const AgentIdentity* agent :
       std::vector<const AgentIdentity*>{&agent_a_, &agent_b_, &agent_c}) {
    scheduler_->Poll(*agent, seconds(30), [&, who = agent->client_machine](auto runs) {
      answers[who] = runs.size();
      for (const RunRecord& run : runs) duplicates += handed.insert(run.run_id).second ? 0 : 1;
    });
  }
  for (int i = 0; i < 250; ++i) AddJob(R"({"ExactlyOnce": {"Time": "2027-01-01T00:00:05Z"}})");
  Advance(seconds(4));
  EXPECT_TRUE(answers.empty());
  Advance(seconds(1));
  EXPECT_THAT(answers, ElementsAre(std::pair<const std::string, size_t>{"agent-a", 100},
                                   std::pair<const std::string, size_t>{"agent-b", 100},
                                   std::pair<const std::string, size_t>{"agent-c", 50}));
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(scheduler_->stats().delivered, 250);
}

TEST_F(SchedulerTest, CallsInBetweenDoNotPushTheAlarmBack) {
  // Given the timer armed, an agent call half a second later (which re-arms) leaves the
  // alarm where it was: a stream of calls cannot keep postponing it.
  AddJob(R"({"ExactlyOnce": {"Time": "2027-01-01T00:00:05Z"}})");
  const std::optional<SteadyTime> armed = timer_->deadline();
  ASSERT_TRUE(armed.has_value());
  clock_.Advance(std::chrono::milliseconds(500));
  scheduler_->Poll(agent_a_, seconds(30), [](std::vector<RunRecord>) {});
  EXPECT_EQ(timer_->deadline(), armed);
}

TEST_F(SchedulerTest, AnAgentTakesOnlyStoreTypesItServes) {
  // Given a due run on a PEM store, an agent without the PEM capability is handed nothing.
  const AgentIdentity pkcs12_only{agent_a_.agent_id, "agent-a", {jobs::kPkcs12StoreType}};
  AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  EXPECT_TRUE(scheduler_->TakeDueRuns(pkcs12_only)->empty());
  EXPECT_EQ(scheduler_->TakeDueRuns(agent_b_)->size(), 1u);
}

TEST_F(SchedulerTest, ARunFollowsItsStoreWhenTheStoreIsBoundElsewhere) {
  // Given a due run on a pool store that is then bound to agent B alone, agent A of the pool
  // is handed nothing and B takes the run.
  AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  store::CatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(store::CertStoreRecord record, catalog.GetCertStore(kPoolStore));
  record.agent_pool_id.clear();
  record.agent_id = agent_b_.agent_id;
  ASSERT_OK(catalog.UpdateCertStore(record, false));
  EXPECT_TRUE(scheduler_->TakeDueRuns(agent_a_)->empty());
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> runs, scheduler_->TakeDueRuns(agent_b_));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].agent_id, agent_b_.agent_id);
  EXPECT_EQ(scheduler_->stats().open_runs, 1);
}

TEST_F(SchedulerTest, ARunMovesWithItsStoreWhenTheSchedulerIsTold) {
  // Given a due run on a store bound to agent A, then bound to agent B, StoresChanged files
  // it under B at once: B's parked poll, which could not see it, is answered with it.
  store::CatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(store::CertStoreRecord record, catalog.GetCertStore(kPoolStore));
  record.agent_pool_id.clear();
  record.agent_id = agent_a_.agent_id;
  ASSERT_OK(catalog.UpdateCertStore(record, false));
  AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  record.agent_id = agent_b_.agent_id;
  ASSERT_OK(catalog.UpdateCertStore(record, false));
  size_t handed = 0;
  scheduler_->Poll(agent_b_, seconds(30),
                   [&](std::vector<RunRecord> runs) { handed = runs.size(); });
  EXPECT_EQ(handed, 0u);
  ASSERT_OK(scheduler_->StoresChanged({kPoolStore}));
  EXPECT_EQ(handed, 1u);
}

TEST_F(SchedulerTest, CompletionsThatDoNotMatchTheLeaseAreRefused) {
  // Given a run started by agent A, completions from B, for an unknown AuditId, for another
  // job and before a configuration call are refused and change nothing.
  const std::string job = AddJob(R"({"Immediate": true})");
  const std::string other = AddJob(R"({"ExactlyOnce": {"Time": "2027-06-01T00:00:00Z"}})");
  Advance(seconds(1));
  StatusOr<std::vector<RunRecord>> runs = scheduler_->TakeDueRuns(agent_a_);
  ASSERT_OK(runs);
  ASSERT_EQ(runs->size(), 1u);
  const int64_t audit = runs->front().run_id;
  EXPECT_EQ(scheduler_->Complete(agent_a_.agent_id, job, audit, RunResult::kSuccess, "").code(),
            StatusCode::kFailedPrecondition);
  ASSERT_OK(scheduler_->Configure(agent_a_.agent_id, job));
  EXPECT_EQ(scheduler_->Complete(agent_b_.agent_id, job, audit, RunResult::kSuccess, "").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      scheduler_->Complete(agent_a_.agent_id, job, audit + 99, RunResult::kSuccess, "").code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(scheduler_->Complete(agent_a_.agent_id, other, audit, RunResult::kSuccess, "").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(scheduler_->Configure(agent_b_.agent_id, job).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(History(job).front().status, RunStatus::kInProcess);
  ASSERT_OK(scheduler_->Complete(agent_a_.agent_id, job, audit, RunResult::kWarning, "present"));
  EXPECT_EQ(History(job).front().result, RunResult::kWarning);
}

TEST_F(SchedulerTest, UnscheduleCancelsWaitingAndDeliveredRuns) {
  // Given one waiting and one delivered run, unscheduling both jobs cancels the waiting run
  // at once and answers the delivered one's configuration call with cancelled.
  const std::string delivered = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_EQ(scheduler_->TakeDueRuns(agent_a_)->size(), 1u);
  const std::string waiting = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_OK(store::JobStore(*store_).Unschedule({delivered, waiting}));
  ASSERT_OK(scheduler_->JobsUnscheduled({delivered, waiting}));
  EXPECT_EQ(History(waiting).front().status, RunStatus::kCompleted);
  EXPECT_EQ(History(waiting).front().result, RunResult::kUnknown);
  EXPECT_TRUE(scheduler_->TakeDueRuns(agent_b_)->empty());
  ASSERT_OK_AND_ASSIGN(Configured configured, scheduler_->Configure(agent_a_.agent_id, delivered));
  EXPECT_TRUE(configured.cancelled);
  EXPECT_EQ(History(delivered).front().status, RunStatus::kCompleted);
  EXPECT_EQ(scheduler_->stats().open_runs, 0);
}

TEST_F(SchedulerTest, AnUnscheduledJobStopsCountingAtOnceAndNeverFires) {
  // Given two recurring jobs, unscheduling one takes it out of ScheduledJobs at once; when its
  // old fire time comes only the other fires, and the count stays right afterwards.
  const std::string kept = AddJob(R"({"Interval": {"Minutes": 60}})");
  const std::string dropped = AddJob(R"({"Interval": {"Minutes": 60}})");
  EXPECT_EQ(scheduler_->stats().scheduled_jobs, 2);
  ASSERT_OK_AND_ASSIGN(store::UnscheduledJobs unscheduled,
                       store::JobStore(*store_).Unschedule({dropped}));
  ASSERT_OK(scheduler_->JobsUnscheduled({dropped}, unscheduled.dequeued));
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
