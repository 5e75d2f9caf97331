#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jobs/iso_time.h"
#include "jobs/schedule.h"
#include "tests/testing/status_matchers.h"

namespace orch::jobs {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TEST(ScheduleCompactTest, RoundTripsExactly) {
  // Given each compact form, string → Schedule → string gives the same string back.
  for (std::string compact : {"I_30", "I_1", "I_525600", "D_23:00", "D_00:00", "W_246_13:30",
                              "W_17_06:05", "W_1234567_00:00", "M_L_03:00", "M_1_03:00",
                              "M_29_12:00", "O_2027-01-31T08:00", "D_23:00:30"}) {
    ASSERT_OK_AND_ASSIGN(Schedule schedule, ParseCompactSchedule(compact));
    EXPECT_OK(ValidateSchedule(schedule));
    EXPECT_EQ(CompactSchedule(schedule), compact);
  }
}

TEST(ScheduleCompactTest, ParsesToTheMeaningOfEachForm) {
  // Given compact strings, each parses to the member and values it stands for.
  ASSERT_OK_AND_ASSIGN(Schedule interval, ParseCompactSchedule("I_30"));
  EXPECT_EQ(interval, Schedule{Interval{30}});

  ASSERT_OK_AND_ASSIGN(Schedule weekly, ParseCompactSchedule("W_246_13:30"));
  const Weekly& w = std::get<Weekly>(weekly.value);
  EXPECT_EQ(w.days.to_ulong(), 0b0101010u);  // Monday, Wednesday, Friday
  EXPECT_EQ(w.at.time_of_day, hours(13) + minutes(30));
  EXPECT_EQ(w.at.start, std::nullopt);
  EXPECT_EQ(w.at.time_zone, "");

  ASSERT_OK_AND_ASSIGN(Schedule last, ParseCompactSchedule("M_L_03:00"));
  EXPECT_EQ(std::get<Monthly>(last.value).day, 31);

  ASSERT_OK_AND_ASSIGN(Schedule once, ParseCompactSchedule("O_2027-01-31T08:00"));
  EXPECT_EQ(FormatIsoTime(std::get<ExactlyOnce>(once.value).time), "2027-01-31T08:00:00Z");

  ASSERT_OK_AND_ASSIGN(Schedule immediate, ParseCompactSchedule(""));
  EXPECT_EQ(immediate, Schedule{Immediate{}});
  EXPECT_EQ(CompactSchedule(immediate), std::nullopt);
}

TEST(ScheduleCompactTest, NormalisesEquivalentSpellings) {
  // Given spellings that mean the same schedule, the printed form is the canonical one.
  struct Case {
    std::string in;
    std::string out;
  };
  for (const Case& c : std::vector<Case>{{"M_31_03:00", "M_L_03:00"},
                                         {"m_l_03:00", "M_L_03:00"},
                                         {"W_642_13:30", "W_246_13:30"},
                                         {"M_05_03:00", "M_5_03:00"},
                                         {"d_07:15", "D_07:15"},
                                         {"O_2027-01-31T08:00:00Z", "O_2027-01-31T08:00"}}) {
    ASSERT_OK_AND_ASSIGN(Schedule schedule, ParseCompactSchedule(c.in));
    EXPECT_EQ(CompactSchedule(schedule), c.out) << c.in;
  }
}

TEST(ScheduleCompactTest, RejectsMalformedStrings) {
  // Given malformed compact strings, each is InvalidArgument.
  for (std::string bad : {"X_30",
                          "I_",
                          "I_0",
                          "I_525601",
                          "I_30m",
                          "I30",
                          "D_24:00",
                          "D_7:00",
                          "D_07:60",
                          "W__13:30",
                          "W_8_13:30",
                          "W_0_13:30",
                          "W_22_13:30",
                          "W_2",
                          "M_0_03:00",
                          "M_32_03:00",
                          "M_X_03:00",
                          "M_L",
                          "O_2027-02-30T08:00",
                          "O_tomorrow",
                          "null"}) {
    StatusOr<Schedule> parsed = ParseCompactSchedule(bad);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ScheduleCompactTest, ZonedSchedulesPrintTheirLocalTimeOfDay) {
  // Given a Daily at 13:30 Berlin time, the compact form shows the local time of day.
  Daily daily;
  daily.at.time_of_day = hours(13) + minutes(30);
  daily.at.time_zone = "Europe/Berlin";
  EXPECT_EQ(CompactSchedule(Schedule{daily}), "D_13:30");
}

}  // namespace
}  // namespace orch::jobs
