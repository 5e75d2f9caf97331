// Handing runs to agents: polls, parking, fairness, store types and bindings, configuration
// calls and completions.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scheduler/scheduler.h"
#include "scheduler/scheduler_test_support.h"

namespace orch::scheduler {
namespace {

using std::chrono::seconds;
using store::RunRecord;
using store::RunResult;
using store::RunStatus;
using ::testing::ElementsAre;
using testing::kPoolStore;
using testing::SchedulerTest;

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
  ASSERT_EQ(TakeNow(agent_a_)->size(), 1u);
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

TEST_F(SchedulerTest, ABurstIsLeasedInPartsSoTheFirstPollsAreAnsweredBeforeTheLastAreWritten) {
  // Given 250 runs due at one instant and 25 parked polls taking 10 runs each, the leases go
  // to the writer in two parts: the first 10 polls (100 runs), written alone, then the other
  // 15 once it is committed. The first part's polls are answered then, while the second is
  // still unwritten.
  settings_.max_runs_per_delivery = 10;
  Restart();
  std::vector<AgentIdentity> agents;
  for (int i = 0; i < 25; ++i) agents.push_back(MakeAgent("host-" + std::to_string(i)));
  std::map<std::string, size_t> answers;
  std::set<int64_t> handed;
  for (const AgentIdentity& agent : agents) {
    scheduler_->Poll(agent, seconds(30), [&, who = agent.client_machine](auto runs) {
      answers[who] = runs.size();
      for (const RunRecord& run : runs) handed.insert(run.run_id);
    });
  }
  for (int i = 0; i < 250; ++i) AddJob(R"({"ExactlyOnce": {"Time": "2027-01-01T00:00:05Z"}})");
  Advance(std::chrono::milliseconds(4600), std::chrono::milliseconds(100));  // fired ahead
  writer_->Hold();
  Advance(std::chrono::milliseconds(400), std::chrono::milliseconds(100));
  EXPECT_TRUE(answers.empty());
  ASSERT_EQ(writer_->held(), 1u);  // the first part, alone

  ASSERT_EQ(writer_->Release(1), 1u);
  EXPECT_EQ(answers.size(), 10u);
  EXPECT_EQ(handed.size(), 100u);
  EXPECT_EQ(writer_->held(), 1u);  // the second part, submitted once the first landed

  ASSERT_EQ(writer_->Release(1), 1u);
  EXPECT_EQ(answers.size(), 25u);
  for (const auto& [who, count] : answers) EXPECT_EQ(count, 10u) << who;
  EXPECT_EQ(handed.size(), 250u);
  EXPECT_EQ(writer_->held(), 0u);
  EXPECT_EQ(scheduler_->stats().delivered, 250);
}

TEST_F(SchedulerTest, RunsDueSoonAreWrittenAheadAndHandedOutAtTheirInstant) {
  // Given two jobs due at T and a parked poll, their runs are in the store, Waiting for T,
  // before T, and the agent has nothing yet. One job unscheduled before T has its run
  // cancelled; at T the poll gets the other's run and only that.
  const WallTime due = testing::At("2027-01-01T00:00:05Z");
  std::vector<std::vector<RunRecord>> answers;
  scheduler_->Poll(agent_a_, seconds(30),
                   [&answers](std::vector<RunRecord> runs) { answers.push_back(std::move(runs)); });
  const std::string kept = AddJob(R"({"ExactlyOnce": {"Time": "2027-01-01T00:00:05Z"}})");
  const std::string dropped = AddJob(R"({"ExactlyOnce": {"Time": "2027-01-01T00:00:05Z"}})");
  Advance(std::chrono::milliseconds(4600), std::chrono::milliseconds(100));
  for (const std::string& job : {kept, dropped}) {
    const std::vector<RunRecord> history = History(job);
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].status, RunStatus::kWaiting);
    EXPECT_EQ(history[0].scheduled_for, due);
  }
  EXPECT_TRUE(answers.empty());

  StatusOr<store::UnscheduledJobs> unscheduled =
      store::SqliteJobStore(*store_).Unschedule({dropped});
  ASSERT_OK(unscheduled);
  ASSERT_OK(UnscheduledNow({dropped}, unscheduled->dequeued));
  EXPECT_EQ(History(dropped)[0].status, RunStatus::kCompleted);
  Advance(std::chrono::milliseconds(300), std::chrono::milliseconds(100));
  EXPECT_TRUE(answers.empty());  // still before T

  Advance(std::chrono::milliseconds(100), std::chrono::milliseconds(100));
  ASSERT_EQ(answers.size(), 1u);
  ASSERT_EQ(answers[0].size(), 1u);
  EXPECT_EQ(answers[0][0].job_id, kept);
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
  EXPECT_TRUE(TakeNow(pkcs12_only)->empty());
  EXPECT_EQ(TakeNow(agent_b_)->size(), 1u);
}

TEST_F(SchedulerTest, ARunFollowsItsStoreWhenTheStoreIsBoundElsewhere) {
  // Given a due run on a pool store that is then bound to agent B alone, agent A of the pool
  // is handed nothing and B takes the run.
  AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  store::SqliteCatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(store::CertStoreRecord record, catalog.GetCertStore(kPoolStore));
  record.agent_pool_id.clear();
  record.agent_id = agent_b_.agent_id;
  ASSERT_OK(catalog.UpdateCertStore(record, false));
  EXPECT_TRUE(TakeNow(agent_a_)->empty());
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> runs, TakeNow(agent_b_));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].agent_id, agent_b_.agent_id);
  EXPECT_EQ(scheduler_->stats().open_runs, 1);
}

TEST_F(SchedulerTest, ARunMovesWithItsStoreWhenTheSchedulerIsTold) {
  // Given a due run on a store bound to agent A, then bound to agent B, StoresChanged files
  // it under B at once: B's parked poll, which could not see it, is answered with it.
  store::SqliteCatalogStore catalog(*store_);
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
  scheduler_->StoresChanged({kPoolStore});
  EXPECT_EQ(handed, 1u);
}

TEST_F(SchedulerTest, PollsFindTheirAgentsPoolInMemoryAndFollowPoolChangesOnceTold) {
  // Given a due run on a store bound to a custom pool that agent A is then made a member of:
  // A's poll is handed nothing until the scheduler is told the pools changed (it reads no
  // pool per poll), and the run once it is.
  const std::string pool_id = "0c000000-0000-4000-8000-0000000000aa";
  store::SqliteCatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(store::CertStoreRecord record, catalog.GetCertStore(kPoolStore));
  record.agent_pool_id = pool_id;
  ASSERT_OK(store::SqlitePoolStore(*store_).CreatePool({pool_id, "web", {}}, clock_.WallNow()));
  ASSERT_OK(catalog.UpdateCertStore(record, false));
  scheduler_->StoresChanged({kPoolStore});
  AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_OK(store::SqlitePoolStore(*store_).ReplacePool({pool_id, "web", {{agent_a_.agent_id}}},
                                                        clock_.WallNow()));
  size_t handed = SIZE_MAX;
  scheduler_->Poll(agent_a_, seconds(0), [&](std::vector<RunRecord> runs) { handed = runs.size(); });
  EXPECT_EQ(handed, 0u);
  scheduler_->PoolsChanged();
  scheduler_->Poll(agent_a_, seconds(0), [&](std::vector<RunRecord> runs) { handed = runs.size(); });
  EXPECT_EQ(handed, 1u);
}

TEST_F(SchedulerTest, CompletionsThatDoNotMatchTheLeaseAreRefused) {
  // Given a run started by agent A, completions from B, for an unknown AuditId, for another
  // job and before a configuration call are refused and change nothing.
  const std::string job = AddJob(R"({"Immediate": true})");
  const std::string other = AddJob(R"({"ExactlyOnce": {"Time": "2027-06-01T00:00:00Z"}})");
  Advance(seconds(1));
  StatusOr<std::vector<RunRecord>> runs = TakeNow(agent_a_);
  ASSERT_OK(runs);
  ASSERT_EQ(runs->size(), 1u);
  const int64_t audit = runs->front().run_id;
  EXPECT_EQ(CompleteNow(agent_a_.agent_id, job, audit, RunResult::kSuccess, "").code(),
            StatusCode::kFailedPrecondition);
  ASSERT_OK(ConfigureNow(agent_a_.agent_id, job));
  EXPECT_EQ(CompleteNow(agent_b_.agent_id, job, audit, RunResult::kSuccess, "").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(CompleteNow(agent_a_.agent_id, job, audit + 99, RunResult::kSuccess, "").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(CompleteNow(agent_a_.agent_id, other, audit, RunResult::kSuccess, "").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(ConfigureNow(agent_b_.agent_id, job).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(History(job).front().status, RunStatus::kInProcess);
  ASSERT_OK(CompleteNow(agent_a_.agent_id, job, audit, RunResult::kWarning, "present"));
  EXPECT_EQ(History(job).front().result, RunResult::kWarning);
}

TEST_F(SchedulerTest, CompletionsAreCountedByResultAndFiresByTheirLateness) {
  // Given three Immediate jobs fired by a one-second step of the clock and completed by agent
  // A with a success, a warning and a failure.
  const std::vector<std::string> jobs = {AddJob(R"({"Immediate": true})"),
                                         AddJob(R"({"Immediate": true})"),
                                         AddJob(R"({"Immediate": true})")};
  Advance(seconds(1));
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> runs, TakeNow(agent_a_));
  ASSERT_EQ(runs.size(), 3u);
  const RunResult results[] = {RunResult::kSuccess, RunResult::kWarning, RunResult::kFailure};
  for (size_t i = 0; i < runs.size(); ++i) {
    ASSERT_OK(ConfigureNow(agent_a_.agent_id, runs[i].job_id));
    ASSERT_OK(CompleteNow(agent_a_.agent_id, runs[i].job_id, runs[i].run_id, results[i], ""));
  }

  // Then each fire is in the lateness histogram (at most the step late), and each completion
  // is counted under its result; the failure was given another attempt.
  const SchedulerStats stats = scheduler_->stats();
  EXPECT_EQ(stats.fired, 3);
  EXPECT_EQ(stats.fire_lateness.count(), 3u);
  EXPECT_GE(stats.fire_lateness.sum(), 0);
  EXPECT_LE(stats.fire_lateness.sum(), 3.0);
  EXPECT_EQ(stats.completed, 3);
  EXPECT_EQ(stats.completed_success, 1);
  EXPECT_EQ(stats.completed_warning, 1);
  EXPECT_EQ(stats.completed_failure, 1);
  EXPECT_EQ(stats.completed_unknown, 0);
  EXPECT_EQ(stats.retried, 1);
}

TEST_F(SchedulerTest, UnscheduleCancelsWaitingAndDeliveredRuns) {
  // Given one waiting and one delivered run, unscheduling both jobs cancels the waiting run
  // at once and answers the delivered one's configuration call with cancelled.
  const std::string delivered = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_EQ(TakeNow(agent_a_)->size(), 1u);
  const std::string waiting = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_OK(store::SqliteJobStore(*store_).Unschedule({delivered, waiting}));
  ASSERT_OK(UnscheduledNow({delivered, waiting}));
  EXPECT_EQ(History(waiting).front().status, RunStatus::kCompleted);
  EXPECT_EQ(History(waiting).front().result, RunResult::kUnknown);
  EXPECT_TRUE(TakeNow(agent_b_)->empty());
  ASSERT_OK_AND_ASSIGN(Configured configured, ConfigureNow(agent_a_.agent_id, delivered));
  EXPECT_TRUE(configured.cancelled);
  EXPECT_EQ(History(delivered).front().status, RunStatus::kCompleted);
  EXPECT_EQ(scheduler_->stats().open_runs, 0);
}

TEST_F(SchedulerTest, ARunWhoseAnswerWasNotSentIsHandedAgainToItsAgent) {
  // Given a run handed to agent A in an answer that was not sent, A's next call is handed the
  // same run again with its lease restarted: no other agent gets it, its old lease end passes
  // without a failure, and it is handed again only once.
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> first, TakeNow(agent_a_));
  ASSERT_EQ(first.size(), 1u);
  Advance(std::chrono::minutes(4));
  scheduler_->Unsent(agent_a_.agent_id, {first[0].run_id});
  EXPECT_TRUE(TakeNow(agent_b_)->empty());
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> again, TakeNow(agent_a_));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].run_id, first[0].run_id);
  ASSERT_TRUE(again[0].lease_expires.has_value());
  EXPECT_EQ(*again[0].lease_expires, clock_.WallNow() + settings_.lease);
  EXPECT_EQ(scheduler_->stats().redelivered, 1);
  Advance(std::chrono::minutes(8));  // past the first lease's end, within the restarted one
  EXPECT_EQ(scheduler_->stats().leases_expired, 0);
  EXPECT_TRUE(TakeNow(agent_a_)->empty());
  EXPECT_EQ(scheduler_->stats().redelivered, 1);
  ASSERT_OK(ConfigureNow(agent_a_.agent_id, job));
  ASSERT_OK(CompleteNow(agent_a_.agent_id, job, first[0].run_id, RunResult::kSuccess, "done"));
  EXPECT_EQ(History(job).front().result, RunResult::kSuccess);
  EXPECT_EQ(History(job).size(), 1u);
}

TEST_F(SchedulerTest, APollParkedWhenAnAnswerWasNotSentGetsItsRunsAtOnce) {
  // Given agent A back with a parked poll when the answer of its earlier poll turns out not
  // sent, the parked poll is answered with those runs at once.
  std::vector<RunRecord> first;
  scheduler_->Poll(agent_a_, seconds(30), [&](std::vector<RunRecord> runs) { first = runs; });
  AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_EQ(first.size(), 1u);
  std::optional<std::vector<RunRecord>> second;
  scheduler_->Poll(agent_a_, seconds(30), [&](std::vector<RunRecord> runs) { second = runs; });
  EXPECT_FALSE(second.has_value());
  scheduler_->Unsent(agent_a_.agent_id, {first[0].run_id});
  DrainWrites();
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].run_id, first[0].run_id);
  EXPECT_EQ(scheduler_->stats().redelivered, 1);
}

TEST_F(SchedulerTest, AStartedRunKeepsItsLeaseWhenAnAnswerWasNotSent) {
  // Given a run agent A has started, a report that an answer carrying it was not sent changes
  // nothing: it is not handed again, and its lease runs out as before.
  settings_.lease = std::chrono::minutes(5);
  Restart();
  const std::string job = AddJob(R"({"Immediate": true})");
  Advance(seconds(1));
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> first, TakeNow(agent_a_));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_OK(ConfigureNow(agent_a_.agent_id, job));
  scheduler_->Unsent(agent_a_.agent_id, {first[0].run_id});
  EXPECT_TRUE(TakeNow(agent_a_)->empty());
  EXPECT_EQ(scheduler_->stats().redelivered, 0);
  Advance(std::chrono::minutes(5));
  EXPECT_EQ(scheduler_->stats().leases_expired, 1);
  EXPECT_EQ(History(job).front().message, "lease expired");
}

}  // namespace
}  // namespace orch::scheduler
