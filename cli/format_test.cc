#include "cli/format.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jobs/iso_time.h"

namespace orch::cli {
namespace {

using nlohmann::json;

// A context whose clock shows `now` and whose times are shown in `zone` ("" = UTC).
RenderContext At(std::string_view now, std::string_view zone = "") {
  RenderContext ctx;
  ctx.now = *jobs::ParseIsoTime(now);
  ctx.zone = *jobs::TimeZone::Locate(zone);
  return ctx;
}

TEST(FormatTimeTest, NullAbsentAndUnparsableValues) {
  // Given no time, a null time and a text that is not a time, they show as "-" or as sent.
  const RenderContext ctx = At("2026-12-04T21:15:00Z");
  EXPECT_EQ(FormatTime(json(), ctx), "-");
  EXPECT_EQ(FormatTime(Member(json::object(), "LastSeen"), ctx), "-");
  EXPECT_EQ(FormatTime(json("yesterday"), ctx), "yesterday");
}

TEST(FormatTimeTest, PastTimesInEachUnit) {
  // Given times before now in UTC, the hint counts whole seconds, minutes, hours, then days.
  const RenderContext ctx = At("2026-12-04T21:15:00Z");
  EXPECT_EQ(FormatTime("2026-12-04T21:14:55Z", ctx), "2026-12-04 21:14 (5 s ago)");
  EXPECT_EQ(FormatTime("2026-12-04T21:14:01Z", ctx), "2026-12-04 21:14 (59 s ago)");
  EXPECT_EQ(FormatTime("2026-12-04T21:12:10Z", ctx), "2026-12-04 21:12 (2 min ago)");
  EXPECT_EQ(FormatTime("2026-12-04T20:15:01Z", ctx), "2026-12-04 20:15 (59 min ago)");
  EXPECT_EQ(FormatTime("2026-12-04T20:15:00Z", ctx), "2026-12-04 20:15 (1 h ago)");
  EXPECT_EQ(FormatTime("2026-12-02T21:15:01Z", ctx), "2026-12-02 21:15 (47 h ago)");
  EXPECT_EQ(FormatTime("2026-12-02T21:15:00Z", ctx), "2026-12-02 21:15 (2 d ago)");
  EXPECT_EQ(FormatTime("2025-12-04T21:15:00Z", ctx), "2025-12-04 21:15 (365 d ago)");
}

TEST(FormatTimeTest, FutureTimesInEachUnit) {
  // Given times after now in UTC, the hint says "in" and floors like the past ones.
  const RenderContext ctx = At("2026-12-04T21:15:00Z");
  EXPECT_EQ(FormatTime("2026-12-04T21:15:20Z", ctx), "2026-12-04 21:15 (in 20 s)");
  EXPECT_EQ(FormatTime("2026-12-04T21:45:00Z", ctx), "2026-12-04 21:45 (in 30 min)");
  EXPECT_EQ(FormatTime("2026-12-05T02:14:59Z", ctx), "2026-12-05 02:14 (in 4 h)");
  EXPECT_EQ(FormatTime("2026-12-05T02:15:00Z", ctx), "2026-12-05 02:15 (in 5 h)");
  EXPECT_EQ(FormatTime("2027-01-31T08:00:00Z", ctx), "2027-01-31 08:00 (in 57 d)");
}

TEST(FormatTimeTest, NowWithinFiveSeconds) {
  // Given times less than five seconds from now either way, with milliseconds, the hint is "now".
  const RenderContext ctx = At("2026-12-04T21:15:00Z");
  EXPECT_EQ(FormatTime("2026-12-04T21:14:59.999Z", ctx), "2026-12-04 21:14 (now)");
  EXPECT_EQ(FormatTime("2026-12-04T21:14:55.001Z", ctx), "2026-12-04 21:14 (now)");
  EXPECT_EQ(FormatTime("2026-12-04T21:15:04Z", ctx), "2026-12-04 21:15 (now)");
  EXPECT_EQ(FormatTime("2026-12-04T21:15:05Z", ctx), "2026-12-04 21:15 (in 5 s)");
}

TEST(FormatTimeTest, LocalTimeInBerlinWinterAndSummer) {
  // Given Europe/Berlin, December times show UTC+1 and July times UTC+2, across midnight too.
  const RenderContext ctx = At("2026-12-04T21:15:00Z", "Europe/Berlin");
  EXPECT_EQ(FormatTime("2026-12-04T21:12:10Z", ctx), "2026-12-04 22:12 (2 min ago)");
  EXPECT_EQ(FormatTime("2026-12-04T23:30:00Z", ctx), "2026-12-05 00:30 (in 2 h)");
  EXPECT_EQ(FormatTime("2026-07-01T12:00:00Z", ctx), "2026-07-01 14:00 (156 d ago)");
}

TEST(LocalTimeTextTest, SecondsAreFloored) {
  // Given an instant just before a minute ends, neither form rounds it up.
  const WallTime time = *jobs::ParseIsoTime("2026-12-31T23:59:59.999Z");
  EXPECT_EQ(LocalTimeText(time, jobs::TimeZone()), "2026-12-31 23:59");
  EXPECT_EQ(LocalTimeText(time, jobs::TimeZone(), true), "2026-12-31 23:59:59");
}

TEST(DurationTextTest, TwoLargestUnits) {
  // Given durations of each size, the two largest units show and a zero second unit is left out.
  using std::chrono::seconds;
  EXPECT_EQ(DurationText(seconds(0)), "0 s");
  EXPECT_EQ(DurationText(seconds(42)), "42 s");
  EXPECT_EQ(DurationText(seconds(303)), "5 min 3 s");
  EXPECT_EQ(DurationText(seconds(3600)), "1 h");
  EXPECT_EQ(DurationText(seconds(11520)), "3 h 12 min");
  EXPECT_EQ(DurationText(seconds(187200)), "2 d 4 h");
  EXPECT_EQ(DurationText(seconds(86430)), "1 d");
}

TEST(EnumTextTest, NumbersShowAsNamesAndUnknownOnesAsNumbers) {
  // Given each enum's numbers, strings and nulls, names replace known numbers only.
  EXPECT_EQ(AgentStatusText(1), "New");
  EXPECT_EQ(AgentStatusText(2), "Approved");
  EXPECT_EQ(AgentStatusText(3), "Disapproved");
  EXPECT_EQ(AgentStatusText(9), "9");
  EXPECT_EQ(AgentStatusText("Approved"), "Approved");
  EXPECT_EQ(AgentStatusText(json()), "-");
  EXPECT_EQ(ReenrollmentText(0), "None");
  EXPECT_EQ(ReenrollmentText(1), "Requested");
  EXPECT_EQ(ReenrollmentText(2), "Required");
  EXPECT_EQ(AgentPlatformText(0), "Unknown");
  EXPECT_EQ(AgentPlatformText(5), "Native");
  EXPECT_EQ(AgentPlatformText(7), "Universal Orchestrator");
  EXPECT_EQ(AgentPlatformText(8), "8");
  EXPECT_EQ(RunStatusText(1), "Waiting");
  EXPECT_EQ(RunStatusText(2), "InProcess");
  EXPECT_EQ(RunStatusText(3), "Completed");
  EXPECT_EQ(RunStatusText(4), "Acknowledged");
  EXPECT_EQ(RunStatusText(5), "CompletedWillRetry");
  EXPECT_EQ(RunResultText(0), "Unknown");
  EXPECT_EQ(RunResultText(1), "1");
  EXPECT_EQ(RunResultText(2), "Success");
  EXPECT_EQ(RunResultText(3), "Warning");
  EXPECT_EQ(RunResultText(4), "Failure");
  EXPECT_EQ(StoreTypeText(2), "PEM");
  EXPECT_EQ(StoreTypeText(102), "PKCS12");
  EXPECT_EQ(StoreTypeText(3), "3");
  EXPECT_EQ(StoreTypeText(int64_t{1} << 40), "1099511627776");
}

TEST(ResultStyleTest, SuccessGreenWarningYellowFailureRed) {
  // Given each Result as a number or a name, only the three outcomes are coloured.
  EXPECT_EQ(ResultStyle(2), Style::kGreen);
  EXPECT_EQ(ResultStyle(3), Style::kYellow);
  EXPECT_EQ(ResultStyle(4), Style::kRed);
  EXPECT_EQ(ResultStyle("Failure"), Style::kRed);
  EXPECT_EQ(ResultStyle(0), Style::kPlain);
  EXPECT_EQ(ResultStyle(json()), Style::kPlain);
}

TEST(ScheduleTextTest, EachScheduleMember) {
  // Given every Schedule member as the daemon answers it, each reads as a short phrase.
  const RenderContext utc = At("2026-12-04T21:15:00Z");
  const RenderContext berlin = At("2026-12-04T21:15:00Z", "Europe/Berlin");
  auto text = [](const char* schedule, const RenderContext& ctx) {
    return ScheduleText(json::parse(schedule), json(), ctx);
  };
  EXPECT_EQ(text(R"({"Immediate": true})", utc), "now");
  EXPECT_EQ(text(R"({"ExactlyOnce": {"Time": "2027-01-31T08:00:00Z"}})", utc),
            "once 2027-01-31 08:00");
  EXPECT_EQ(text(R"({"ExactlyOnce": {"Time": "2027-01-31T08:00:00Z"}})", berlin),
            "once 2027-01-31 09:00");
  EXPECT_EQ(text(R"({"ExactlyOnce": {"Time": "2027-01-31T08:00:30Z"}})", utc),
            "once 2027-01-31 08:00:30");
  EXPECT_EQ(text(R"({"Interval": {"Minutes": 30}})", utc), "every 30 min");
  EXPECT_EQ(text(R"({"Interval": {"Minutes": 90}})", utc), "every 90 min");
  EXPECT_EQ(text(R"({"Interval": {"Minutes": 120}})", utc), "every 2 h");
  EXPECT_EQ(text(R"({"Interval": {"Minutes": 2880}})", utc), "every 2 d");
  EXPECT_EQ(
      text(R"({"Daily": {"Time": "2026-11-23T01:00:00Z", "TimeZone": "Europe/Berlin"}})", utc),
      "daily 02:00 Europe/Berlin");
  EXPECT_EQ(text(R"({"Daily": {"Time": "2026-11-23T23:00:00Z"}})", berlin), "daily 23:00 UTC");
  EXPECT_EQ(text(R"({"Weekly": {"Days": [0, 1, 3], "Time": "2026-11-23T13:30:00Z"}})", utc),
            "weekly Mon,Wed,Sun 13:30 UTC");
  EXPECT_EQ(text(R"({"Monthly": {"Day": 31, "Time": "2031-02-01T03:00:00Z"}})", utc),
            "monthly 31 03:00 UTC");
}

TEST(ScheduleTextTest, CompactFormWhenTheObjectIsMissing) {
  // Given only ScheduleType (or neither), the compact form is worded; garbage shows as sent.
  const RenderContext ctx = At("2026-12-04T21:15:00Z");
  EXPECT_EQ(ScheduleText(json(), "W_246_13:30", ctx), "weekly Mon,Wed,Fri 13:30 UTC");
  EXPECT_EQ(ScheduleText(json(), "D_23:00:15", ctx), "daily 23:00:15 UTC");
  EXPECT_EQ(ScheduleText(json(), "M_L_03:00", ctx), "monthly 31 03:00 UTC");
  EXPECT_EQ(ScheduleText(json(), "I_30", ctx), "every 30 min");
  EXPECT_EQ(ScheduleText(json(), json(), ctx), "now");
  EXPECT_EQ(ScheduleText(json(), "X_1", ctx), "X_1");
  EXPECT_EQ(ScheduleText(json::parse(R"({"Hourly": {}})"), "I_60", ctx), "every 1 h");
}

TEST(ValueTextTest, ScalarsArraysAndObjects) {
  // Given each JSON kind, scalars read plainly, lists joined, empty containers as "-".
  EXPECT_EQ(ValueText(json()), "-");
  EXPECT_EQ(ValueText(""), "");
  EXPECT_EQ(ValueText(true), "yes");
  EXPECT_EQ(ValueText(false), "no");
  EXPECT_EQ(ValueText(-42), "-42");
  EXPECT_EQ(ValueText(json::parse(R"(["a", 1, null])")), "a, 1, -");
  EXPECT_EQ(ValueText(json::array()), "-");
  EXPECT_EQ(ValueText(json::object()), "-");
  EXPECT_EQ(ValueText(json::parse(R"({"b": 1, "a": "x"})")), R"({"a":"x","b":1})");
}

}  // namespace
}  // namespace orch::cli
