#include "cli/schedule_flags.h"

#include <array>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "jobs/ascii.h"
#include "jobs/iso_time.h"

namespace orch::cli {
namespace {

using std::chrono::days;
using std::chrono::seconds;

constexpr std::string_view kNow = "--now";
constexpr std::string_view kAt = "--at";
constexpr std::string_view kEvery = "--every";
constexpr std::string_view kDaily = "--daily";
constexpr std::string_view kWeekly = "--weekly";
constexpr std::string_view kMonthly = "--monthly";
constexpr std::string_view kTz = "--tz";
constexpr std::string_view kSchedule = "--schedule";

// How much of a typed value an error message repeats.
constexpr size_t kMaxShown = 32;

// `value` quoted for a message: cut when long, with anything but printable ASCII shown as '?'
// so that no input can garble the terminal.
std::string Shown(std::string_view value) {
  std::string out = "\"";
  for (char c : value.substr(0, kMaxShown)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (value.size() > kMaxShown) out += "...";
  return out + "\"";
}

Status FlagError(std::string_view flag, const std::string& message) {
  return InvalidArgumentError(std::string(flag) + ": " + message).WithField(std::string(flag));
}

// The schedule flags given, by name, in the order the help lists them.
std::vector<std::string_view> GivenFlags(const ScheduleFlags& flags) {
  std::vector<std::string_view> given;
  if (flags.now) given.push_back(kNow);
  if (flags.at) given.push_back(kAt);
  if (flags.every) given.push_back(kEvery);
  if (flags.daily) given.push_back(kDaily);
  if (flags.weekly) given.push_back(kWeekly);
  if (flags.monthly) given.push_back(kMonthly);
  if (flags.schedule) given.push_back(kSchedule);
  return given;
}

Status CheckExactlyOne(const std::vector<std::string_view>& given) {
  if (given.empty()) {
    return InvalidArgumentError(
        "no schedule: give one of --now, --at, --every, --daily, --weekly, --monthly or "
        "--schedule");
  }
  if (given.size() == 1) return Status::Ok();
  std::string names;
  for (size_t i = 0; i < given.size(); ++i) {
    names += (i == 0 ? "" : i + 1 == given.size() ? " and " : ", ") + std::string(given[i]);
  }
  return InvalidArgumentError(names + ": give only one schedule flag")
      .WithField(std::string(given[1]));
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// All of `text` as a decimal number of 1..`max_digits` digits.
std::optional<int64_t> Number(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// "H:MM", "HH:MM" or "HH:MM:SS" as the time after midnight.
StatusOr<seconds> ParseTimeOfDay(std::string_view flag, std::string_view text) {
  size_t colon = text.find(':');
  std::string_view after = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  std::optional<int64_t> hour = Number(text.substr(0, colon), 2);
  std::optional<int64_t> minute = after.size() >= 2 ? Number(after.substr(0, 2), 2) : std::nullopt;
  std::optional<int64_t> second = 0;
  if (after.size() > 2) {
    second = after.size() == 5 && after[2] == ':' ? Number(after.substr(3), 2) : std::nullopt;
  }
  if (!hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 59) {
    return FlagError(flag, Shown(text) + " is not a time of day (HH:MM, 00:00 to 23:59)");
  }
  return std::chrono::hours(*hour) + std::chrono::minutes(*minute) + seconds(*second);
}

// Splits "<head>@<time of day>".
StatusOr<std::pair<std::string_view, seconds>> SplitAtTime(std::string_view flag,
                                                           std::string_view text,
                                                           std::string_view example) {
  size_t at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
    return FlagError(flag, "expected " + std::string(example) + ", got " + Shown(text));
  }
  ORCH_ASSIGN_OR_RETURN(seconds time, ParseTimeOfDay(flag, text.substr(at + 1)));
  return std::pair{text.substr(0, at), time};
}

// The spellings of UTC that TimeZone::name() may report; a schedule in UTC needs no TimeZone.
bool IsUtc(const jobs::TimeZone& zone) {
  std::string_view name = zone.name();
  return name.empty() || jobs::EqualsIgnoreCase(name, "UTC") ||
         jobs::EqualsIgnoreCase(name, "Etc/UTC");
}

// Today's date in `zone` (as of `now`) at `time_of_day`, as a calendar member's time, zone
// and start. The daemon reads the time of day back from the start in the zone, so the start
// must show exactly `time_of_day` there: on a day whose DST gap skips it, an earlier day is
// used (an earlier start changes nothing, as nothing fires before `now` anyway).
StatusOr<jobs::CalendarTime> StartToday(std::string_view flag, seconds time_of_day,
                                        const jobs::TimeZone& zone, WallTime now) {
  constexpr int kDaysBack = 7;
  std::chrono::local_days day = std::chrono::floor<days>(zone.ToLocal(now));
  for (int i = 0; i < kDaysBack; ++i, day -= days(1)) {
    WallTime start = zone.FromLocal(day + time_of_day);
    if (zone.ToLocal(start) != day + time_of_day) continue;
    jobs::CalendarTime at;
    at.time_of_day = time_of_day;
    at.time_zone = IsUtc(zone) ? "" : std::string(zone.name());
    at.start = start;
    return at;
  }
  return FlagError(flag, "that time of day does not exist in " + std::string(zone.name()));
}

// Whether an ISO time names its zone: a Z or an offset after the 'T'.
bool NamesItsZone(std::string_view iso) {
  std::string_view time = iso.size() > 10 ? iso.substr(10) : std::string_view();
  return time.find_first_of("Zz+-") != std::string_view::npos;
}

StatusOr<jobs::Schedule> ParseAt(std::string_view text, const std::optional<jobs::TimeZone>& tz,
                                 const jobs::TimeZone& local_zone) {
  // `date` and people write a space between the date and the time; the API wants a 'T'.
  std::string iso(text);
  if (iso.size() > 10 && iso[10] == ' ') iso[10] = 'T';
  StatusOr<WallTime> parsed = jobs::ParseIsoTime(iso);
  if (!parsed.ok()) {
    return FlagError(kAt, Shown(text) +
                              " is not a time; expected YYYY-MM-DDTHH:MM[:SS] with Z, an offset "
                              "like +01:00, or nothing for local time");
  }
  if (NamesItsZone(iso)) {
    if (tz) {
      return FlagError(kTz,
                       "--at " + Shown(text) + " already names its zone; drop --tz or that zone");
    }
    return jobs::Schedule{jobs::ExactlyOnce{*parsed}};
  }
  // ParseIsoTime read the digits as UTC; read them again as the wall clock of the zone.
  const jobs::TimeZone& zone = tz ? *tz : local_zone;
  auto whole = std::chrono::floor<seconds>(*parsed);
  std::chrono::local_seconds local(whole.time_since_epoch());
  return jobs::Schedule{jobs::ExactlyOnce{zone.FromLocal(local) + (*parsed - whole)}};
}

StatusOr<jobs::Schedule> ParseEvery(std::string_view text) {
  constexpr std::string_view kExpected = "expected whole minutes, hours or days such as 30m";
  size_t digits = 0;
  while (digits < text.size() && IsDigit(text[digits])) ++digits;
  std::string_view unit = text.substr(digits);
  if (digits == 0) {
    return FlagError(kEvery, Shown(text) + " is not a duration; " + std::string(kExpected));
  }
  if (unit.starts_with('.') || unit.starts_with(',')) {
    return FlagError(kEvery, Shown(text) + " is not whole; use a smaller unit (1.5h is 90m)");
  }
  if (unit.empty()) return FlagError(kEvery, Shown(text) + " has no unit; add m, h or d");
  if (unit == "s" || unit == "sec" || unit == "ms") {
    return FlagError(kEvery, Shown(text) + " is below a minute; minutes are the smallest unit");
  }
  int64_t per_unit = unit == "m" ? 1 : unit == "h" ? 60 : unit == "d" ? 1440 : 0;
  if (per_unit == 0) {
    return FlagError(kEvery, Shown(text) + " has an unknown unit; use m, h or d");
  }
  // Nine digits at most keeps the product far from overflow; anything longer is out of range.
  std::optional<int64_t> count = Number(text.substr(0, digits), 9);
  if (!count || *count * per_unit < 1 || *count * per_unit > jobs::kMaxIntervalMinutes) {
    return FlagError(kEvery, Shown(text) + " is out of range: 1m to 525600m (365d)");
  }
  return jobs::Schedule{jobs::Interval{static_cast<int>(*count * per_unit)}};
}

StatusOr<jobs::Schedule> ParseDaily(std::string_view text, const jobs::TimeZone& zone,
                                    WallTime now) {
  ORCH_ASSIGN_OR_RETURN(seconds time_of_day, ParseTimeOfDay(kDaily, text));
  ORCH_ASSIGN_OR_RETURN(jobs::CalendarTime at, StartToday(kDaily, time_of_day, zone, now));
  return jobs::Schedule{jobs::Daily{std::move(at)}};
}

// A day name, short or full, in any case: 0 = Sunday … 6 = Saturday.
std::optional<size_t> WeekdayNumber(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kFullNames = {
      "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  for (size_t day = 0; day < kFullNames.size(); ++day) {
    if (jobs::EqualsIgnoreCase(name, kFullNames[day]) ||
        jobs::EqualsIgnoreCase(name, kFullNames[day].substr(0, 3))) {
      return day;
    }
  }
  return std::nullopt;
}

StatusOr<std::bitset<7>> ParseWeekdays(std::string_view text) {
  std::bitset<7> days;
  std::string_view rest = text;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view name = TrimSpaces(rest.substr(0, comma));
    if (name.empty()) return FlagError(kWeekly, "empty day name in " + Shown(text));
    std::optional<size_t> day = WeekdayNumber(name);
    if (!day) {
      return FlagError(kWeekly, Shown(name) + " is not a day (sun, mon, tue, wed, thu, fri, sat)");
    }
    if (days.test(*day)) return FlagError(kWeekly, Shown(name) + " repeats a day already given");
    days.set(*day);
    if (comma == std::string_view::npos) return days;
    rest = rest.substr(comma + 1);
  }
}

StatusOr<jobs::Schedule> ParseWeekly(std::string_view text, const jobs::TimeZone& zone,
                                     WallTime now) {
  ORCH_ASSIGN_OR_RETURN(auto parts, SplitAtTime(kWeekly, text, "DAYS@HH:MM like mon,wed@13:30"));
  ORCH_ASSIGN_OR_RETURN(std::bitset<7> days, ParseWeekdays(parts.first));
  ORCH_ASSIGN_OR_RETURN(jobs::CalendarTime at, StartToday(kWeekly, parts.second, zone, now));
  return jobs::Schedule{jobs::Weekly{days, std::move(at)}};
}

StatusOr<jobs::Schedule> ParseMonthly(std::string_view text, const jobs::TimeZone& zone,
                                      WallTime now) {
  ORCH_ASSIGN_OR_RETURN(auto parts, SplitAtTime(kMonthly, text, "DAY@HH:MM like 31@03:00"));
  // jobs::Monthly fires Day 29..31 on the last day of a shorter month, so Day 31 is "the
  // last day of every month" (the compact form prints it as M_L).
  std::optional<int64_t> day =
      jobs::EqualsIgnoreCase(parts.first, "last") ? 31 : Number(parts.first, 2);
  if (!day || *day < 1 || *day > 31) {
    return FlagError(kMonthly,
                     Shown(parts.first) + " is not a day of the month (1 to 31, or last)");
  }
  ORCH_ASSIGN_OR_RETURN(jobs::CalendarTime at, StartToday(kMonthly, parts.second, zone, now));
  return jobs::Schedule{jobs::Monthly{static_cast<int>(*day), std::move(at)}};
}

StatusOr<jobs::Schedule> ParseCompact(std::string_view text) {
  // The compact form reads "" as Immediate; on a command line that is more likely an unset
  // shell variable than a wish to run now.
  if (text.empty()) return FlagError(kSchedule, "is empty; use --now to run at once");
  StatusOr<jobs::Schedule> schedule = jobs::ParseCompactSchedule(text);
  if (!schedule.ok()) return FlagError(kSchedule, schedule.status().message());
  return schedule;
}

// The zone named by --tz, when given; --tz only applies to flags that read a local time.
StatusOr<std::optional<jobs::TimeZone>> ZoneFlag(const ScheduleFlags& flags) {
  if (!flags.tz) return std::optional<jobs::TimeZone>();
  if (!flags.at && !flags.daily && !flags.weekly && !flags.monthly) {
    return FlagError(kTz, "applies only to --at, --daily, --weekly and --monthly");
  }
  StatusOr<jobs::TimeZone> zone = jobs::TimeZone::Locate(*flags.tz);
  if (flags.tz->empty() || !zone.ok()) {
    return FlagError(kTz, "unknown time zone " + Shown(*flags.tz) +
                              "; expected an IANA name such as Europe/Berlin");
  }
  return std::optional<jobs::TimeZone>(*zone);
}

}  // namespace

StatusOr<jobs::Schedule> ScheduleFromFlags(const ScheduleFlags& flags, WallTime now,
                                           const jobs::TimeZone& local_zone) {
  ORCH_RETURN_IF_ERROR(CheckExactlyOne(GivenFlags(flags)));
  ORCH_ASSIGN_OR_RETURN(std::optional<jobs::TimeZone> tz, ZoneFlag(flags));
  const jobs::TimeZone& zone = tz ? *tz : local_zone;
  StatusOr<jobs::Schedule> schedule = jobs::Schedule{jobs::Immediate{}};
  if (flags.at) schedule = ParseAt(*flags.at, tz, local_zone);
  if (flags.every) schedule = ParseEvery(*flags.every);
  if (flags.daily) schedule = ParseDaily(*flags.daily, zone, now);
  if (flags.weekly) schedule = ParseWeekly(*flags.weekly, zone, now);
  if (flags.monthly) schedule = ParseMonthly(*flags.monthly, zone, now);
  if (flags.schedule) schedule = ParseCompact(*flags.schedule);
  if (!schedule.ok()) return schedule;
  // Ranges the flags cannot see, such as a start outside the years the daemon accepts.
  Status valid = jobs::ValidateSchedule(*schedule);
  if (!valid.ok()) return FlagError(GivenFlags(flags).front(), valid.message());
  return schedule;
}

StatusOr<nlohmann::json> BuildSchedule(const ScheduleFlags& flags, WallTime now,
                                       const jobs::TimeZone& local_zone) {
  ORCH_ASSIGN_OR_RETURN(jobs::Schedule schedule, ScheduleFromFlags(flags, now, local_zone));
  return jobs::ScheduleToJson(schedule);
}

}  // namespace orch::cli
