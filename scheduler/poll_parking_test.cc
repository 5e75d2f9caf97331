#include "scheduler/poll_parking.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/fake_clock.h"

namespace orch::scheduler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class PollParkingTest : public ::testing::Test {
 protected:
  // Parks a poll of `agent_id` waiting `wait` from now; its answers are recorded.
  void Park(const std::string& agent_id, std::chrono::nanoseconds wait) {
    const int poll = ++polls_;
    parking_.Park(AgentIdentity{agent_id, agent_id + "-host", {1}}, "pool",
                  clock_.SteadyNow() + wait,
                  [this, agent_id, poll](std::vector<store::RunRecord> runs) {
                    answers_.push_back(agent_id + "#" + std::to_string(poll) + ":" +
                                       std::to_string(runs.size()));
                  });
  }

  FakeClock clock_;
  PollParking parking_;
  std::vector<std::string> answers_;  // "<agent>#<poll>:<runs>"
  int polls_ = 0;
};

TEST_F(PollParkingTest, APollEndsEmptyWhenItsWaitIsOver) {
  // Given a poll of 30 s, it is parked until then and answered empty at its end.
  Park("a", seconds(30));
  EXPECT_EQ(parking_.size(), 1u);
  ASSERT_NE(parking_.Find("a"), nullptr);
  EXPECT_EQ(parking_.Find("a")->pool_id, "pool");
  clock_.Advance(seconds(30) - milliseconds(1));
  parking_.Expire(clock_.SteadyNow());
  EXPECT_TRUE(answers_.empty());
  clock_.Advance(milliseconds(1));
  parking_.Expire(clock_.SteadyNow());
  EXPECT_EQ(answers_, (std::vector<std::string>{"a#1:0"}));
  EXPECT_TRUE(parking_.empty());
  EXPECT_EQ(parking_.Find("a"), nullptr);
}

TEST_F(PollParkingTest, PollsEndingWithinTheSlackShareOneWakeUp) {
  // Given polls ending 100 ms and 400 ms after the first, the wake-up comes 250 ms after the
  // first ends and answers the first two; the third waits for a wake-up of its own.
  const SteadyTime first_end = clock_.SteadyNow() + seconds(30);
  Park("a", seconds(30));
  Park("b", seconds(30) + milliseconds(100));
  Park("c", seconds(30) + milliseconds(400));
  EXPECT_EQ(parking_.NextWakeUp(), first_end + PollParking::kSlack);
  clock_.Advance(seconds(30) + PollParking::kSlack);
  parking_.Expire(clock_.SteadyNow());
  EXPECT_EQ(answers_, (std::vector<std::string>{"a#1:0", "b#2:0"}));
  EXPECT_EQ(parking_.NextWakeUp(), first_end + milliseconds(400) + PollParking::kSlack);
}

TEST_F(PollParkingTest, ANewPollOfAnAgentAnswersItsEarlierOneEmpty) {
  // Given an agent that polls again, its first poll is answered empty at once, and the end of
  // the first poll's wait does not end the second.
  Park("a", seconds(10));
  Park("a", seconds(30));
  EXPECT_EQ(answers_, (std::vector<std::string>{"a#1:0"}));
  EXPECT_EQ(parking_.size(), 1u);
  clock_.Advance(seconds(10));
  parking_.Expire(clock_.SteadyNow());
  EXPECT_EQ(answers_.size(), 1u);
  clock_.Advance(seconds(20));
  parking_.Expire(clock_.SteadyNow());
  EXPECT_EQ(answers_, (std::vector<std::string>{"a#1:0", "a#2:0"}));
}

TEST_F(PollParkingTest, AnAnswerWithRunsUnparksOnlyThatAgent) {
  // Given two parked polls, answering one with runs leaves the other parked; answering an
  // agent with no parked poll does nothing.
  Park("a", seconds(30));
  Park("b", seconds(30));
  parking_.Answer("b", std::vector<store::RunRecord>(3));
  parking_.Answer("nobody", {});
  EXPECT_EQ(answers_, (std::vector<std::string>{"b#2:3"}));
  EXPECT_EQ(parking_.size(), 1u);
  // b's old deadline entry is passed over when its time comes.
  clock_.Advance(seconds(30));
  parking_.Expire(clock_.SteadyNow());
  EXPECT_EQ(answers_, (std::vector<std::string>{"b#2:3", "a#1:0"}));
}

TEST_F(PollParkingTest, TurnsGoToTheLeastLoadedThenTheLongestWaiting) {
  // Given four polls and loads a:2, b:0, c:1, d:0, the order is b, d (arrived later), c, a.
  Park("a", seconds(30));
  Park("b", seconds(30));
  Park("c", seconds(30));
  Park("d", seconds(30));
  const std::map<std::string, int> load = {{"a", 2}, {"c", 1}};
  std::vector<std::string> order;
  for (const ParkedPoll* poll : parking_.InTurn([&](const std::string& id) {
         auto it = load.find(id);
         return it == load.end() ? 0 : it->second;
       })) {
    order.push_back(poll->agent.agent_id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"b", "d", "c", "a"}));
}

TEST_F(PollParkingTest, AReplacedPollGoesToTheBackOfItsTurn) {
  // Given a and b parked, a polling again arrives after b: among equals b goes first.
  Park("a", seconds(30));
  Park("b", seconds(30));
  Park("a", seconds(30));
  std::vector<std::string> order;
  for (const ParkedPoll* poll : parking_.InTurn([](const std::string&) { return 0; })) {
    order.push_back(poll->agent.agent_id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"b", "a"}));
}

TEST_F(PollParkingTest, AnswerAllEndsEveryPoll) {
  // Given three parked polls, AnswerAll answers each empty and leaves nothing to wake for.
  Park("a", seconds(30));
  Park("b", seconds(40));
  Park("c", seconds(50));
  parking_.AnswerAll();
  EXPECT_EQ(answers_.size(), 3u);
  EXPECT_TRUE(parking_.empty());
  EXPECT_EQ(parking_.NextWakeUp(), std::nullopt);
}

TEST_F(PollParkingTest, AnAnswerMayParkTheNextPollOfItsAgent) {
  // Given an agent that polls again from inside its answer (as a client renewing at once
  // would), the new poll stays parked.
  parking_.Park(AgentIdentity{"a", "a-host", {1}}, "pool", clock_.SteadyNow() + seconds(1),
                [this](std::vector<store::RunRecord>) { Park("a", seconds(30)); });
  clock_.Advance(seconds(1));
  parking_.Expire(clock_.SteadyNow());
  EXPECT_EQ(parking_.size(), 1u);
  EXPECT_TRUE(answers_.empty());
}

}  // namespace
}  // namespace orch::scheduler
