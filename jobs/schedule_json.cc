// The Add API's JSON Schedule object, both ways.
#include <algorithm>
#include <bitset>
#include <cstdint>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jobs/ascii.h"
#include "jobs/iso_time.h"
#include "jobs/schedule.h"
#include "jobs/time_zone.h"

namespace orch::jobs {
namespace {

using nlohmann::json;

// A short, printable rendering of a JSON value for messages; input may be any size or bytes.
std::string Shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

Status FieldError(const std::string& field, const std::string& message) {
  return InvalidArgumentError(field + " " + message).WithField(field);
}

// The non-null members of `object` keyed by their canonical names. An unknown non-null member
// or one given twice (names differing only in case) is an error naming it.
using Members = std::map<std::string_view, const json*>;
StatusOr<Members> CollectMembers(const json& object, const std::vector<std::string_view>& known,
                                 const std::string& path) {
  if (!object.is_object()) return FieldError(path, "must be an object, got " + Shown(object));
  Members members;
  for (auto item = object.begin(); item != object.end(); ++item) {
    const std::string& key = item.key();
    const json& value = item.value();
    if (value.is_null()) continue;
    auto it = std::find_if(known.begin(), known.end(),
                           [&](std::string_view name) { return EqualsIgnoreCase(name, key); });
    if (it == known.end()) {
      std::string field = path + ".";
      field += key.size() > 40 ? key.substr(0, 40) + "..." : key;
      return FieldError(field, "is not a known member of " + path);
    }
    if (!members.emplace(*it, &value).second) {
      return FieldError(path + "." + std::string(*it), "is given twice");
    }
  }
  return members;
}

// A JSON integer as int64, or nullopt for any other value (including 30.0 and "30").
std::optional<int64_t> AsInteger(const json& value) {
  if (value.is_number_unsigned()) {
    uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  return std::nullopt;
}

StatusOr<int64_t> RequireInteger(const Members& members, std::string_view name,
                                 const std::string& path, int64_t low, int64_t high) {
  std::string field = path + "." + std::string(name);
  auto it = members.find(name);
  if (it == members.end()) return FieldError(field, "is required");
  std::optional<int64_t> number = AsInteger(*it->second);
  if (!number || *number < low || *number > high) {
    return FieldError(field, "must be an integer between " + std::to_string(low) + " and " +
                                 std::to_string(high) + ", got " + Shown(*it->second));
  }
  return *number;
}

StatusOr<WallTime> RequireTime(const Members& members, const std::string& path) {
  std::string field = path + ".Time";
  auto it = members.find("Time");
  if (it == members.end()) return FieldError(field, "is required");
  if (!it->second->is_string()) {
    return FieldError(field, "must be an ISO 8601 time string, got " + Shown(*it->second));
  }
  StatusOr<WallTime> time = ParseIsoTime(it->second->get_ref<const std::string&>());
  if (!time.ok()) return FieldError(field, "is invalid: " + time.status().message());
  return *time;
}

StatusOr<TimeZone> OptionalZone(const Members& members, const std::string& path) {
  std::string field = path + ".TimeZone";
  auto it = members.find("TimeZone");
  if (it == members.end()) return TimeZone();
  if (!it->second->is_string()) {
    return FieldError(field, "must be an IANA time zone name, got " + Shown(*it->second));
  }
  StatusOr<TimeZone> zone = TimeZone::Locate(it->second->get_ref<const std::string&>());
  if (!zone.ok() || zone->name().empty()) {
    return FieldError(field, "is invalid: unknown time zone " + Shown(*it->second) +
                                 "; expected an IANA name such as Europe/Berlin");
  }
  return *zone;
}

// Time (required) and TimeZone (optional) of a calendar member: the time of day is T's
// wall-clock time of day in the zone, and T (whole seconds) is the start.
StatusOr<CalendarTime> ParseCalendarTime(const Members& members, const std::string& path) {
  ORCH_ASSIGN_OR_RETURN(WallTime time, RequireTime(members, path));
  ORCH_ASSIGN_OR_RETURN(TimeZone zone, OptionalZone(members, path));
  std::chrono::local_seconds local = zone.ToLocal(time);
  CalendarTime at;
  at.time_of_day = local - std::chrono::floor<std::chrono::days>(local);
  at.time_zone = std::string(zone.name());
  at.start = WallTime(std::chrono::floor<std::chrono::seconds>(time));
  return at;
}

StatusOr<Schedule> ParseImmediate(const json& value) {
  if (!value.is_boolean() || !value.get<bool>()) {
    return FieldError("Schedule.Immediate", "must be true, got " + Shown(value));
  }
  return Schedule{Immediate{}};
}

StatusOr<Schedule> ParseExactlyOnce(const json& value) {
  const std::string path = "Schedule.ExactlyOnce";
  ORCH_ASSIGN_OR_RETURN(Members members, CollectMembers(value, {"Time"}, path));
  ORCH_ASSIGN_OR_RETURN(WallTime time, RequireTime(members, path));
  return Schedule{ExactlyOnce{time}};
}

StatusOr<Schedule> ParseInterval(const json& value) {
  const std::string path = "Schedule.Interval";
  ORCH_ASSIGN_OR_RETURN(Members members, CollectMembers(value, {"Minutes"}, path));
  ORCH_ASSIGN_OR_RETURN(int64_t minutes,
                        RequireInteger(members, "Minutes", path, 1, kMaxIntervalMinutes));
  return Schedule{Interval{static_cast<int>(minutes)}};
}

StatusOr<Schedule> ParseDaily(const json& value) {
  const std::string path = "Schedule.Daily";
  ORCH_ASSIGN_OR_RETURN(Members members, CollectMembers(value, {"Time", "TimeZone"}, path));
  ORCH_ASSIGN_OR_RETURN(CalendarTime at, ParseCalendarTime(members, path));
  return Schedule{Daily{std::move(at)}};
}

StatusOr<std::bitset<7>> ParseDays(const Members& members, const std::string& path) {
  std::string field = path + ".Days";
  auto it = members.find("Days");
  if (it == members.end()) return FieldError(field, "is required");
  const json& list = *it->second;
  if (!list.is_array() || list.empty()) {
    return FieldError(field,
                      "must be a non-empty array of days 0..6 (0 = Sunday), got " + Shown(list));
  }
  std::bitset<7> days;
  for (const json& item : list) {
    std::optional<int64_t> day = AsInteger(item);
    if (!day || *day < 0 || *day > 6) {
      return FieldError(field, "must hold integers 0..6 (0 = Sunday), got " + Shown(item));
    }
    if (days.test(static_cast<size_t>(*day))) {
      return FieldError(field, "lists day " + std::to_string(*day) + " twice");
    }
    days.set(static_cast<size_t>(*day));
  }
  return days;
}

StatusOr<Schedule> ParseWeekly(const json& value) {
  const std::string path = "Schedule.Weekly";
  ORCH_ASSIGN_OR_RETURN(Members members, CollectMembers(value, {"Days", "Time", "TimeZone"}, path));
  ORCH_ASSIGN_OR_RETURN(std::bitset<7> days, ParseDays(members, path));
  ORCH_ASSIGN_OR_RETURN(CalendarTime at, ParseCalendarTime(members, path));
  return Schedule{Weekly{days, std::move(at)}};
}

StatusOr<Schedule> ParseMonthly(const json& value) {
  const std::string path = "Schedule.Monthly";
  ORCH_ASSIGN_OR_RETURN(Members members, CollectMembers(value, {"Day", "Time", "TimeZone"}, path));
  ORCH_ASSIGN_OR_RETURN(int64_t day, RequireInteger(members, "Day", path, 1, 31));
  ORCH_ASSIGN_OR_RETURN(CalendarTime at, ParseCalendarTime(members, path));
  return Schedule{Monthly{static_cast<int>(day), std::move(at)}};
}

std::string ExactlyOneMessage(const Members& members) {
  std::string message =
      "Schedule must set exactly one of Immediate, ExactlyOnce, Interval, Daily, Weekly, "
      "Monthly; ";
  if (members.empty()) return message + "none is set";
  message += "got ";
  bool first = true;
  for (const auto& [name, value] : members) {
    message += (first ? "" : " and ") + std::string(name);
    first = false;
  }
  return message;
}

StatusOr<Schedule> ParseScheduleObject(const json& schedule) {
  ORCH_ASSIGN_OR_RETURN(Members members, CollectMembers(schedule,
                                                        {"Immediate", "ExactlyOnce", "Interval",
                                                         "Daily", "Weekly", "Monthly"},
                                                        "Schedule"));
  if (members.size() != 1) {
    return InvalidArgumentError(ExactlyOneMessage(members)).WithField("Schedule");
  }
  const auto& [name, value] = *members.begin();
  if (name == "Immediate") return ParseImmediate(*value);
  if (name == "ExactlyOnce") return ParseExactlyOnce(*value);
  if (name == "Interval") return ParseInterval(*value);
  if (name == "Daily") return ParseDaily(*value);
  if (name == "Weekly") return ParseWeekly(*value);
  return ParseMonthly(*value);
}

// Time of a calendar member: its start, or else its time of day on 1970-01-01 in its zone
// (a past start, so it behaves like none).
std::string CalendarTimeString(const CalendarTime& at) {
  if (at.start) return FormatIsoTime(*at.start);
  StatusOr<TimeZone> zone = TimeZone::Locate(at.time_zone);
  TimeZone resolved = zone.ok() ? *zone : TimeZone();
  std::chrono::local_days epoch_day{std::chrono::year(1970) / 1 / 1};
  return FormatIsoTime(resolved.FromLocal(epoch_day + at.time_of_day));
}

json CalendarTimeJson(const CalendarTime& at) {
  json out = json::object();
  out["Time"] = CalendarTimeString(at);
  if (!at.time_zone.empty()) out["TimeZone"] = at.time_zone;
  return out;
}

}  // namespace

StatusOr<Schedule> ParseScheduleJson(const json& schedule) {
  // nlohmann/json throws on type surprises; none may escape this adapter.
  try {
    ORCH_ASSIGN_OR_RETURN(Schedule parsed, ParseScheduleObject(schedule));
    // The member parsers check each field; this catches combinations such as a start that an
    // offset pushed past the supported years.
    ORCH_RETURN_IF_ERROR(ValidateSchedule(parsed));
    return parsed;
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("Schedule is malformed: ") + e.what())
        .WithField("Schedule");
  }
}

json ScheduleToJson(const Schedule& schedule) {
  struct Printer {
    json operator()(const Immediate&) const { return {{"Immediate", true}}; }
    json operator()(const ExactlyOnce& once) const {
      return {{"ExactlyOnce", {{"Time", FormatIsoTime(once.time)}}}};
    }
    json operator()(const Interval& interval) const {
      return {{"Interval", {{"Minutes", interval.minutes}}}};
    }
    json operator()(const Daily& daily) const { return {{"Daily", CalendarTimeJson(daily.at)}}; }
    json operator()(const Weekly& weekly) const {
      json member = CalendarTimeJson(weekly.at);
      member["Days"] = json::array();
      for (size_t day = 0; day < weekly.days.size(); ++day) {
        if (weekly.days.test(day)) member["Days"].push_back(day);
      }
      return {{"Weekly", std::move(member)}};
    }
    json operator()(const Monthly& monthly) const {
      json member = CalendarTimeJson(monthly.at);
      member["Day"] = monthly.day;
      return {{"Monthly", std::move(member)}};
    }
  };
  return std::visit(Printer{}, schedule.value);
}

}  // namespace orch::jobs
