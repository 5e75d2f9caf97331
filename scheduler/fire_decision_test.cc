#include "scheduler/fire_decision.h"

#include <gtest/gtest.h>

#include "jobs/iso_time.h"

namespace orch::scheduler {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

WallTime At(const char* iso) {
  return jobs::ParseIsoTime(iso).value();
}

jobs::Schedule IntervalOf(int minutes) {
  return jobs::Schedule{jobs::Interval{minutes}};
}

TEST(DecideFireTest, OneShotRunsAtItsDueTimeHoweverLate) {
  // Given an ExactlyOnce fire a day late, it runs at its own time and fires no more.
  jobs::Schedule once{jobs::ExactlyOnce{At("2027-01-01T08:00:00Z")}};
  store::FireDecision d = DecideFire(once, At("2026-12-01T00:00:00Z"), At("2027-01-01T08:00:00Z"),
                                     At("2027-01-02T08:00:00Z"), false, hours(1));
  EXPECT_EQ(d.run_at, At("2027-01-01T08:00:00Z"));
  EXPECT_FALSE(d.next_fire.has_value());
  EXPECT_EQ(d.missed_catchup, 0);
}

TEST(DecideFireTest, TimelyRecurringFireRunsAndPointsAtTheNext) {
  // Given an Interval fire that is due now, it runs and the next fire is one period later.
  const WallTime anchor = At("2027-01-01T00:00:00Z");
  store::FireDecision d = DecideFire(IntervalOf(30), anchor, anchor + minutes(30),
                                     anchor + minutes(30), false, hours(1));
  EXPECT_EQ(d.run_at, anchor + minutes(30));
  EXPECT_EQ(d.next_fire, anchor + minutes(60));
  EXPECT_EQ(d.missed_catchup, 0);
  EXPECT_EQ(d.skipped_overlap, 0);
}

TEST(DecideFireTest, MissedFiresInsideTheWindowRunOnceAtTheLatest) {
  // Given an hourly job down for 5.5 hours, the latest fire (30 minutes old) runs once and the
  // four before it are counted as missed.
  const WallTime anchor = At("2027-01-01T00:00:00Z");
  store::FireDecision d = DecideFire(IntervalOf(60), anchor, anchor + hours(1),
                                     anchor + hours(5) + minutes(30), false, hours(1));
  EXPECT_EQ(d.run_at, anchor + hours(5));
  EXPECT_EQ(d.missed_catchup, 4);
  EXPECT_EQ(d.next_fire, anchor + hours(6));
}

TEST(DecideFireTest, MissedFireOutsideTheWindowIsSkippedAndCounted) {
  // Given a daily 12:00 job first looked at 14:00, nothing runs, one fire is missed and the
  // job resumes the next day.
  jobs::Schedule daily = jobs::ParseCompactSchedule("D_12:00").value();
  store::FireDecision d = DecideFire(daily, At("2027-01-01T00:00:00Z"), At("2027-01-05T12:00:00Z"),
                                     At("2027-01-05T14:00:00Z"), false, hours(1));
  EXPECT_FALSE(d.run_at.has_value());
  EXPECT_EQ(d.missed_catchup, 1);
  EXPECT_EQ(d.next_fire, At("2027-01-06T12:00:00Z"));
}

TEST(DecideFireTest, OpenRunSkipsTheFireForOverlap) {
  // Given a recurring job whose previous run is still open, the fire is skipped for overlap.
  const WallTime anchor = At("2027-01-01T00:00:00Z");
  store::FireDecision d = DecideFire(IntervalOf(10), anchor, anchor + minutes(10),
                                     anchor + minutes(10), true, hours(1));
  EXPECT_FALSE(d.run_at.has_value());
  EXPECT_EQ(d.skipped_overlap, 1);
  EXPECT_EQ(d.missed_catchup, 0);
  EXPECT_EQ(d.next_fire, anchor + minutes(20));
}

TEST(DecideFireTest, YearsOfMinuteFiresStayCheapAndCounted) {
  // Given a one-minute Interval first looked at three years late, the latest fire runs and
  // at least a million misses are counted.
  const WallTime anchor = At("2024-01-01T00:00:00Z");
  const WallTime now = At("2027-01-01T00:00:30Z");
  store::FireDecision d =
      DecideFire(IntervalOf(1), anchor, anchor + minutes(1), now, false, hours(1));
  EXPECT_EQ(d.run_at, At("2027-01-01T00:00:00Z"));
  EXPECT_GE(d.missed_catchup, 1'000'000);
  EXPECT_EQ(d.next_fire, At("2027-01-01T00:01:00Z"));
}

}  // namespace
}  // namespace orch::scheduler
