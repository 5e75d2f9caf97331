// Schedule: when a job fires (SPEC §4). A value type, its JSON and compact string forms, and the
// pure next-fire math the scheduler runs on.
//
// Calendar members (Daily, Weekly, Monthly) keep the full instant T they were given:
//   - T is a start: nothing fires before it. The first fire is T when T matches the member's
//     days, else the next matching time after T.
//   - Their time of day is T's wall-clock time of day (to the second) in the member's TimeZone,
//     or in UTC without one. {"Daily": {"Time": "2027-01-10T12:30:00Z", "TimeZone":
//     "Europe/Berlin"}} fires every day at 13:30 Berlin time (CET/CEST alike), from T on.
//   - The compact forms D_/W_/M_ carry no date: their start is absent (no lower bound).
// Each local day yields exactly one fire instant: a local time skipped by a spring-forward gap
// fires when the gap ends; a local time that occurs twice fires at its first occurrence.
// Known limit: the OS tz files list DST transitions up to 2037 only, so in zones with DST,
// times of day after 2037 use the zone's last listed offset.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "common/clock.h"
#include "common/status.h"

namespace orch::jobs {

/// Largest Interval: one year of minutes.
inline constexpr int kMaxIntervalMinutes = 525600;

/// Due once, when the job is accepted.
struct Immediate {
  friend bool operator==(const Immediate&, const Immediate&) = default;
};

/// Due once at `time`; a time already past is due at once.
struct ExactlyOnce {
  WallTime time;
  friend bool operator==(const ExactlyOnce&, const ExactlyOnce&) = default;
};

/// Due every `minutes` after acceptance: accepted + k·minutes, k ≥ 1 (anchored, no drift).
struct Interval {
  int minutes = 1;  // 1..kMaxIntervalMinutes
  friend bool operator==(const Interval&, const Interval&) = default;
};

/// The time of day, zone and start shared by the calendar members.
struct CalendarTime {
  /// Wall-clock time after local midnight, in [0s, 24h).
  std::chrono::seconds time_of_day{0};
  /// Canonical IANA zone in which time_of_day is read; empty means UTC.
  std::string time_zone;
  /// The T given (whole seconds): no fire happens before it. Absent for the compact forms.
  std::optional<WallTime> start;
  friend bool operator==(const CalendarTime&, const CalendarTime&) = default;
};

/// Due every day at `at`.
struct Daily {
  CalendarTime at;
  friend bool operator==(const Daily&, const Daily&) = default;
};

/// Due at `at` on each weekday in `days`; bit 0 = Sunday … bit 6 = Saturday (local days).
struct Weekly {
  std::bitset<7> days;
  CalendarTime at;
  friend bool operator==(const Weekly&, const Weekly&) = default;
};

/// Due at `at` on day `day` (1..31) of each month; in a shorter month, on its last day.
/// Day 31 is therefore always the month's last day (the compact form M_L).
struct Monthly {
  int day = 1;
  CalendarTime at;
  friend bool operator==(const Monthly&, const Monthly&) = default;
};

/// Exactly one of the Schedule members; the default value is Immediate.
struct Schedule {
  std::variant<Immediate, ExactlyOnce, Interval, Daily, Weekly, Monthly> value;
  friend bool operator==(const Schedule&, const Schedule&) = default;
};

/// "Immediate", "ExactlyOnce", "Interval", "Daily", "Weekly" or "Monthly".
std::string_view ScheduleMemberName(const Schedule& schedule);

/// True for Interval, Daily, Weekly and Monthly; false for the one-shot members.
bool IsRecurring(const Schedule& schedule);

/// Checks ranges and the time zone of a Schedule built in code or loaded from storage;
/// InvalidArgument naming the field ("Schedule.Interval.Minutes") otherwise.
Status ValidateSchedule(const Schedule& schedule);

/// Parses the Add API's Schedule object. Member names match case-insensitively, members set to
/// null count as not set, and times follow ParseIsoTime (no offset = UTC). Every problem is
/// InvalidArgument with WithField("Schedule.<Member>.<Field>"), or "Schedule" when no member or
/// more than one is set. Never throws.
StatusOr<Schedule> ParseScheduleJson(const nlohmann::json& schedule);

/// The same shape with canonical names, times as "2026-11-22T13:30:00Z" and TimeZone only when
/// set. A calendar member without a start gets Time = its time of day on 1970-01-01 (local),
/// which parses back to the same behaviour. REQUIRES: ValidateSchedule(schedule).ok()
nlohmann::json ScheduleToJson(const Schedule& schedule);

/// Parses the compact form: "" (null) = Immediate, "I_<min>", "D_HH:mm", "W_<digits>_HH:mm"
/// (1 = Sunday … 7 = Saturday), "M_<day>_HH:mm", "M_L_HH:mm" (= Day 31, the last day),
/// "O_YYYY-MM-DDTHH:mm" (UTC). ":ss" may follow any HH:mm. Letters match case-insensitively.
/// Calendar results are UTC with no start. InvalidArgument (no field) when malformed.
StatusOr<Schedule> ParseCompactSchedule(std::string_view compact);

/// The compact form, nullopt for Immediate. Monthly Day 31 prints as M_L; seconds print only
/// when not zero; milliseconds, the start and the TimeZone are not carried (a zoned schedule
/// prints its local time of day). REQUIRES: ValidateSchedule(schedule).ok()
std::optional<std::string> CompactSchedule(const Schedule& schedule);

/// The earliest fire instant strictly after `after`, or nullopt when there is none. The fire
/// instants are: Immediate {anchor}; ExactlyOnce {T}; Interval {anchor + k·Minutes, k ≥ 1},
/// computed by multiplication; calendar members, the matching local times at or after
/// max(start, anchor). `anchor` is the time the job was accepted.
/// REQUIRES: ValidateSchedule(schedule).ok(); anchor in the years 1900..2200 (else nullopt).
/// An `after` past 2200 gives nullopt; any earlier `after`, even WallTime::min(), is fine.
std::optional<WallTime> NextFire(const Schedule& schedule, WallTime anchor, WallTime after);

/// The first due time of a job accepted at `accepted_at` (the smallest fire instant above):
/// Immediate → accepted_at; ExactlyOnce → T, even when past (the caller compares with now);
/// Interval → accepted_at + Minutes; calendar → the first match at or after
/// max(start, accepted_at). REQUIRES: ValidateSchedule(schedule).ok(); accepted_at in the
/// years 1900..2200 (else a recurring schedule answers WallTime::max(), "never").
WallTime FirstFire(const Schedule& schedule, WallTime accepted_at);

}  // namespace orch::jobs
