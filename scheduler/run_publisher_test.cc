#include "scheduler/run_publisher.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace orch::scheduler {
namespace {

store::RunRecord RunNumbered(int64_t id) {
  store::RunRecord run;
  run.run_id = id;
  return run;
}

TEST(RunPublisherTest, EveryListenerHearsEveryRunInSubscriptionOrder) {
  // Given two listeners, both hear each run, the first subscribed first.
  RunPublisher publisher;
  EXPECT_TRUE(publisher.empty());
  std::vector<std::string> heard;
  const uint64_t a = publisher.Subscribe(
      [&](const store::RunRecord& run) { heard.push_back("a" + std::to_string(run.run_id)); });
  const uint64_t b = publisher.Subscribe(
      [&](const store::RunRecord& run) { heard.push_back("b" + std::to_string(run.run_id)); });
  EXPECT_NE(a, b);
  EXPECT_FALSE(publisher.empty());
  publisher.Publish(RunNumbered(1));
  publisher.Publish(RunNumbered(2));
  EXPECT_EQ(heard, (std::vector<std::string>{"a1", "b1", "a2", "b2"}));
}

TEST(RunPublisherTest, AnUnsubscribedListenerHearsNothingMore) {
  // Given a listener unsubscribed, later runs reach only the others; its handle is not reused.
  RunPublisher publisher;
  int a_heard = 0;
  int b_heard = 0;
  const uint64_t a = publisher.Subscribe([&](const store::RunRecord&) { ++a_heard; });
  publisher.Subscribe([&](const store::RunRecord&) { ++b_heard; });
  publisher.Publish(RunNumbered(1));
  publisher.Unsubscribe(a);
  publisher.Unsubscribe(a);  // twice is harmless
  publisher.Publish(RunNumbered(2));
  EXPECT_EQ(a_heard, 1);
  EXPECT_EQ(b_heard, 2);
  EXPECT_NE(publisher.Subscribe([](const store::RunRecord&) {}), a);
}

TEST(RunPublisherTest, AListenerMayUnsubscribeItselfDuringItsCall) {
  // Given a listener that unsubscribes itself on the first run, it hears that run only, its
  // captured state stays valid through the call, and the next listener still hears it.
  RunPublisher publisher;
  std::vector<std::string> heard;
  uint64_t self = 0;
  const std::string name = "once";
  self = publisher.Subscribe([&, name](const store::RunRecord&) {
    publisher.Unsubscribe(self);
    heard.push_back(name);  // `name` lives in the listener, which is being unsubscribed
  });
  publisher.Subscribe([&](const store::RunRecord&) { heard.push_back("always"); });
  publisher.Publish(RunNumbered(1));
  publisher.Publish(RunNumbered(2));
  EXPECT_EQ(heard, (std::vector<std::string>{"once", "always", "always"}));
}

TEST(RunPublisherTest, AListenerRemovedDuringAPublishIsNotCalledForIt) {
  // Given a first listener that unsubscribes the second, the second does not hear that run.
  RunPublisher publisher;
  uint64_t second = 0;
  int second_heard = 0;
  publisher.Subscribe([&](const store::RunRecord&) { publisher.Unsubscribe(second); });
  second = publisher.Subscribe([&](const store::RunRecord&) { ++second_heard; });
  publisher.Publish(RunNumbered(1));
  EXPECT_EQ(second_heard, 0);
  EXPECT_FALSE(publisher.empty());
}

TEST(RunPublisherTest, AListenerAddedDuringAPublishHearsOnlyLaterRuns) {
  // Given a listener that subscribes another on its first call, the new one hears from the
  // next run on.
  RunPublisher publisher;
  std::vector<int64_t> late_heard;
  bool added = false;
  publisher.Subscribe([&](const store::RunRecord&) {
    if (added) return;
    added = true;
    publisher.Subscribe([&](const store::RunRecord& run) { late_heard.push_back(run.run_id); });
  });
  publisher.Publish(RunNumbered(1));
  publisher.Publish(RunNumbered(2));
  EXPECT_EQ(late_heard, (std::vector<int64_t>{2}));
}

}  // namespace
}  // namespace orch::scheduler
