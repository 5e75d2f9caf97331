#include "cli/schedule_flags.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/schedule_flags_test_support.h"
#include "jobs/iso_time.h"
#include "jobs/schedule.h"
#include "jobs/time_zone.h"
#include "tests/testing/status_matchers.h"

namespace orch::cli {
namespace {

using nlohmann::json;
using std::chrono::minutes;
using testing::Build;
using testing::ErrorOf;
using testing::Fires;
using testing::kWinterNow;
using testing::Zone;

TEST(ScheduleFlagsTest, NowIsImmediate) {
  // Given --now, the Schedule is Immediate.
  ASSERT_OK_AND_ASSIGN(json built, Build({.now = true}));
  EXPECT_EQ(built, json::parse(R"({"Immediate": true})"));
}

struct AtCase {
  std::string at;
  std::optional<std::string> tz;
  std::string local_zone;
  std::string want;
};

TEST(ScheduleFlagsTest, AtWithZoneOrOffsetIsAbsolute) {
  // Given --at with Z or an offset, the time is that instant in UTC, whatever the machine zone.
  std::vector<AtCase> cases = {
      {"2027-01-31T08:00Z", {}, "Europe/Berlin", "2027-01-31T08:00:00Z"},
      {"2027-01-31T08:00:15Z", {}, "Europe/Berlin", "2027-01-31T08:00:15Z"},
      {"2027-01-31T09:00+01:00", {}, "", "2027-01-31T08:00:00Z"},
      {"2027-01-31T03:00-05:00", {}, "Europe/Berlin", "2027-01-31T08:00:00Z"},
      {"2027-01-31t08:00z", {}, "", "2027-01-31T08:00:00Z"},
      {"2027-01-31T08:00:00.250Z", {}, "", "2027-01-31T08:00:00.250Z"},
      {"2027-01-31 08:00Z", {}, "", "2027-01-31T08:00:00Z"},
  };
  for (const AtCase& c : cases) {
    ASSERT_OK_AND_ASSIGN(json built,
                         Build({.at = c.at, .tz = c.tz}, kWinterNow, Zone(c.local_zone)));
    EXPECT_EQ(built, (json{{"ExactlyOnce", {{"Time", c.want}}}})) << c.at;
  }
}

TEST(ScheduleFlagsTest, AtWithoutZoneIsLocalInTzElseInTheMachineZone) {
  // Given --at without a zone designator, the digits are the wall clock of --tz or else of the
  // machine's zone; a time in a DST gap moves to its end, a repeated one is its first occurrence.
  std::vector<AtCase> cases = {
      {"2027-01-31T08:00", {}, "", "2027-01-31T08:00:00Z"},
      {"2027-01-31T08:00", {}, "Europe/Berlin", "2027-01-31T07:00:00Z"},
      {"2027-07-31T08:00", {}, "Europe/Berlin", "2027-07-31T06:00:00Z"},
      {"2027-01-31T08:00", "America/New_York", "Europe/Berlin", "2027-01-31T13:00:00Z"},
      {"2027-01-31T08:00", "UTC", "Europe/Berlin", "2027-01-31T08:00:00Z"},
      {"2027-01-31 08:00:30", {}, "Europe/Berlin", "2027-01-31T07:00:30Z"},
      {"2027-03-28T02:30", {}, "Europe/Berlin", "2027-03-28T01:00:00Z"},
      {"2027-10-31T02:30", {}, "Europe/Berlin", "2027-10-31T00:30:00Z"},
  };
  for (const AtCase& c : cases) {
    ASSERT_OK_AND_ASSIGN(json built,
                         Build({.at = c.at, .tz = c.tz}, kWinterNow, Zone(c.local_zone)));
    EXPECT_EQ(built, (json{{"ExactlyOnce", {{"Time", c.want}}}})) << c.at << " " << c.local_zone;
  }
}

struct RefusedCase {
  ScheduleFlags flags;
  std::string message;
};

TEST(ScheduleFlagsTest, AtRefusesMalformedTimes) {
  // Given --at values that are not times, or a zone given twice, the error names the flag.
  const std::string expected =
      " is not a time; expected YYYY-MM-DDTHH:MM[:SS] with Z, an offset like +01:00, or nothing "
      "for local time";
  std::vector<RefusedCase> cases = {
      {{.at = "tomorrow"}, "--at: \"tomorrow\"" + expected},
      {{.at = "2027-02-30T08:00Z"}, "--at: \"2027-02-30T08:00Z\"" + expected},
      {{.at = "2027-01-31"}, "--at: \"2027-01-31\"" + expected},
      {{.at = "2027-01-31T8:00Z"}, "--at: \"2027-01-31T8:00Z\"" + expected},
      {{.at = "2027-01-31T08:00 CET"}, "--at: \"2027-01-31T08:00 CET\"" + expected},
      {{.at = ""}, "--at: \"\"" + expected},
      {{.at = "2027-01-31T08:00Z", .tz = "Europe/Berlin"},
       "--tz: --at \"2027-01-31T08:00Z\" already names its zone; drop --tz or that zone"},
      {{.at = "2027-01-31T09:00+01:00", .tz = "Europe/Berlin"},
       "--tz: --at \"2027-01-31T09:00+01:00\" already names its zone; drop --tz or that zone"},
  };
  for (const RefusedCase& c : cases) EXPECT_EQ(ErrorOf(c.flags), c.message);
}

TEST(ScheduleFlagsTest, EveryAcceptsWholeMinutesHoursAndDays) {
  // Given --every with m, h or d, the Interval is that many whole minutes.
  std::vector<std::pair<std::string, int>> cases = {
      {"1m", 1},        {"30m", 30},       {"90m", 90},         {"2h", 120}, {"1d", 1440},
      {"365d", 525600}, {"8760h", 525600}, {"525600m", 525600}, {"007m", 7},
  };
  for (const auto& [every, minutes] : cases) {
    ASSERT_OK_AND_ASSIGN(json built, Build({.every = every}));
    EXPECT_EQ(built, (json{{"Interval", {{"Minutes", minutes}}}})) << every;
  }
}

TEST(ScheduleFlagsTest, EveryRefusesBadForms) {
  // Given --every values without a unit, below a minute, fractional or out of range, each
  // error says what is wrong.
  std::vector<RefusedCase> cases = {
      {{.every = "0m"}, "--every: \"0m\" is out of range: 1m to 525600m (365d)"},
      {{.every = "366d"}, "--every: \"366d\" is out of range: 1m to 525600m (365d)"},
      {{.every = "525601m"}, "--every: \"525601m\" is out of range: 1m to 525600m (365d)"},
      {{.every = "99999999999999999999m"},
       "--every: \"99999999999999999999m\" is out of range: 1m to 525600m (365d)"},
      {{.every = "1.5h"}, "--every: \"1.5h\" is not whole; use a smaller unit (1.5h is 90m)"},
      {{.every = "30"}, "--every: \"30\" has no unit; add m, h or d"},
      {{.every = "30s"}, "--every: \"30s\" is below a minute; minutes are the smallest unit"},
      {{.every = "30x"}, "--every: \"30x\" has an unknown unit; use m, h or d"},
      {{.every = "30 m"}, "--every: \"30 m\" has an unknown unit; use m, h or d"},
      {{.every = "-5m"},
       "--every: \"-5m\" is not a duration; expected whole minutes, hours or days such as 30m"},
      {{.every = "m"},
       "--every: \"m\" is not a duration; expected whole minutes, hours or days such as 30m"},
      {{.every = ""},
       "--every: \"\" is not a duration; expected whole minutes, hours or days such as 30m"},
  };
  for (const RefusedCase& c : cases) EXPECT_EQ(ErrorOf(c.flags), c.message);
}

TEST(ScheduleFlagsTest, DailyStartsTodayAtTheTimeInTz) {
  // Given --daily with --tz, Time is today's date there at HH:MM, and the first fire is the
  // next HH:MM from now (tomorrow when today's has passed).
  ASSERT_OK_AND_ASSIGN(json early, Build({.daily = "02:00", .tz = "Europe/Berlin"}));
  EXPECT_EQ(early, json::parse(R"({"Daily": {"Time": "2027-01-20T01:00:00Z",
                                             "TimeZone": "Europe/Berlin"}})"));
  EXPECT_EQ(Fires(early, kWinterNow, 2),
            (std::vector<std::string>{"2027-01-21T01:00:00Z", "2027-01-22T01:00:00Z"}));

  ASSERT_OK_AND_ASSIGN(json late, Build({.daily = "23:30", .tz = "Europe/Berlin"}));
  EXPECT_EQ(Fires(late, kWinterNow, 2),
            (std::vector<std::string>{"2027-01-20T22:30:00Z", "2027-01-21T22:30:00Z"}));
}

TEST(ScheduleFlagsTest, TodayIsTheDateInTheZone) {
  // Given a now at which Tokyo is already a day ahead of UTC, "today" is Tokyo's date.
  ASSERT_OK_AND_ASSIGN(json built,
                       Build({.daily = "07:00", .tz = "Asia/Tokyo"}, "2027-01-20T23:30:00Z"));
  EXPECT_EQ(built, json::parse(R"({"Daily": {"Time": "2027-01-20T22:00:00Z",
                                             "TimeZone": "Asia/Tokyo"}})"));
}

TEST(ScheduleFlagsTest, WithoutTzCalendarFlagsUseTheMachineZone) {
  // Given calendar flags without --tz, the machine's zone applies and is named unless it is UTC.
  ASSERT_OK_AND_ASSIGN(json berlin, Build({.daily = "02:00"}, kWinterNow, Zone("Europe/Berlin")));
  EXPECT_EQ(berlin, json::parse(R"({"Daily": {"Time": "2027-01-20T01:00:00Z",
                                              "TimeZone": "Europe/Berlin"}})"));

  const json utc_daily = json::parse(R"({"Daily": {"Time": "2027-01-20T02:00:00Z"}})");
  ASSERT_OK_AND_ASSIGN(json default_utc, Build({.daily = "02:00"}));
  EXPECT_EQ(default_utc, utc_daily);
  ASSERT_OK_AND_ASSIGN(json named_utc, Build({.daily = "02:00"}, kWinterNow, Zone("UTC")));
  EXPECT_EQ(named_utc, utc_daily);
  ASSERT_OK_AND_ASSIGN(json etc_utc, Build({.daily = "02:00"}, kWinterNow, Zone("Etc/UTC")));
  EXPECT_EQ(etc_utc, utc_daily);
  ASSERT_OK_AND_ASSIGN(json tz_utc,
                       Build({.daily = "02:00", .tz = "UTC"}, kWinterNow, Zone("Europe/Berlin")));
  EXPECT_EQ(tz_utc, utc_daily);

  ASSERT_OK_AND_ASSIGN(json weekly,
                       Build({.weekly = "mon@08:00"}, kWinterNow, Zone("America/New_York")));
  EXPECT_EQ(weekly["Weekly"]["TimeZone"], "America/New_York");
  ASSERT_OK_AND_ASSIGN(json monthly,
                       Build({.monthly = "1@08:00"}, kWinterNow, Zone("America/New_York")));
  EXPECT_EQ(monthly["Monthly"]["TimeZone"], "America/New_York");
}

TEST(ScheduleFlagsTest, TimeOfDayForms) {
  // Given H:MM, HH:MM and HH:MM:SS, the daily time is that time of day.
  std::vector<std::pair<std::string, std::string>> cases = {
      {"2:00", "2027-01-20T02:00:00Z"},     {"02:00", "2027-01-20T02:00:00Z"},
      {"00:00", "2027-01-20T00:00:00Z"},    {"23:59", "2027-01-20T23:59:00Z"},
      {"12:34:56", "2027-01-20T12:34:56Z"},
  };
  for (const auto& [daily, time] : cases) {
    ASSERT_OK_AND_ASSIGN(json built, Build({.daily = daily}));
    EXPECT_EQ(built, (json{{"Daily", {{"Time", time}}}})) << daily;
  }
}

TEST(ScheduleFlagsTest, TimeOfDayRefusesBadForms) {
  // Given times of day out of range or in other shapes, --daily says what it expects.
  for (std::string bad : {"24:00", "12:60", "12:00:60", "1200", "12:0", "12:00:", "12:00:5",
                          "123:00", "aa:bb", "", "2pm", "12:00pm", "-1:00", "12.30"}) {
    EXPECT_EQ(ErrorOf({.daily = bad}),
              "--daily: \"" + bad + "\" is not a time of day (HH:MM, 00:00 to 23:59)");
  }
}

struct WeeklyCase {
  std::string weekly;
  json days;
};

TEST(ScheduleFlagsTest, WeeklyAcceptsShortAndFullDayNamesInAnyCase) {
  // Given days as short or full names in any case, Days lists them 0 = Sunday, in order.
  std::vector<WeeklyCase> cases = {
      {"mon,wed@13:30", {1, 3}},
      {"MON,Wed@13:30", {1, 3}},
      {"sun@13:30", {0}},
      {"saturday,Sunday@13:30", {0, 6}},
      {"fri, mon@13:30", {1, 5}},
      {"sun,mon,tue,wed,thu,fri,sat@13:30", {0, 1, 2, 3, 4, 5, 6}},
      {"tuesday,THURSDAY@13:30", {2, 4}},
  };
  for (const WeeklyCase& c : cases) {
    ASSERT_OK_AND_ASSIGN(json built, Build({.weekly = c.weekly}));
    EXPECT_EQ(built, (json{{"Weekly", {{"Days", c.days}, {"Time", "2027-01-20T13:30:00Z"}}}}))
        << c.weekly;
  }
}

TEST(ScheduleFlagsTest, WeeklyRefusesBadForms) {
  // Given unknown or repeated days, an empty day or a missing time, the error points at it.
  std::vector<RefusedCase> cases = {
      {{.weekly = "mun@13:30"},
       "--weekly: \"mun\" is not a day (sun, mon, tue, wed, thu, fri, sat)"},
      {{.weekly = "mo@13:30"}, "--weekly: \"mo\" is not a day (sun, mon, tue, wed, thu, fri, sat)"},
      {{.weekly = "1,3@13:30"}, "--weekly: \"1\" is not a day (sun, mon, tue, wed, thu, fri, sat)"},
      {{.weekly = "mon,monday@13:30"}, "--weekly: \"monday\" repeats a day already given"},
      {{.weekly = "wed,mon,WED@13:30"}, "--weekly: \"WED\" repeats a day already given"},
      {{.weekly = "mon,,wed@13:30"}, "--weekly: empty day name in \"mon,,wed\""},
      {{.weekly = "@13:30"}, "--weekly: empty day name in \"\""},
      {{.weekly = "mon,wed"}, "--weekly: expected DAYS@HH:MM like mon,wed@13:30, got \"mon,wed\""},
      {{.weekly = "mon@13:30@14:00"},
       "--weekly: expected DAYS@HH:MM like mon,wed@13:30, got \"mon@13:30@14:00\""},
      {{.weekly = "mon@25:00"}, "--weekly: \"25:00\" is not a time of day (HH:MM, 00:00 to 23:59)"},
  };
  for (const RefusedCase& c : cases) EXPECT_EQ(ErrorOf(c.flags), c.message);
}

TEST(ScheduleFlagsTest, MonthlyAcceptsDaysAndLast) {
  // Given a day 1..31 or "last" in any case, Day is that number, "last" being 31.
  std::vector<std::pair<std::string, int>> cases = {
      {"1@03:00", 1},   {"05@03:00", 5},    {"15@03:00", 15},
      {"31@03:00", 31}, {"last@03:00", 31}, {"LAST@03:00", 31},
  };
  for (const auto& [monthly, day] : cases) {
    ASSERT_OK_AND_ASSIGN(json built, Build({.monthly = monthly}));
    EXPECT_EQ(built, (json{{"Monthly", {{"Day", day}, {"Time", "2027-01-20T03:00:00Z"}}}}))
        << monthly;
  }
}

TEST(ScheduleFlagsTest, MonthlyRefusesBadForms) {
  // Given days outside 1..31, other words or a missing time, --monthly says what it expects.
  const std::string range = " is not a day of the month (1 to 31, or last)";
  std::vector<RefusedCase> cases = {
      {{.monthly = "0@03:00"}, "--monthly: \"0\"" + range},
      {{.monthly = "32@03:00"}, "--monthly: \"32\"" + range},
      {{.monthly = "100@03:00"}, "--monthly: \"100\"" + range},
      {{.monthly = "-1@03:00"}, "--monthly: \"-1\"" + range},
      {{.monthly = "first@03:00"}, "--monthly: \"first\"" + range},
      {{.monthly = "@03:00"}, "--monthly: \"\"" + range},
      {{.monthly = "31"}, "--monthly: expected DAY@HH:MM like 31@03:00, got \"31\""},
      {{.monthly = "31@3pm"}, "--monthly: \"3pm\" is not a time of day (HH:MM, 00:00 to 23:59)"},
  };
  for (const RefusedCase& c : cases) EXPECT_EQ(ErrorOf(c.flags), c.message);
}

TEST(ScheduleFlagsTest, ScheduleAcceptsEveryCompactForm) {
  // Given each compact form, the JSON is the jobs library's, in UTC whatever the machine zone.
  std::vector<std::pair<std::string, std::string>> cases = {
      {"I_30", R"({"Interval": {"Minutes": 30}})"},
      {"D_02:00", R"({"Daily": {"Time": "1970-01-01T02:00:00Z"}})"},
      {"W_246_13:30", R"({"Weekly": {"Days": [1, 3, 5], "Time": "1970-01-01T13:30:00Z"}})"},
      {"M_31_03:00", R"({"Monthly": {"Day": 31, "Time": "1970-01-01T03:00:00Z"}})"},
      {"M_L_03:00", R"({"Monthly": {"Day": 31, "Time": "1970-01-01T03:00:00Z"}})"},
      {"M_5_03:00", R"({"Monthly": {"Day": 5, "Time": "1970-01-01T03:00:00Z"}})"},
      {"O_2027-01-31T08:00", R"({"ExactlyOnce": {"Time": "2027-01-31T08:00:00Z"}})"},
  };
  for (const auto& [compact, want] : cases) {
    ASSERT_OK_AND_ASSIGN(json built,
                         Build({.schedule = compact}, kWinterNow, Zone("Europe/Berlin")));
    EXPECT_EQ(built, json::parse(want)) << compact;
  }
}

TEST(ScheduleFlagsTest, ScheduleRefusesMalformedAndEmptyStrings) {
  // Given compact strings the jobs library refuses, or none at all, the error names --schedule.
  for (std::string bad : {"X_1", "I_0", "W_8_13:30", "D_25:00", "M_32_03:00", "O_tomorrow"}) {
    std::string message = ErrorOf({.schedule = bad});
    EXPECT_TRUE(message.starts_with("--schedule: '" + bad + "' is not a compact schedule: "))
        << message;
  }
  EXPECT_EQ(ErrorOf({.schedule = ""}), "--schedule: is empty; use --now to run at once");
}

TEST(ScheduleFlagsTest, RefusesNoScheduleFlag) {
  // Given no schedule flag (with or without --tz), the error lists the choices.
  const std::string message =
      "no schedule: give one of --now, --at, --every, --daily, --weekly, --monthly or --schedule";
  EXPECT_EQ(ErrorOf({}), message);
  EXPECT_EQ(ErrorOf({.tz = "Europe/Berlin"}), message);
}

TEST(ScheduleFlagsTest, RefusesSeveralScheduleFlags) {
  // Given two or three schedule flags, the error names all of them and the field the second.
  StatusOr<json> two = Build({.now = true, .every = "30m"});
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().message(), "--now and --every: give only one schedule flag");
  EXPECT_EQ(two.status().field(), "--every");
  EXPECT_EQ(ErrorOf({.at = "2027-01-31T08:00Z", .daily = "02:00", .schedule = "I_30"}),
            "--at, --daily and --schedule: give only one schedule flag");
  EXPECT_EQ(ErrorOf({.weekly = "mon@08:00", .monthly = "1@08:00"}),
            "--weekly and --monthly: give only one schedule flag");
}

TEST(ScheduleFlagsTest, TzIsValidatedAndSpelledCanonically) {
  // Given --tz names the tz database does not know, the error names --tz; a known name in odd
  // capitalisation is sent in its canonical spelling.
  const std::string expected = "; expected an IANA name such as Europe/Berlin";
  for (std::string bad : {"Mars/Olympus", "", "localtime", "CET+1", "Europe/Berlin "}) {
    StatusOr<json> built = Build({.daily = "02:00", .tz = bad});
    ASSERT_FALSE(built.ok()) << bad;
    EXPECT_EQ(built.status().message(), "--tz: unknown time zone \"" + bad + "\"" + expected);
    EXPECT_EQ(built.status().field(), "--tz");
  }
  ASSERT_OK_AND_ASSIGN(json built, Build({.daily = "02:00", .tz = "europe/berlin"}));
  EXPECT_EQ(built["Daily"]["TimeZone"], "Europe/Berlin");
}

TEST(ScheduleFlagsTest, TzOnlyWithFlagsThatReadALocalTime) {
  // Given --tz with --now, --every or --schedule, which read no local time, it is refused.
  const std::string message = "--tz: applies only to --at, --daily, --weekly and --monthly";
  EXPECT_EQ(ErrorOf({.now = true, .tz = "Europe/Berlin"}), message);
  EXPECT_EQ(ErrorOf({.every = "30m", .tz = "Europe/Berlin"}), message);
  EXPECT_EQ(ErrorOf({.tz = "Europe/Berlin", .schedule = "D_02:00"}), message);
}

TEST(ScheduleFlagsTest, ErrorsCutLongValuesAndHideControlBytes) {
  // Given huge or terminal-garbling values, the error repeats at most a short, printable prefix.
  std::string huge(100000, 'x');
  for (const ScheduleFlags& flags : std::vector<ScheduleFlags>{{.at = huge},
                                                               {.every = huge},
                                                               {.daily = huge},
                                                               {.weekly = huge + "@13:30"},
                                                               {.weekly = "mon@" + huge},
                                                               {.monthly = huge + "@03:00"},
                                                               {.daily = "02:00", .tz = huge},
                                                               {.schedule = huge}}) {
    std::string message = ErrorOf(flags);
    EXPECT_LT(message.size(), 200u) << message.substr(0, 200);
  }
  EXPECT_EQ(ErrorOf({.weekly = std::string(40, 'x') + "@13:30"}),
            "--weekly: \"" + std::string(32, 'x') +
                "...\" is not a day (sun, mon, tue, wed, thu, fri, sat)");
  EXPECT_EQ(ErrorOf({.every = "\x1b[31m5m"}),
            "--every: \"?[31m5m\" is not a duration; expected whole minutes, hours or days such "
            "as 30m");
}

}  // namespace
}  // namespace orch::cli
