#include "scheduler/fire_queue.h"

#include <algorithm>
#include <random>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

namespace orch::scheduler {
namespace {

using store::FireEntry;

std::vector<std::pair<int64_t, int64_t>> Keys(const std::vector<FireEntry>& entries) {
  std::vector<std::pair<int64_t, int64_t>> keys;
  for (const FireEntry& e : entries) keys.emplace_back(e.fire_ms, e.job_seq);
  return keys;
}

TEST(FireQueueTest, PopsDueEntriesEarliestFirstThenByJob) {
  // Given entries pushed out of order, those due come out by fire time, ties by job row, and
  // the later ones stay.
  FireQueue queue;
  queue.Push({300, 1});
  queue.Push({100, 7});
  queue.Push({100, 2});
  queue.Push({200, 5});
  EXPECT_EQ(queue.size(), 4u);
  EXPECT_EQ(queue.NextFireMs(), 100);
  EXPECT_FALSE(queue.HasDue(99));
  ASSERT_TRUE(queue.HasDue(200));
  EXPECT_EQ(Keys(queue.PopDue(200, 10)),
            (std::vector<std::pair<int64_t, int64_t>>{{100, 2}, {100, 7}, {200, 5}}));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.NextFireMs(), 300);
}

TEST(FireQueueTest, PopsAtMostTheLimitAndLeavesTheRestDue) {
  // Given five due entries and a limit of two, three passes take 2, 2 and 1.
  FireQueue queue;
  for (int64_t seq = 1; seq <= 5; ++seq) queue.Push({10, seq});
  EXPECT_EQ(queue.PopDue(10, 2).size(), 2u);
  EXPECT_TRUE(queue.HasDue(10));
  EXPECT_EQ(queue.PopDue(10, 2).size(), 2u);
  EXPECT_EQ(Keys(queue.PopDue(10, 2)), (std::vector<std::pair<int64_t, int64_t>>{{10, 5}}));
  EXPECT_FALSE(queue.HasDue(10));
  EXPECT_EQ(queue.NextFireMs(), std::nullopt);
}

TEST(FireQueueTest, DequeuedEntriesStopCountingAndNeverComeOut) {
  // Given three entries of which two are dequeued, size counts one at once, and popping skips
  // the dequeued ones without counting them against the limit.
  FireQueue queue;
  queue.Push({10, 1});
  queue.Push({20, 2});
  queue.Push({30, 3});
  queue.Dequeue({10, 1});
  queue.Dequeue({20, 2});
  EXPECT_EQ(queue.size(), 1u);
  // The earliest entry is dequeued, but the queue still wakes for it: nothing to search.
  EXPECT_EQ(queue.NextFireMs(), 10);
  EXPECT_EQ(Keys(queue.PopDue(30, 1)), (std::vector<std::pair<int64_t, int64_t>>{{30, 3}}));
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_EQ(queue.NextFireMs(), std::nullopt);
  // The same job queued again later fires normally: its old mark was used up.
  queue.Push({10, 1});
  EXPECT_EQ(queue.PopDue(10, 1).size(), 1u);
}

TEST(FireQueueTest, LoadReplacesTheQueue) {
  // Given a queue with entries, a load (a restart) holds exactly the loaded ones, in order.
  FireQueue queue;
  queue.Push({5, 99});
  queue.Dequeue({5, 99});
  queue.Load({{40, 4}, {10, 1}, {30, 3}, {20, 2}});
  EXPECT_EQ(queue.size(), 4u);
  EXPECT_EQ(Keys(queue.PopDue(100, 100)),
            (std::vector<std::pair<int64_t, int64_t>>{{10, 1}, {20, 2}, {30, 3}, {40, 4}}));
}

TEST(FireQueueTest, MatchesASortedListUnderRandomPushesAndPops) {
  // Given random pushes, dequeues and pops, the queue answers what a sorted list would.
  std::mt19937 random(7);
  FireQueue queue;
  std::vector<std::pair<int64_t, int64_t>> model;  // live entries, sorted when read
  int64_t next_seq = 0;
  int64_t now = 0;
  for (int step = 0; step < 5000; ++step) {
    const int what = static_cast<int>(random() % 4);
    if (what <= 1) {
      const FireEntry e{now + static_cast<int64_t>(random() % 100), ++next_seq};
      queue.Push(e);
      model.emplace_back(e.fire_ms, e.job_seq);
    } else if (what == 2 && !model.empty()) {
      const size_t i = random() % model.size();
      queue.Dequeue({model[i].first, model[i].second});
      model.erase(model.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      now += static_cast<int64_t>(random() % 20);
      const size_t limit = 1 + random() % 5;
      std::sort(model.begin(), model.end());
      std::vector<std::pair<int64_t, int64_t>> expected;
      while (expected.size() < limit && !model.empty() && model.front().first <= now) {
        expected.push_back(model.front());
        model.erase(model.begin());
      }
      ASSERT_EQ(Keys(queue.PopDue(now, limit)), expected) << "step " << step;
    }
    ASSERT_EQ(queue.size(), model.size()) << "step " << step;
  }
}

}  // namespace
}  // namespace orch::scheduler
