#include "jobs/schedule.h"

#include <algorithm>
#include <string>

#include "jobs/time_zone.h"

namespace orch::jobs {
namespace {

using std::chrono::days;
using std::chrono::local_days;

// How far the calendar search looks ahead. A Monthly match is never more than 32 local days
// away from the day before the lower bound; a gap of 64 covers that with room to spare.
constexpr int kMaxCalendarSearchDays = 64;

// The instants the math supports: ParseIsoTime's years, with room for a zone offset and a year
// of Interval. Outside them chrono arithmetic could overflow, so NextFire answers "never".
constexpr WallTime kEarliest{std::chrono::sys_days{std::chrono::year(1900) / 1 / 1}};
constexpr WallTime kLatest{std::chrono::sys_days{std::chrono::year(2201) / 1 / 1}};

bool InRange(WallTime time) {
  return time >= kEarliest && time < kLatest;
}

Status ValidateCalendarTime(const CalendarTime& at, const std::string& member) {
  if (at.time_of_day < std::chrono::seconds(0) || at.time_of_day >= days(1)) {
    return InvalidArgumentError(member + ".Time must have a time of day within one day")
        .WithField(member + ".Time");
  }
  if (at.start && !InRange(*at.start)) {
    return InvalidArgumentError(member + ".Time must be between the years 1900 and 2200")
        .WithField(member + ".Time");
  }
  StatusOr<TimeZone> zone = TimeZone::Locate(at.time_zone);
  if (!zone.ok()) {
    return InvalidArgumentError(member + ".TimeZone: " + zone.status().message())
        .WithField(member + ".TimeZone");
  }
  return Status::Ok();
}

// The zone of a calendar member; a zone that stopped resolving (validated earlier) reads as UTC
// rather than never firing.
TimeZone ZoneOf(const CalendarTime& at) {
  StatusOr<TimeZone> zone = TimeZone::Locate(at.time_zone);
  return zone.ok() ? *zone : TimeZone();
}

bool DayMatches(const Daily&, local_days) {
  return true;
}

bool DayMatches(const Weekly& weekly, local_days day) {
  return weekly.days.test(std::chrono::weekday(day).c_encoding());
}

bool DayMatches(const Monthly& monthly, local_days day) {
  std::chrono::year_month_day ymd{day};
  // Day 29/30/31 in a shorter month means that month's last day.
  std::chrono::year_month_day_last last{ymd.year(), std::chrono::month_day_last(ymd.month())};
  unsigned wanted = std::min(static_cast<unsigned>(monthly.day), static_cast<unsigned>(last.day()));
  return static_cast<unsigned>(ymd.day()) == wanted;
}

// The first fire of a calendar member at or after `lower`.
template <class Member>
std::optional<WallTime> CalendarFireAtOrAfter(const Member& member, WallTime lower) {
  TimeZone zone = ZoneOf(member.at);
  // Starting one local day early covers a fire that a gap pushed past local midnight.
  local_days day = std::chrono::floor<days>(zone.ToLocal(lower)) - days(1);
  for (int i = 0; i <= kMaxCalendarSearchDays; ++i, day += days(1)) {
    if (!DayMatches(member, day)) continue;
    WallTime fire = zone.FromLocal(day + member.at.time_of_day);
    if (fire >= lower) return fire;
  }
  return std::nullopt;  // only for a Weekly with no days, which validation rejects
}

WallTime LowerBound(const CalendarTime& at, WallTime anchor) {
  return at.start ? std::max(*at.start, anchor) : anchor;
}

WallTime IntervalFireAfter(const Interval& interval, WallTime anchor, WallTime after) {
  auto period = std::chrono::duration_cast<WallTime::duration>(
      std::chrono::minutes(std::max(interval.minutes, 1)));
  if (after < anchor + period) return anchor + period;
  // k·period from the anchor, never a sum of periods, so no error accumulates.
  auto k = (after - anchor) / period + 1;
  return anchor + k * period;
}

// Validation of each member, field names included.
struct Validator {
  Status operator()(const Immediate&) const { return Status::Ok(); }
  Status operator()(const ExactlyOnce&) const { return Status::Ok(); }
  Status operator()(const Interval& interval) const {
    if (interval.minutes >= 1 && interval.minutes <= kMaxIntervalMinutes) return Status::Ok();
    return InvalidArgumentError("Schedule.Interval.Minutes must be between 1 and " +
                                std::to_string(kMaxIntervalMinutes))
        .WithField("Schedule.Interval.Minutes");
  }
  Status operator()(const Daily& daily) const {
    return ValidateCalendarTime(daily.at, "Schedule.Daily");
  }
  Status operator()(const Weekly& weekly) const {
    if (weekly.days.none()) {
      return InvalidArgumentError("Schedule.Weekly.Days must name at least one day")
          .WithField("Schedule.Weekly.Days");
    }
    return ValidateCalendarTime(weekly.at, "Schedule.Weekly");
  }
  Status operator()(const Monthly& monthly) const {
    if (monthly.day < 1 || monthly.day > 31) {
      return InvalidArgumentError("Schedule.Monthly.Day must be between 1 and 31")
          .WithField("Schedule.Monthly.Day");
    }
    return ValidateCalendarTime(monthly.at, "Schedule.Monthly");
  }
};

// The earliest fire strictly after `after`.
struct NextFireAfter {
  WallTime anchor;
  WallTime after;

  std::optional<WallTime> operator()(const Immediate&) const {
    if (anchor > after) return anchor;
    return std::nullopt;
  }
  std::optional<WallTime> operator()(const ExactlyOnce& once) const {
    if (once.time > after) return once.time;
    return std::nullopt;
  }
  std::optional<WallTime> operator()(const Interval& interval) const {
    return IntervalFireAfter(interval, anchor, after);
  }
  template <class Calendar>
  std::optional<WallTime> operator()(const Calendar& calendar) const {
    // Calendar fires are whole seconds, so "at or after after + 1 tick" is "strictly after".
    WallTime strictly_after = after + WallTime::duration(1);
    return CalendarFireAtOrAfter(calendar,
                                 std::max(LowerBound(calendar.at, anchor), strictly_after));
  }
};

// The smallest fire instant of a job accepted at `accepted_at`.
struct FirstFireOf {
  WallTime accepted_at;

  WallTime operator()(const Immediate&) const { return accepted_at; }
  WallTime operator()(const ExactlyOnce& once) const { return once.time; }
  WallTime operator()(const Interval& interval) const {
    return IntervalFireAfter(interval, accepted_at, accepted_at);
  }
  template <class Calendar>
  WallTime operator()(const Calendar& calendar) const {
    return CalendarFireAtOrAfter(calendar, LowerBound(calendar.at, accepted_at))
        .value_or(WallTime::max());
  }
};

}  // namespace

std::string_view ScheduleMemberName(const Schedule& schedule) {
  // In the order of Schedule::value's alternatives.
  static constexpr std::string_view kNames[] = {"Immediate", "ExactlyOnce", "Interval",
                                                "Daily",     "Weekly",      "Monthly"};
  return kNames[schedule.value.index()];
}

bool IsRecurring(const Schedule& schedule) {
  return !std::holds_alternative<Immediate>(schedule.value) &&
         !std::holds_alternative<ExactlyOnce>(schedule.value);
}

Status ValidateSchedule(const Schedule& schedule) {
  return std::visit(Validator{}, schedule.value);
}

std::optional<WallTime> NextFire(const Schedule& schedule, WallTime anchor, WallTime after) {
  if (after >= kLatest || !InRange(anchor)) return std::nullopt;
  // Every fire is at or after kEarliest, so an earlier `after` (even WallTime::min()) means
  // "from the beginning".
  after = std::max(after, kEarliest - WallTime::duration(1));
  return std::visit(NextFireAfter{anchor, after}, schedule.value);
}

WallTime FirstFire(const Schedule& schedule, WallTime accepted_at) {
  if (!InRange(accepted_at) && IsRecurring(schedule)) return WallTime::max();
  return std::visit(FirstFireOf{accepted_at}, schedule.value);
}

}  // namespace orch::jobs
