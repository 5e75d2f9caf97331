#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jobs/iso_time.h"
#include "jobs/schedule.h"
#include "tests/testing/status_matchers.h"

namespace orch::jobs {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;

WallTime At(std::string_view iso) {
  StatusOr<WallTime> time = ParseIsoTime(iso);
  EXPECT_TRUE(time.ok()) << iso;
  return time.ok() ? *time : WallTime();
}

TEST(ScheduleJsonTest, ParsesEveryMember) {
  // Given one JSON Schedule of each member, each parses to the expected value.
  ASSERT_OK_AND_ASSIGN(Schedule immediate, ParseScheduleJson(json::parse(R"({"Immediate":true})")));
  EXPECT_EQ(immediate, Schedule{Immediate{}});

  ASSERT_OK_AND_ASSIGN(
      Schedule once,
      ParseScheduleJson(json::parse(R"({"ExactlyOnce":{"Time":"2027-01-31T08:00:00Z"}})")));
  EXPECT_EQ(once, Schedule{ExactlyOnce{At("2027-01-31T08:00:00Z")}});

  ASSERT_OK_AND_ASSIGN(Schedule interval,
                       ParseScheduleJson(json::parse(R"({"Interval":{"Minutes":30}})")));
  EXPECT_EQ(interval, Schedule{Interval{30}});

  ASSERT_OK_AND_ASSIGN(
      Schedule daily,
      ParseScheduleJson(
          json::parse(R"({"Daily":{"Time":"2027-01-10T12:30:00Z","TimeZone":"Europe/Berlin"}})")));
  const Daily& d = std::get<Daily>(daily.value);
  EXPECT_EQ(d.at.time_of_day, hours(13) + minutes(30));  // 12:30Z is 13:30 CET
  EXPECT_EQ(d.at.time_zone, "Europe/Berlin");
  EXPECT_EQ(d.at.start, At("2027-01-10T12:30:00Z"));

  ASSERT_OK_AND_ASSIGN(Schedule weekly,
                       ParseScheduleJson(json::parse(
                           R"({"Weekly":{"Days":[1,3],"Time":"2027-01-04T13:30:00+02:00"}})")));
  const Weekly& w = std::get<Weekly>(weekly.value);
  EXPECT_EQ(w.days.to_ulong(), 0b0001010u);
  EXPECT_EQ(w.at.time_of_day, hours(11) + minutes(30));  // UTC without a TimeZone
  EXPECT_EQ(w.at.time_zone, "");

  ASSERT_OK_AND_ASSIGN(
      Schedule monthly,
      ParseScheduleJson(json::parse(R"({"Monthly":{"Day":31,"Time":"2027-01-31T03:00:00"}})")));
  EXPECT_EQ(std::get<Monthly>(monthly.value).day, 31);
  EXPECT_EQ(std::get<Monthly>(monthly.value).at.time_of_day, hours(3));
}

TEST(ScheduleJsonTest, MatchesNamesCaseInsensitivelyAndIgnoresNulls) {
  // Given odd capitalisation and null members, parsing still finds the one member set.
  ASSERT_OK_AND_ASSIGN(
      Schedule schedule,
      ParseScheduleJson(json::parse(
          R"({"immediate":null,"INTERVAL":null,"daily":{"time":"2027-01-10T06:00:00Z",
          "timezone":"europe/berlin"},"Weekly":null,"Foo":null})")));
  const Daily& daily = std::get<Daily>(schedule.value);
  EXPECT_EQ(daily.at.time_zone, "Europe/Berlin");  // canonical spelling kept
  EXPECT_EQ(daily.at.time_of_day, hours(7));
}

TEST(ScheduleJsonTest, ZoneReadsTheLocalTimeOfDayOfT) {
  // Given a summer T with a zone, the time of day is T's local time there, kept all year.
  ASSERT_OK_AND_ASSIGN(
      Schedule schedule,
      ParseScheduleJson(json::parse(
          R"({"Daily":{"Time":"2027-07-01T06:00:00Z","TimeZone":"America/New_York"}})")));
  EXPECT_EQ(std::get<Daily>(schedule.value).at.time_of_day, hours(2));
  // 02:00 in New York is 07:00Z in winter.
  EXPECT_EQ(NextFire(schedule, At("2027-07-01T00:00:00Z"), At("2027-12-01T00:00:00Z")),
            At("2027-12-01T07:00:00Z"));
}

TEST(ScheduleJsonTest, RejectsInvalidSchedulesNamingTheField) {
  // Given each kind of invalid Schedule, the error is InvalidArgument naming the field.
  struct Case {
    std::string body;
    std::string field;
  };
  std::vector<Case> cases = {
      {R"({})", "Schedule"},
      {R"({"Immediate":null})", "Schedule"},
      {R"([])", "Schedule"},
      {R"("I_30")", "Schedule"},
      {R"({"Immediate":true,"Interval":{"Minutes":5}})", "Schedule"},
      {R"({"Immediate":false})", "Schedule.Immediate"},
      {R"({"Immediate":"true"})", "Schedule.Immediate"},
      {R"({"Interval":{"Minutes":0}})", "Schedule.Interval.Minutes"},
      {R"({"Interval":{"Minutes":525601}})", "Schedule.Interval.Minutes"},
      {R"({"Interval":{"Minutes":-5}})", "Schedule.Interval.Minutes"},
      {R"({"Interval":{"Minutes":1.5}})", "Schedule.Interval.Minutes"},
      {R"({"Interval":{"Minutes":"30"}})", "Schedule.Interval.Minutes"},
      {R"({"Interval":{"Minutes":18446744073709551615}})", "Schedule.Interval.Minutes"},
      {R"({"Interval":{}})", "Schedule.Interval.Minutes"},
      {R"({"Interval":30})", "Schedule.Interval"},
      {R"({"Interval":{"Minutes":30,"Hours":1}})", "Schedule.Interval.Hours"},
      {R"({"Interval":{"Minutes":30,"minutes":31}})", "Schedule.Interval.Minutes"},
      {R"({"Weekly":{"Days":[],"Time":"2027-01-01T00:00:00Z"}})", "Schedule.Weekly.Days"},
      {R"({"Weekly":{"Days":[1,1],"Time":"2027-01-01T00:00:00Z"}})", "Schedule.Weekly.Days"},
      {R"({"Weekly":{"Days":[7],"Time":"2027-01-01T00:00:00Z"}})", "Schedule.Weekly.Days"},
      {R"({"Weekly":{"Days":[-1],"Time":"2027-01-01T00:00:00Z"}})", "Schedule.Weekly.Days"},
      {R"({"Weekly":{"Days":["Mon"],"Time":"2027-01-01T00:00:00Z"}})", "Schedule.Weekly.Days"},
      {R"({"Weekly":{"Days":1,"Time":"2027-01-01T00:00:00Z"}})", "Schedule.Weekly.Days"},
      {R"({"Weekly":{"Time":"2027-01-01T00:00:00Z"}})", "Schedule.Weekly.Days"},
      {R"({"Monthly":{"Day":0,"Time":"2027-01-01T00:00:00Z"}})", "Schedule.Monthly.Day"},
      {R"({"Monthly":{"Day":32,"Time":"2027-01-01T00:00:00Z"}})", "Schedule.Monthly.Day"},
      {R"({"Monthly":{"Day":15}})", "Schedule.Monthly.Time"},
      {R"({"Daily":{"Time":"13:30"}})", "Schedule.Daily.Time"},
      {R"({"Daily":{"Time":"2027-02-30T13:30:00Z"}})", "Schedule.Daily.Time"},
      {R"({"Daily":{"Time":"2027-01-01T24:00:00Z"}})", "Schedule.Daily.Time"},
      {R"({"Daily":{"Time":"2027-01-01T13:30:00+25:00"}})", "Schedule.Daily.Time"},
      {R"({"Daily":{"Time":1700000000}})", "Schedule.Daily.Time"},
      {R"({"ExactlyOnce":{"Time":"tomorrow"}})", "Schedule.ExactlyOnce.Time"},
      {R"({"Daily":{"Time":"2027-01-01T13:30:00Z","TimeZone":"Mars/Olympus"}})",
       "Schedule.Daily.TimeZone"},
      {R"({"Daily":{"Time":"2027-01-01T13:30:00Z","TimeZone":""}})", "Schedule.Daily.TimeZone"},
      {R"({"Daily":{"Time":"2027-01-01T13:30:00Z","TimeZone":"localtime"}})",
       "Schedule.Daily.TimeZone"},
      {R"({"Weekly":{"Days":[1],"Time":"2027-01-01T13:30:00Z","TimeZone":5}})",
       "Schedule.Weekly.TimeZone"},
      {R"({"Daily":{"Time":"2027-01-01T13:30:00Z","Extra":1}})", "Schedule.Daily.Extra"},
      {R"({"ExactlyOnce":{"Time":"2027-01-01T13:30:00Z","TimeZone":"UTC"}})",
       "Schedule.ExactlyOnce.TimeZone"},
      {R"({"Hourly":{"Minute":5}})", "Schedule.Hourly"},
      {R"({"Daily":{"Time":"2200-12-31T23:00:00-02:00"}})", "Schedule.Daily.Time"},
  };
  for (const Case& c : cases) {
    StatusOr<Schedule> parsed = ParseScheduleJson(json::parse(c.body));
    ASSERT_FALSE(parsed.ok()) << c.body;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(parsed.status().field(), c.field) << c.body << ": " << parsed.status().message();
    EXPECT_FALSE(parsed.status().message().empty());
  }
}

TEST(ScheduleJsonTest, ErrorMessagesAreSpecific) {
  // Given two members set, the message lists both; given Minutes 0, it states the range.
  StatusOr<Schedule> two = ParseScheduleJson(
      json::parse(R"({"Daily":{"Time":"2027-01-01T00:00:00Z"},"Immediate":true})"));
  EXPECT_NE(two.status().message().find("got Daily and Immediate"), std::string::npos)
      << two.status().message();
  StatusOr<Schedule> zero = ParseScheduleJson(json::parse(R"({"Interval":{"Minutes":0}})"));
  EXPECT_NE(zero.status().message().find("between 1 and 525600"), std::string::npos)
      << zero.status().message();
}

TEST(ScheduleJsonTest, ToJsonRoundTrips) {
  // Given each member parsed from JSON, printing and parsing again gives the same Schedule.
  std::vector<std::string> bodies = {
      R"({"Immediate":true})",
      R"({"ExactlyOnce":{"Time":"2027-01-31T08:00:00.250Z"}})",
      R"({"Interval":{"Minutes":30}})",
      R"({"Daily":{"Time":"2026-11-22T13:30:00Z"}})",
      R"({"Daily":{"Time":"2027-03-28T01:00:00Z","TimeZone":"Europe/Berlin"}})",
      R"({"Weekly":{"Days":[0,6],"Time":"2027-01-02T06:00:00Z","TimeZone":"America/New_York"}})",
      R"({"Monthly":{"Day":31,"Time":"2027-01-31T03:00:00Z"}})",
  };
  for (const std::string& body : bodies) {
    ASSERT_OK_AND_ASSIGN(Schedule first, ParseScheduleJson(json::parse(body)));
    json printed = ScheduleToJson(first);
    EXPECT_EQ(printed, json::parse(body)) << printed.dump();
    ASSERT_OK_AND_ASSIGN(Schedule second, ParseScheduleJson(printed));
    EXPECT_EQ(first, second) << printed.dump();
  }
}

TEST(ScheduleJsonTest, ToJsonOfCompactCalendarKeepsItsBehaviour) {
  // Given W_246_13:30 from the compact form, its JSON parses back to the same fires.
  ASSERT_OK_AND_ASSIGN(Schedule compact, ParseCompactSchedule("W_246_13:30"));
  json printed = ScheduleToJson(compact);
  EXPECT_EQ(printed, json::parse(R"({"Weekly":{"Days":[1,3,5],"Time":"1970-01-01T13:30:00Z"}})"));
  ASSERT_OK_AND_ASSIGN(Schedule back, ParseScheduleJson(printed));
  WallTime anchor = At("2027-01-01T00:00:00Z");
  EXPECT_EQ(FirstFire(back, anchor), FirstFire(compact, anchor));
  EXPECT_EQ(CompactSchedule(back), "W_246_13:30");
}

}  // namespace
}  // namespace orch::jobs
