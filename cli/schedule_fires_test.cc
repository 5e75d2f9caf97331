// The fires of schedules built from flags, as the daemon computes them: across DST changes,
// on local weekdays and month ends, and the same whichever way the schedule was written.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/schedule_flags.h"
#include "cli/schedule_flags_test_support.h"
#include "jobs/schedule.h"
#include "tests/testing/status_matchers.h"

namespace orch::cli {
namespace {

using nlohmann::json;
using std::chrono::hours;
using testing::At;
using testing::Build;
using testing::Fires;
using testing::FiresOf;
using testing::kWinterNow;
using testing::Zone;

TEST(ScheduleFlagsTest, MonthlyLastFiresOnEveryMonthsLastDay) {
  // Given --monthly last@03:00 in Berlin, the daemon fires on the 31st, the 29th of a leap
  // February and the 30th, each at 03:00 local time, DST or not.
  ASSERT_OK_AND_ASSIGN(
      json built, Build({.monthly = "last@03:00", .tz = "Europe/Berlin"}, "2028-01-20T10:00:00Z"));
  EXPECT_EQ(Fires(built, "2028-01-20T10:00:00Z", 4),
            (std::vector<std::string>{"2028-01-31T02:00:00Z", "2028-02-29T02:00:00Z",
                                      "2028-03-31T01:00:00Z", "2028-04-30T01:00:00Z"}));
}

struct DstCase {
  ScheduleFlags flags;
  std::string local_zone;
  std::string now;
  std::vector<std::string> fires;
};

TEST(ScheduleFlagsTest, DailyKeepsItsBerlinTimeAcrossDstChanges) {
  // Given --daily 08:00 in Berlin (by --tz or as the machine zone) around the 2027 changes, the
  // daemon fires at 08:00 Berlin time every day: 07:00Z in winter, 06:00Z in summer.
  std::vector<DstCase> cases = {
      {{.daily = "08:00", .tz = "Europe/Berlin"},
       "",
       "2027-03-26T12:00:00Z",
       {"2027-03-27T07:00:00Z", "2027-03-28T06:00:00Z", "2027-03-29T06:00:00Z"}},
      {{.daily = "08:00"},
       "Europe/Berlin",
       "2027-03-26T12:00:00Z",
       {"2027-03-27T07:00:00Z", "2027-03-28T06:00:00Z", "2027-03-29T06:00:00Z"}},
      {{.daily = "08:00", .tz = "Europe/Berlin"},
       "",
       "2027-10-29T12:00:00Z",
       {"2027-10-30T06:00:00Z", "2027-10-31T07:00:00Z", "2027-11-01T07:00:00Z"}},
      {{.daily = "08:00"},
       "Europe/Berlin",
       "2027-10-29T12:00:00Z",
       {"2027-10-30T06:00:00Z", "2027-10-31T07:00:00Z", "2027-11-01T07:00:00Z"}},
  };
  for (const DstCase& c : cases) {
    ASSERT_OK_AND_ASSIGN(json built, Build(c.flags, c.now, Zone(c.local_zone)));
    std::vector<std::string> fires = Fires(built, c.now, 3);
    EXPECT_EQ(fires, c.fires) << built.dump();
    for (const std::string& fire : fires) {
      auto local = Zone("Europe/Berlin").ToLocal(At(fire));
      EXPECT_EQ(local - std::chrono::floor<std::chrono::days>(local), hours(8)) << fire;
    }
  }
}

TEST(ScheduleFlagsTest, TimeSkippedByTodaysGapStillMeansThatTimeOfDay) {
  // Given --daily 02:30 in Berlin on the day 02:30 does not exist, the start is taken from the
  // day before so the time of day stays 02:30: today fires when the gap ends, then at 02:30.
  ASSERT_OK_AND_ASSIGN(json after_gap,
                       Build({.daily = "02:30", .tz = "Europe/Berlin"}, "2027-03-28T10:00:00Z"));
  EXPECT_EQ(after_gap, json::parse(R"({"Daily": {"Time": "2027-03-27T01:30:00Z",
                                                 "TimeZone": "Europe/Berlin"}})"));
  EXPECT_EQ(Fires(after_gap, "2027-03-28T10:00:00Z", 2),
            (std::vector<std::string>{"2027-03-29T00:30:00Z", "2027-03-30T00:30:00Z"}));

  ASSERT_OK_AND_ASSIGN(json before_gap,
                       Build({.daily = "02:30", .tz = "Europe/Berlin"}, "2027-03-28T00:00:00Z"));
  EXPECT_EQ(Fires(before_gap, "2027-03-28T00:00:00Z", 2),
            (std::vector<std::string>{"2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"}));
}

TEST(ScheduleFlagsTest, TimeRepeatedByFallBackFiresOnce) {
  // Given --daily 02:30 in Berlin built on the fall-back day, it fires once that day, at the
  // first 02:30 (CEST), and at 02:30 CET after.
  ASSERT_OK_AND_ASSIGN(json built,
                       Build({.daily = "02:30", .tz = "Europe/Berlin"}, "2027-10-31T00:00:00Z"));
  EXPECT_EQ(built["Daily"]["Time"], "2027-10-31T00:30:00Z");
  EXPECT_EQ(Fires(built, "2027-10-31T00:00:00Z", 2),
            (std::vector<std::string>{"2027-10-31T00:30:00Z", "2027-11-01T01:30:00Z"}));
}

TEST(ScheduleFlagsTest, WeeklyFiresOnTheNamedLocalDays) {
  // Given --weekly in Berlin, it fires on the named Berlin weekdays at the Berlin time, even
  // when that is the day before in UTC.
  ASSERT_OK_AND_ASSIGN(json afternoon, Build({.weekly = "mon,wed@13:30", .tz = "Europe/Berlin"}));
  EXPECT_EQ(Fires(afternoon, kWinterNow, 3),
            (std::vector<std::string>{"2027-01-20T12:30:00Z", "2027-01-25T12:30:00Z",
                                      "2027-01-27T12:30:00Z"}));

  ASSERT_OK_AND_ASSIGN(json past_midnight,
                       Build({.weekly = "monday@00:30"}, kWinterNow, Zone("Europe/Berlin")));
  EXPECT_EQ(Fires(past_midnight, kWinterNow, 2),
            (std::vector<std::string>{"2027-01-24T23:30:00Z", "2027-01-31T23:30:00Z"}));
}

TEST(ScheduleFlagsTest, EveryBuildRoundTripsThroughTheJobsLibrary) {
  // Given one good value of each flag, the JSON parses back to the Schedule built from the
  // flags and fires at the same times; a compact calendar form gains only a 1970 start.
  std::vector<ScheduleFlags> cases = {
      {.now = true},
      {.at = "2027-01-31T08:00"},
      {.every = "2h"},
      {.daily = "02:00"},
      {.weekly = "mon,fri@13:30:15"},
      {.monthly = "last@03:00", .tz = "America/New_York"},
      {.schedule = "W_246_13:30"},
  };
  for (const ScheduleFlags& flags : cases) {
    ASSERT_OK_AND_ASSIGN(jobs::Schedule schedule,
                         ScheduleFromFlags(flags, At(kWinterNow), Zone("Europe/Berlin")));
    ASSERT_OK_AND_ASSIGN(json built, Build(flags, kWinterNow, Zone("Europe/Berlin")));
    ASSERT_OK_AND_ASSIGN(jobs::Schedule parsed, jobs::ParseScheduleJson(built));
    if (!flags.schedule) {
      EXPECT_EQ(parsed, schedule) << built.dump();
    }
    EXPECT_EQ(FiresOf(parsed, kWinterNow, 5), FiresOf(schedule, kWinterNow, 5)) << built.dump();
  }
}

}  // namespace
}  // namespace orch::cli
