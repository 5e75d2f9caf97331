#include "scheduler/open_run_index.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace orch::scheduler {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using store::RunRecord;
using store::RunStatus;
using ::testing::ElementsAre;

constexpr int kPem = 2;
constexpr int kJks = 3;

class OpenRunIndexTest : public ::testing::Test {
 protected:
  // An undelivered run of `job_id` on a store of `pool`, due `due_in` from now.
  RunRecord Waiting(int64_t id, const std::string& job_id, std::chrono::nanoseconds due_in = {},
                    const std::string& pool = "p1", int store_type = kPem) const {
    RunRecord run;
    run.run_id = id;
    run.job_id = job_id;
    run.scheduled_for = clock_.WallNow() + std::chrono::duration_cast<seconds>(due_in);
    run.store_type = store_type;
    run.target_pool_id = pool;
    return run;
  }
  // A run delivered to `agent_id` (before a restart, say) whose lease ends `lease_in` from now.
  RunRecord Delivered(int64_t id, const std::string& job_id, const std::string& agent_id,
                      std::chrono::nanoseconds lease_in) const {
    RunRecord run = Waiting(id, job_id);
    run.agent_id = agent_id;
    run.status = RunStatus::kInProcess;
    run.lease_expires = clock_.WallNow() + std::chrono::duration_cast<seconds>(lease_in);
    return run;
  }
  static AgentIdentity Agent(const std::string& id, std::vector<int> types = {kPem}) {
    return AgentIdentity{id, id + "-host", std::move(types)};
  }
  void ExpectConsistent() { EXPECT_OK(index_.Verify()); }

  FakeClock clock_;
  OpenRunIndex index_{clock_};
};

TEST_F(OpenRunIndexTest, AnAgentPicksDueRunsOfItsPoolAndStoreTypesEarliestFirst) {
  // Given runs of two pools and two store types, some not due yet, an agent of pool p1 serving
  // PEM picks p1's due PEM runs, earliest due first, up to the limit.
  index_.Add(Waiting(1, "j1", -seconds(10)));
  index_.Add(Waiting(2, "j2", -seconds(30)));
  index_.Add(Waiting(3, "j3", -seconds(20), "p2"));
  index_.Add(Waiting(4, "j4", -seconds(40), "p1", kJks));
  index_.Add(Waiting(5, "j5", seconds(60)));
  ExpectConsistent();
  EXPECT_THAT(index_.Pick(Agent("a"), "p1", 10), ElementsAre(2, 1));
  EXPECT_THAT(index_.Pick(Agent("a"), "p1", 1), ElementsAre(2));
  EXPECT_THAT(index_.Pick(Agent("a", {kPem, kJks}), "p1", 10), ElementsAre(4, 2, 1));
  EXPECT_THAT(index_.Pick(Agent("a"), "p2", 10), ElementsAre(3));
  clock_.Advance(seconds(60));
  EXPECT_THAT(index_.Pick(Agent("a"), "p1", 10), ElementsAre(2, 1, 5));
}

TEST_F(OpenRunIndexTest, ARunOfAStoreBoundToAnAgentGoesToThatAgentOnly) {
  // Given a run on a store bound to agent a, a picks it alongside its pool's; b of the same
  // pool does not.
  RunRecord own = Waiting(1, "j1", -seconds(5));
  own.target_pool_id.clear();
  own.target_agent_id = "a";
  index_.Add(own);
  index_.Add(Waiting(2, "j2"));
  EXPECT_THAT(index_.Pick(Agent("a"), "p1", 10), ElementsAre(1, 2));
  EXPECT_THAT(index_.Pick(Agent("b"), "p1", 10), ElementsAre(2));
}

TEST_F(OpenRunIndexTest, DeliveryMovesARunOutOfTheQueueAndBack) {
  // Given a run delivered to a, it is no longer picked, a holds one run, and its lease is the
  // next deadline; taken back, it is picked again and a holds none.
  index_.Add(Waiting(1, "j1"));
  const SteadyTime lease_end = clock_.SteadyNow() + minutes(10);
  index_.MarkDelivered(1, "a", lease_end);
  ExpectConsistent();
  EXPECT_TRUE(index_.Pick(Agent("b"), "p1", 10).empty());
  EXPECT_FALSE(index_.HasUndelivered());
  EXPECT_EQ(index_.InFlight("a"), 1);
  EXPECT_EQ(index_.Find(1)->agent_id, "a");
  EXPECT_EQ(index_.NextDeadline(), lease_end);
  index_.MarkStarted(1);
  EXPECT_EQ(index_.Find(1)->status, RunStatus::kInProcess);
  index_.MarkUndelivered(2);  // unknown: nothing happens
  RunRecord again = Waiting(1, "j1");
  index_.Add(again);  // reloaded from the store as waiting
  ExpectConsistent();
  EXPECT_EQ(index_.InFlight("a"), 0);
  EXPECT_THAT(index_.Pick(Agent("b"), "p1", 10), ElementsAre(1));
}

TEST_F(OpenRunIndexTest, ALeaseExpiresAtItsDeadlineUnlessItChanged) {
  // Given three delivered runs: one completed, one taken back and delivered again with a later
  // lease, one untouched, only the untouched one expires at the first deadline.
  for (int64_t id = 1; id <= 3; ++id) index_.Add(Waiting(id, "j" + std::to_string(id)));
  const SteadyTime first = clock_.SteadyNow() + minutes(5);
  for (int64_t id = 1; id <= 3; ++id) index_.MarkDelivered(id, "a", first);
  index_.Remove(1);
  index_.MarkUndelivered(2);
  index_.MarkDelivered(2, "b", first + minutes(5));
  ExpectConsistent();
  clock_.Advance(minutes(5) - seconds(1));
  EXPECT_EQ(index_.NextExpiredLease(), std::nullopt);
  clock_.Advance(seconds(1));
  EXPECT_EQ(index_.NextExpiredLease(), 3);
  index_.Remove(3);  // closed by the caller
  EXPECT_EQ(index_.NextExpiredLease(), std::nullopt);
  clock_.Advance(minutes(5));
  EXPECT_EQ(index_.NextExpiredLease(), 2);
  ExpectConsistent();
}

TEST_F(OpenRunIndexTest, ALeaseFromBeforeARestartKeepsItsWallClockEnd) {
  // Given runs loaded as delivered, one with 4 minutes of lease left and one without an end,
  // the first expires 4 minutes on and the second at once.
  index_.Add(Delivered(1, "j1", "a", minutes(4)));
  RunRecord endless = Delivered(2, "j2", "b", {});
  endless.lease_expires.reset();
  index_.Add(endless);
  ExpectConsistent();
  EXPECT_EQ(index_.InFlight("a"), 1);
  EXPECT_EQ(index_.NextExpiredLease(), 2);
  EXPECT_EQ(index_.NextDeadline(), clock_.SteadyNow() + minutes(4));
}

TEST_F(OpenRunIndexTest, AFutureRunWakesTheSchedulerWhenItComesDue) {
  // Given runs due in 1 and 2 minutes, the next deadline is the first; when it comes, there is
  // new work, and a run removed before its time makes none.
  index_.Add(Waiting(1, "j1", minutes(1)));
  index_.Add(Waiting(2, "j2", minutes(2)));
  EXPECT_EQ(index_.NextDeadline(), clock_.SteadyNow() + minutes(1));
  EXPECT_FALSE(index_.TakeDuePending());
  clock_.Advance(minutes(1));
  EXPECT_TRUE(index_.TakeDuePending());
  EXPECT_FALSE(index_.TakeDuePending());
  index_.Remove(2);
  clock_.Advance(minutes(1));
  EXPECT_FALSE(index_.TakeDuePending());
  EXPECT_EQ(index_.NextDeadline(), std::nullopt);
}

TEST_F(OpenRunIndexTest, AJobFindsItsOpenRun) {
  // Given a job's run, the job finds it until it is removed; a retry of the job is found next.
  index_.Add(Waiting(1, "j1"));
  EXPECT_EQ(index_.RunOfJob("j1"), 1);
  EXPECT_EQ(index_.RunOfJob("j2"), std::nullopt);
  index_.Remove(1);
  index_.Add(Waiting(2, "j1", minutes(1)));
  EXPECT_EQ(index_.RunOfJob("j1"), 2);
  EXPECT_EQ(index_.size(), 1u);
  ExpectConsistent();
}

TEST_F(OpenRunIndexTest, AReloadedRunIsFiledUnderItsNewTarget) {
  // Given a waiting run whose store moved to pool p2, adding it again files it there only.
  index_.Add(Waiting(1, "j1"));
  index_.Add(Waiting(1, "j1", {}, "p2"));
  ExpectConsistent();
  EXPECT_TRUE(index_.Pick(Agent("a"), "p1", 10).empty());
  EXPECT_THAT(index_.Pick(Agent("a"), "p2", 10), ElementsAre(1));
}

TEST_F(OpenRunIndexTest, TheIndexesStayInStepThroughAnySequence) {
  // Given thousands of random adds, reloads, deliveries, take-backs, starts, expiries and
  // removals, every secondary index matches the runs after each step.
  std::mt19937 random(11);
  const std::vector<std::string> agents = {"a", "b", "c"};
  const std::vector<std::string> pools = {"p1", "p2"};
  auto pick = [&](const auto& from) { return from[random() % from.size()]; };
  std::map<int64_t, std::string> live;  // run id → job id, what the index should hold
  int64_t next_id = 0;
  for (int step = 0; step < 20000; ++step) {
    const int64_t some = live.empty() ? 0 : std::next(live.begin(), random() % live.size())->first;
    switch (random() % 8) {
      case 0:
      case 1: {
        const int64_t id = ++next_id;
        const std::string job = "j" + std::to_string(random() % 50);
        index_.Add(Waiting(id, job, seconds(static_cast<int>(random() % 120) - 60), pick(pools),
                           random() % 2 == 0 ? kPem : kJks));
        live[id] = job;
        break;
      }
      case 2:  // reloaded from the store, perhaps delivered meanwhile
        if (some == 0) break;
        index_.Add(random() % 2 == 0 ? Waiting(some, live[some], {}, pick(pools))
                                     : Delivered(some, live[some], pick(agents), minutes(3)));
        break;
      case 3: {
        const std::string agent = pick(agents);
        for (int64_t id : index_.Pick(Agent(agent, {kPem, kJks}), pick(pools), 3)) {
          index_.MarkDelivered(id, agent, clock_.SteadyNow() + minutes(random() % 5));
        }
        break;
      }
      case 4:
        if (some != 0) index_.MarkUndelivered(some);
        break;
      case 5:
        if (some != 0) index_.MarkStarted(some);
        break;
      case 6:
        clock_.Advance(seconds(random() % 90));
        index_.TakeDuePending();
        while (std::optional<int64_t> expired = index_.NextExpiredLease()) {
          index_.Remove(*expired);
          live.erase(*expired);
        }
        break;
      default:
        if (some != 0) {
          index_.Remove(some);
          live.erase(some);
        }
    }
    ASSERT_OK(index_.Verify()) << "step " << step;
    ASSERT_EQ(index_.size(), live.size()) << "step " << step;
  }
}

}  // namespace
}  // namespace orch::scheduler
