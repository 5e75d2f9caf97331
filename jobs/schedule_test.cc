#include "jobs/schedule.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jobs/iso_time.h"
#include "jobs/time_zone.h"
#include "tests/testing/status_matchers.h"

namespace orch::jobs {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// A hand-made instant; the tests never read the real clock.
WallTime At(std::string_view iso) {
  StatusOr<WallTime> time = ParseIsoTime(iso);
  EXPECT_TRUE(time.ok()) << iso << ": " << time.status().ToString();
  return time.ok() ? *time : WallTime();
}

std::string Iso(std::optional<WallTime> time) {
  return time ? FormatIsoTime(*time) : std::string("never");
}

CalendarTime AtTimeOfDay(seconds time_of_day, std::string zone = "",
                         std::optional<WallTime> start = std::nullopt) {
  CalendarTime at;
  at.time_of_day = time_of_day;
  at.time_zone = std::move(zone);
  at.start = start;
  return at;
}

// The first `count` fires after `after`, as ISO strings.
std::vector<std::string> Fires(const Schedule& schedule, WallTime anchor, WallTime after,
                               int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    std::optional<WallTime> next = NextFire(schedule, anchor, after);
    out.push_back(Iso(next));
    if (!next) break;
    after = *next;
  }
  return out;
}

Weekly WeeklyOn(std::initializer_list<int> days, CalendarTime at) {
  Weekly weekly;
  for (int day : days) weekly.days.set(static_cast<size_t>(day));
  weekly.at = std::move(at);
  return weekly;
}

TEST(ScheduleTest, ImmediateFiresOnceAtAcceptance) {
  // Given an Immediate schedule accepted at t, it is due at t and never again.
  Schedule schedule{Immediate{}};
  WallTime accepted = At("2027-01-10T09:15:00.250Z");
  EXPECT_EQ(FirstFire(schedule, accepted), accepted);
  EXPECT_EQ(NextFire(schedule, accepted, accepted - seconds(1)), accepted);
  EXPECT_EQ(NextFire(schedule, accepted, accepted), std::nullopt);
  EXPECT_FALSE(IsRecurring(schedule));
}

TEST(ScheduleTest, ExactlyOnceFiresAtItsTimeEvenWhenPast) {
  // Given ExactlyOnce at T, the first fire is T whether T is ahead of or behind acceptance.
  struct Case {
    std::string time;
    std::string accepted;
  };
  for (const Case& c : std::vector<Case>{{"2027-01-31T08:00:00Z", "2027-01-01T00:00:00Z"},
                                         {"2026-01-31T08:00:00Z", "2027-01-01T00:00:00Z"}}) {
    Schedule schedule{ExactlyOnce{At(c.time)}};
    EXPECT_EQ(Iso(FirstFire(schedule, At(c.accepted))), c.time);
    EXPECT_EQ(NextFire(schedule, At(c.accepted), At(c.time) - seconds(1)), At(c.time));
    EXPECT_EQ(NextFire(schedule, At(c.accepted), At(c.time)), std::nullopt);
  }
}

TEST(ScheduleTest, IntervalFiresAtAnchorPlusMultiples) {
  // Given Interval 30 accepted at 09:00:00.5, fires fall on anchor + k·30 min, k ≥ 1.
  Schedule schedule{Interval{30}};
  WallTime anchor = At("2027-01-10T09:00:00.500Z");
  EXPECT_EQ(Iso(FirstFire(schedule, anchor)), "2027-01-10T09:30:00.500Z");
  struct Case {
    std::string after;
    std::string next;
  };
  for (const Case& c : std::vector<Case>{
           {"2027-01-10T08:00:00Z", "2027-01-10T09:30:00.500Z"},
           {"2027-01-10T09:30:00.500Z", "2027-01-10T10:00:00.500Z"},
           {"2027-01-10T09:30:00.499Z", "2027-01-10T09:30:00.500Z"},
           {"2027-01-12T17:47:00Z", "2027-01-12T18:00:00.500Z"},
       }) {
    EXPECT_EQ(Iso(NextFire(schedule, anchor, At(c.after))), c.next) << "after " << c.after;
  }
}

TEST(ScheduleTest, IntervalHasNoDriftOverTenThousandFires) {
  // Given Interval 7 with a sub-second anchor, fire k after chaining is exactly anchor + 7k min.
  Schedule schedule{Interval{7}};
  WallTime anchor = At("2027-03-01T00:00:00.123Z") + std::chrono::nanoseconds(456789);
  WallTime after = anchor;
  for (int k = 1; k <= 10000; ++k) {
    std::optional<WallTime> next = NextFire(schedule, anchor, after);
    ASSERT_TRUE(next.has_value());
    ASSERT_EQ(*next, anchor + k * minutes(7)) << "fire " << k;
    after = *next;
  }
}

TEST(ScheduleTest, DailyFirstFireDependsOnWhetherTIsAhead) {
  // Given Daily at T, the first fire is T when T is ahead of acceptance, else the next 13:30.
  struct Case {
    std::string start;
    std::string accepted;
    std::string first;
  };
  for (const Case& c : std::vector<Case>{
           {"2027-02-01T13:30:00Z", "2027-01-10T08:00:00Z", "2027-02-01T13:30:00Z"},
           {"2027-01-01T13:30:00Z", "2027-01-10T08:00:00Z", "2027-01-10T13:30:00Z"},
           {"2027-01-01T13:30:00Z", "2027-01-10T14:00:00Z", "2027-01-11T13:30:00Z"},
           {"2027-01-01T13:30:00Z", "2027-01-10T13:30:00Z", "2027-01-10T13:30:00Z"},
       }) {
    Schedule schedule{Daily{AtTimeOfDay(std::chrono::hours(13) + minutes(30), "", At(c.start))}};
    EXPECT_EQ(Iso(FirstFire(schedule, At(c.accepted))), c.first) << c.start << " " << c.accepted;
  }
}

TEST(ScheduleTest, DailyWithoutStartFiresEveryDay) {
  // Given D_23:00 (no start) accepted mid-day, it fires at 23:00 on each following day.
  Schedule schedule{Daily{AtTimeOfDay(std::chrono::hours(23))}};
  WallTime accepted = At("2027-12-30T12:00:00Z");
  EXPECT_EQ(Iso(FirstFire(schedule, accepted)), "2027-12-30T23:00:00Z");
  EXPECT_EQ(Fires(schedule, accepted, accepted, 3),
            (std::vector<std::string>{"2027-12-30T23:00:00Z", "2027-12-31T23:00:00Z",
                                      "2028-01-01T23:00:00Z"}));
}

TEST(ScheduleTest, WeeklyCrossesTheWeekBoundary) {
  // Given Weekly on Saturday and Monday at 06:00, fires alternate Sat, Mon across weeks.
  Schedule schedule{WeeklyOn({6, 1}, AtTimeOfDay(std::chrono::hours(6)))};
  WallTime accepted = At("2027-01-01T12:00:00Z");  // a Friday
  EXPECT_EQ(Iso(FirstFire(schedule, accepted)), "2027-01-02T06:00:00Z");
  EXPECT_EQ(Fires(schedule, accepted, accepted, 4),
            (std::vector<std::string>{"2027-01-02T06:00:00Z", "2027-01-04T06:00:00Z",
                                      "2027-01-09T06:00:00Z", "2027-01-11T06:00:00Z"}));
}

TEST(ScheduleTest, WeeklyStartOnAnUnlistedDayWaitsForAListedOne) {
  // Given Weekly on Monday with T on a Friday in the future, the first fire is the next Monday.
  Schedule schedule{
      WeeklyOn({1}, AtTimeOfDay(std::chrono::hours(9), "", At("2027-01-01T09:00:00Z")))};
  EXPECT_EQ(Iso(FirstFire(schedule, At("2026-12-01T00:00:00Z"))), "2027-01-04T09:00:00Z");
}

TEST(ScheduleTest, MonthlyShortMonthsFireOnTheLastDay) {
  // Given Monthly Day 29/30/31, months without that day fire on their last day.
  struct Case {
    int day;
    std::string after;
    std::vector<std::string> fires;
  };
  std::vector<Case> cases = {
      {31,
       "2028-01-15T00:00:00Z",  // leap year
       {"2028-01-31T03:00:00Z", "2028-02-29T03:00:00Z", "2028-03-31T03:00:00Z",
        "2028-04-30T03:00:00Z", "2028-05-31T03:00:00Z", "2028-06-30T03:00:00Z"}},
      {31,
       "2027-01-31T03:00:00Z",  // common year
       {"2027-02-28T03:00:00Z", "2027-03-31T03:00:00Z"}},
      {31,
       "2027-08-31T03:00:00Z",
       {"2027-09-30T03:00:00Z", "2027-10-31T03:00:00Z", "2027-11-30T03:00:00Z",
        "2027-12-31T03:00:00Z"}},
      {30, "2027-01-30T03:00:00Z", {"2027-02-28T03:00:00Z", "2027-03-30T03:00:00Z"}},
      {30, "2028-01-30T03:00:00Z", {"2028-02-29T03:00:00Z", "2028-03-30T03:00:00Z"}},
      {29, "2027-01-29T03:00:00Z", {"2027-02-28T03:00:00Z", "2027-03-29T03:00:00Z"}},
      {29, "2028-01-29T03:00:00Z", {"2028-02-29T03:00:00Z", "2028-03-29T03:00:00Z"}},
      {1, "2027-12-01T03:00:00Z", {"2028-01-01T03:00:00Z", "2028-02-01T03:00:00Z"}},
  };
  for (const Case& c : cases) {
    Schedule schedule{Monthly{c.day, AtTimeOfDay(std::chrono::hours(3))}};
    WallTime anchor = At("2027-01-01T00:00:00Z");
    EXPECT_EQ(Fires(schedule, anchor, At(c.after), static_cast<int>(c.fires.size())), c.fires)
        << "day " << c.day << " after " << c.after;
  }
}

TEST(ScheduleTest, CalendarNeverFiresBeforeAnchorOrStart) {
  // Given a Monthly with a start in May, asking from January still gives the May fire.
  Schedule schedule{
      Monthly{15, AtTimeOfDay(std::chrono::hours(3), "", At("2027-05-15T03:00:00Z"))}};
  WallTime anchor = At("2027-01-01T00:00:00Z");
  EXPECT_EQ(Iso(NextFire(schedule, anchor, anchor)), "2027-05-15T03:00:00Z");
  EXPECT_EQ(Iso(FirstFire(schedule, anchor)), "2027-05-15T03:00:00Z");
}

struct DstCase {
  std::string zone;
  seconds time_of_day;
  std::string after;
  std::vector<std::string> fires;
};

TEST(ScheduleTest, DailyAcrossDstTransitionsFiresOncePerDay) {
  // Given Daily local times across spring-forward and fall-back, each day fires exactly once:
  // a skipped time fires when the gap ends, a repeated time at its first occurrence.
  using std::chrono::hours;
  std::vector<DstCase> cases = {
      // Berlin spring-forward 2027-03-28: 02:00–03:00 CET does not exist.
      {"Europe/Berlin",
       hours(2) + minutes(30),
       "2027-03-27T00:00:00Z",
       {"2027-03-27T01:30:00Z", "2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"}},
      {"Europe/Berlin",
       hours(12),
       "2027-03-27T00:00:00Z",
       {"2027-03-27T11:00:00Z", "2027-03-28T10:00:00Z", "2027-03-29T10:00:00Z"}},
      // Berlin fall-back 2027-10-31: 02:00–03:00 happens twice.
      {"Europe/Berlin",
       hours(2) + minutes(30),
       "2027-10-30T00:00:00Z",
       {"2027-10-30T00:30:00Z", "2027-10-31T00:30:00Z", "2027-11-01T01:30:00Z"}},
      {"Europe/Berlin",
       hours(12),
       "2027-10-30T00:00:00Z",
       {"2027-10-30T10:00:00Z", "2027-10-31T11:00:00Z", "2027-11-01T11:00:00Z"}},
      // New York spring-forward 2027-03-14: 02:00–03:00 EST does not exist.
      {"America/New_York",
       hours(2) + minutes(30),
       "2027-03-13T00:00:00Z",
       {"2027-03-13T07:30:00Z", "2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z"}},
      // New York fall-back 2027-11-07: 01:00–02:00 happens twice.
      {"America/New_York",
       hours(1) + minutes(30),
       "2027-11-06T00:00:00Z",
       {"2027-11-06T05:30:00Z", "2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z"}},
      {"America/New_York",
       hours(0),
       "2027-11-06T00:00:00Z",
       {"2027-11-06T04:00:00Z", "2027-11-07T04:00:00Z", "2027-11-08T05:00:00Z"}},
  };
  for (const DstCase& c : cases) {
    Schedule schedule{Daily{AtTimeOfDay(c.time_of_day, c.zone)}};
    ASSERT_OK(ValidateSchedule(schedule));
    WallTime anchor = At("2027-01-01T00:00:00Z");
    EXPECT_EQ(Fires(schedule, anchor, At(c.after), 3), c.fires)
        << c.zone << " " << c.time_of_day.count() << "s after " << c.after;
  }
}

TEST(ScheduleTest, EveryLocalTimeFiresOncePerDayAcrossTransitions) {
  // Given Daily schedules at every quarter hour in Berlin and New York, over the days around
  // both 2027 transitions each local day fires exactly once: at the first instant showing the
  // local time, or, when the gap skips it, at the first instant after it.
  using std::chrono::days;
  using std::chrono::local_seconds;
  struct Window {
    std::string zone;
    std::string first_day;  // local midnight of the first day checked
  };
  for (const Window& w : std::vector<Window>{{"Europe/Berlin", "2027-03-26"},
                                             {"Europe/Berlin", "2027-10-29"},
                                             {"America/New_York", "2027-03-12"},
                                             {"America/New_York", "2027-11-05"}}) {
    ASSERT_OK_AND_ASSIGN(TimeZone zone, TimeZone::Locate(w.zone));
    const local_seconds first_day{
        std::chrono::duration_cast<seconds>(At(w.first_day + "T00:00:00Z").time_since_epoch())};
    for (seconds tod{0}; tod < std::chrono::hours(24); tod += minutes(15)) {
      Schedule schedule{Daily{AtTimeOfDay(tod, w.zone)}};
      WallTime after = zone.FromLocal(first_day) - seconds(1);
      for (int day = 0; day < 5; ++day) {
        std::optional<WallTime> fire = NextFire(schedule, At("2027-01-01T00:00:00Z"), after);
        ASSERT_TRUE(fire.has_value());
        const local_seconds wanted = first_day + days(day) + tod;
        const local_seconds shown = zone.ToLocal(*fire);
        SCOPED_TRACE(w.zone + " " + std::to_string(tod.count()) + "s day " + std::to_string(day));
        if (shown == wanted) {
          EXPECT_NE(zone.ToLocal(*fire - std::chrono::hours(1)), wanted) << "not the first";
        } else {
          EXPECT_GT(shown, wanted);
          EXPECT_LT(zone.ToLocal(*fire - seconds(1)), wanted) << "not right after the gap";
          EXPECT_LE(shown - wanted, std::chrono::hours(1));
        }
        after = *fire;
      }
    }
  }
}

TEST(ScheduleTest, ZonedWeeklyAndMonthlyOnTransitionDays) {
  // Given Weekly and Monthly schedules landing on transition days, a skipped local time fires
  // when the gap ends and a repeated one at its first occurrence.
  using std::chrono::hours;
  struct Case {
    Schedule schedule;
    std::string after;
    std::string fire;
  };
  std::vector<Case> cases = {
      // Sunday 2027-03-28 02:30 Berlin does not exist: 03:00 CEST = 01:00Z.
      {Schedule{WeeklyOn({0}, AtTimeOfDay(hours(2) + minutes(30), "Europe/Berlin"))},
       "2027-03-22T00:00:00Z", "2027-03-28T01:00:00Z"},
      {Schedule{Monthly{28, AtTimeOfDay(hours(2) + minutes(30), "Europe/Berlin")}},
       "2027-03-01T00:00:00Z", "2027-03-28T01:00:00Z"},
      // Sunday 2027-10-31 02:30 Berlin happens twice: first at 00:30Z (CEST).
      {Schedule{WeeklyOn({0}, AtTimeOfDay(hours(2) + minutes(30), "Europe/Berlin"))},
       "2027-10-25T00:00:00Z", "2027-10-31T00:30:00Z"},
      {Schedule{Monthly{31, AtTimeOfDay(hours(2) + minutes(30), "Europe/Berlin")}},
       "2027-10-01T00:00:00Z", "2027-10-31T00:30:00Z"},
      // Sunday 2027-03-14 02:30 New York does not exist: 03:00 EDT = 07:00Z.
      {Schedule{WeeklyOn({0}, AtTimeOfDay(hours(2) + minutes(30), "America/New_York"))},
       "2027-03-08T00:00:00Z", "2027-03-14T07:00:00Z"},
      {Schedule{Monthly{14, AtTimeOfDay(hours(2) + minutes(30), "America/New_York")}},
       "2027-03-01T00:00:00Z", "2027-03-14T07:00:00Z"},
      // Sunday 2027-11-07 01:30 New York happens twice: first at 05:30Z (EDT).
      {Schedule{WeeklyOn({0}, AtTimeOfDay(hours(1) + minutes(30), "America/New_York"))},
       "2027-11-01T00:00:00Z", "2027-11-07T05:30:00Z"},
      {Schedule{Monthly{7, AtTimeOfDay(hours(1) + minutes(30), "America/New_York")}},
       "2027-11-01T00:00:00Z", "2027-11-07T05:30:00Z"},
  };
  for (const Case& c : cases) {
    ASSERT_OK(ValidateSchedule(c.schedule));
    std::vector<std::string> fires = Fires(c.schedule, At("2027-01-01T00:00:00Z"), At(c.after), 2);
    EXPECT_EQ(fires[0], c.fire) << ScheduleMemberName(c.schedule) << " after " << c.after;
    EXPECT_NE(fires[1], c.fire);
  }
}

TEST(ScheduleTest, WeeklyAndMonthlyUseLocalDays) {
  // Given zoned Weekly/Monthly schedules, the weekday and day of month are local, not UTC.
  using std::chrono::hours;
  // 00:30 Berlin on Monday 2027-01-04 is Sunday 23:30 UTC.
  Schedule weekly{WeeklyOn({1}, AtTimeOfDay(minutes(30), "Europe/Berlin"))};
  EXPECT_EQ(Iso(NextFire(weekly, At("2027-01-01T00:00:00Z"), At("2027-01-01T00:00:00Z"))),
            "2027-01-03T23:30:00Z");
  // 20:00 New York on the last day of a month is 01:00 UTC on the 1st of the next.
  Schedule monthly{Monthly{31, AtTimeOfDay(hours(20), "America/New_York")}};
  WallTime anchor = At("2027-01-01T00:00:00Z");
  EXPECT_EQ(Fires(monthly, anchor, At("2027-01-31T12:00:00Z"), 2),
            (std::vector<std::string>{"2027-02-01T01:00:00Z", "2027-03-01T01:00:00Z"}));
}

TEST(ScheduleTest, ExtremeTimesAreSafe) {
  // Given `after` at the ends of WallTime, NextFire answers from the start or "never".
  WallTime anchor = At("2027-01-01T00:00:00Z");
  Schedule daily{Daily{AtTimeOfDay(std::chrono::hours(6))}};
  EXPECT_EQ(Iso(NextFire(daily, anchor, WallTime::min())), "2027-01-01T06:00:00Z");
  EXPECT_EQ(Iso(NextFire(Schedule{Interval{5}}, anchor, WallTime::min())), "2027-01-01T00:05:00Z");
  EXPECT_EQ(Iso(NextFire(Schedule{}, anchor, WallTime::min())), "2027-01-01T00:00:00Z");
  for (const Schedule& schedule : {daily, Schedule{Interval{5}}, Schedule{Monthly{31, {}}}}) {
    EXPECT_EQ(NextFire(schedule, anchor, WallTime::max()), std::nullopt);
    EXPECT_EQ(NextFire(schedule, WallTime::max(), anchor), std::nullopt);
    EXPECT_EQ(FirstFire(schedule, WallTime::min()), WallTime::max());
  }
}

TEST(ScheduleTest, ValidateRejectsOutOfRangeMembers) {
  // Given schedules built in code with bad values, validation names the field.
  struct Case {
    Schedule schedule;
    std::string field;
  };
  std::vector<Case> cases = {
      {Schedule{Interval{0}}, "Schedule.Interval.Minutes"},
      {Schedule{Interval{kMaxIntervalMinutes + 1}}, "Schedule.Interval.Minutes"},
      {Schedule{Weekly{}}, "Schedule.Weekly.Days"},
      {Schedule{Monthly{0, {}}}, "Schedule.Monthly.Day"},
      {Schedule{Monthly{32, {}}}, "Schedule.Monthly.Day"},
      {Schedule{Daily{AtTimeOfDay(std::chrono::hours(24))}}, "Schedule.Daily.Time"},
      {Schedule{Daily{AtTimeOfDay(seconds(0), "Mars/Olympus_Mons")}}, "Schedule.Daily.TimeZone"},
      {Schedule{Weekly{1, AtTimeOfDay(seconds(0), "", WallTime::max())}}, "Schedule.Weekly.Time"},
  };
  for (const Case& c : cases) {
    Status status = ValidateSchedule(c.schedule);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(status.field(), c.field);
  }
  EXPECT_OK(ValidateSchedule(Schedule{Interval{kMaxIntervalMinutes}}));
}

TEST(ScheduleTest, MemberNamesAndRecurrence) {
  // Given one schedule of each member, its name and recurrence are reported.
  EXPECT_EQ(ScheduleMemberName(Schedule{}), "Immediate");
  EXPECT_EQ(ScheduleMemberName(Schedule{ExactlyOnce{}}), "ExactlyOnce");
  EXPECT_EQ(ScheduleMemberName(Schedule{Interval{5}}), "Interval");
  EXPECT_EQ(ScheduleMemberName(Schedule{Daily{}}), "Daily");
  EXPECT_EQ(ScheduleMemberName(Schedule{Weekly{}}), "Weekly");
  EXPECT_EQ(ScheduleMemberName(Schedule{Monthly{}}), "Monthly");
  EXPECT_TRUE(IsRecurring(Schedule{Interval{5}}));
  EXPECT_TRUE(IsRecurring(Schedule{Monthly{}}));
  EXPECT_FALSE(IsRecurring(Schedule{ExactlyOnce{}}));
}

}  // namespace
}  // namespace orch::jobs
