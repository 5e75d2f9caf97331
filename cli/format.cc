#include "cli/format.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <variant>

#include <nlohmann/json.hpp>

#include "jobs/bounded_json.h"
#include "jobs/iso_time.h"
#include "jobs/schedule.h"
#include "jobs/store_types.h"

namespace orch::cli {
namespace {

using nlohmann::json;
using std::chrono::seconds;

struct EnumName {
  int64_t number;
  std::string_view name;
};

constexpr std::array<EnumName, 3> kAgentStatus = {
    {{1, "New"}, {2, "Approved"}, {3, "Disapproved"}}};
constexpr std::array<EnumName, 3> kReenrollment = {
    {{0, "None"}, {1, "Requested"}, {2, "Required"}}};
constexpr std::array<EnumName, 8> kAgentPlatform = {{{0, "Unknown"},
                                                     {1, ".NET"},
                                                     {2, "Java"},
                                                     {3, "Mac"},
                                                     {4, "Android"},
                                                     {5, "Native"},
                                                     {6, "Bash"},
                                                     {7, "Universal Orchestrator"}}};
constexpr std::array<EnumName, 5> kRunStatus = {{{1, "Waiting"},
                                                 {2, "InProcess"},
                                                 {3, "Completed"},
                                                 {4, "Acknowledged"},
                                                 {5, "CompletedWillRetry"}}};
constexpr std::array<EnumName, 4> kRunResult = {
    {{0, "Unknown"}, {2, "Success"}, {3, "Warning"}, {4, "Failure"}}};

// Weekday names by the Schedule's bit (0 = Sunday), listed Monday first.
constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<size_t, 7> kWeekdayOrder = {1, 2, 3, 4, 5, 6, 0};

std::string EnumText(const json& value, std::span<const EnumName> names) {
  if (value.is_number_integer()) {
    const int64_t number = value.get<int64_t>();
    for (const EnumName& entry : names) {
      if (entry.number == number) return std::string(entry.name);
    }
  }
  return ValueText(value);
}

std::string TwoDigits(long value) {
  char text[24];
  std::snprintf(text, sizeof text, "%02ld", value);
  return text;
}

// "HH:MM", with ":SS" only when the seconds are not zero.
std::string TimeOfDayText(seconds time_of_day) {
  const long total = static_cast<long>(time_of_day.count());
  std::string text = TwoDigits(total / 3600) + ":" + TwoDigits(total / 60 % 60);
  if (total % 60 != 0) text += ":" + TwoDigits(total % 60);
  return text;
}

std::string ZoneText(const std::string& zone) {
  return zone.empty() ? "UTC" : zone;
}

std::string IntervalText(int minutes) {
  if (minutes % 1440 == 0) return "every " + std::to_string(minutes / 1440) + " d";
  if (minutes % 60 == 0) return "every " + std::to_string(minutes / 60) + " h";
  return "every " + std::to_string(minutes) + " min";
}

std::string WeekdaysText(const std::bitset<7>& days) {
  std::string text;
  for (size_t bit : kWeekdayOrder) {
    if (!days.test(bit)) continue;
    if (!text.empty()) text += ",";
    text += kWeekdays[bit];
  }
  return text;
}

std::string ScheduleWords(const jobs::Schedule& schedule, const RenderContext& ctx) {
  struct Words {
    const RenderContext& ctx;
    std::string operator()(const jobs::Immediate&) const { return "now"; }
    std::string operator()(const jobs::ExactlyOnce& once) const {
      const bool whole_minute = std::chrono::floor<std::chrono::minutes>(once.time) == once.time;
      return "once " + LocalTimeText(once.time, ctx.zone, !whole_minute);
    }
    std::string operator()(const jobs::Interval& interval) const {
      return IntervalText(interval.minutes);
    }
    std::string operator()(const jobs::Daily& daily) const {
      return "daily " + TimeOfDayText(daily.at.time_of_day) + " " + ZoneText(daily.at.time_zone);
    }
    std::string operator()(const jobs::Weekly& weekly) const {
      return "weekly " + WeekdaysText(weekly.days) + " " + TimeOfDayText(weekly.at.time_of_day) +
             " " + ZoneText(weekly.at.time_zone);
    }
    std::string operator()(const jobs::Monthly& monthly) const {
      return "monthly " + std::to_string(monthly.day) + " " +
             TimeOfDayText(monthly.at.time_of_day) + " " + ZoneText(monthly.at.time_zone);
    }
  };
  return std::visit(Words{ctx}, schedule.value);
}

}  // namespace

const json& Member(const json& object, std::string_view key) {
  return jobs::JsonMember(object, key);
}

std::string ValueText(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "-";
    case json::value_t::string: return value.get_ref<const std::string&>();
    case json::value_t::boolean: return value.get<bool>() ? "yes" : "no";
    case json::value_t::object:
      if (value.empty()) return "-";
      return value.dump(-1, ' ', false, json::error_handler_t::replace);
    case json::value_t::array: {
      if (value.empty()) return "-";
      std::string text;
      for (const json& item : value) text += (text.empty() ? "" : ", ") + ValueText(item);
      return text;
    }
    default: return value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

std::string LocalTimeText(WallTime time, const jobs::TimeZone& zone, bool seconds) {
  const std::chrono::local_seconds local = zone.ToLocal(time);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day date(day);
  const long since_midnight = static_cast<long>((local - day).count());
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02ld:%02ld", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                since_midnight / 3600, since_midnight / 60 % 60);
  std::string out = text;
  if (seconds) out += ":" + TwoDigits(since_midnight % 60);
  return out;
}

std::string RelativeTimeText(WallTime time, WallTime now) {
  const int64_t delta = std::chrono::duration_cast<seconds>(time - now).count();
  const int64_t size = std::llabs(delta);
  if (size < 5) return "now";
  std::string amount;
  if (size < 60) {
    amount = std::to_string(size) + " s";
  } else if (size < 3600) {
    amount = std::to_string(size / 60) + " min";
  } else if (size < int64_t{2} * 86400) {
    amount = std::to_string(size / 3600) + " h";
  } else {
    amount = std::to_string(size / 86400) + " d";
  }
  return delta > 0 ? "in " + amount : amount + " ago";
}

std::string FormatTime(const json& iso_or_null, const RenderContext& ctx) {
  if (!iso_or_null.is_string()) return ValueText(iso_or_null);
  StatusOr<WallTime> time = jobs::ParseIsoTime(iso_or_null.get_ref<const std::string&>());
  if (!time.ok()) return ValueText(iso_or_null);
  return LocalTimeText(*time, ctx.zone) + " (" + RelativeTimeText(*time, ctx.now) + ")";
}

std::string DurationText(seconds duration) {
  static constexpr std::array<std::pair<int64_t, std::string_view>, 4> kUnits = {
      {{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}}};
  const int64_t total = std::max<int64_t>(duration.count(), 0);
  size_t unit = 0;
  while (unit + 1 < kUnits.size() && total < kUnits[unit].first) ++unit;
  const auto& [size, name] = kUnits[unit];
  std::string text = std::to_string(total / size) + " " + std::string(name);
  if (unit + 1 < kUnits.size()) {
    const auto& [next_size, next_name] = kUnits[unit + 1];
    const int64_t rest = total % size / next_size;
    if (rest > 0) text += " " + std::to_string(rest) + " " + std::string(next_name);
  }
  return text;
}

std::string AgentStatusText(const json& value) {
  return EnumText(value, kAgentStatus);
}
std::string ReenrollmentText(const json& value) {
  return EnumText(value, kReenrollment);
}
std::string AgentPlatformText(const json& value) {
  return EnumText(value, kAgentPlatform);
}
std::string RunStatusText(const json& value) {
  return EnumText(value, kRunStatus);
}
std::string RunResultText(const json& value) {
  return EnumText(value, kRunResult);
}

std::string StoreTypeText(const json& value) {
  if (value.is_number_integer()) {
    const int64_t number = value.get<int64_t>();
    if (number >= INT32_MIN && number <= INT32_MAX) {
      if (const jobs::StoreType* type = jobs::FindStoreType(static_cast<int>(number))) {
        return std::string(type->name);
      }
    }
  }
  return ValueText(value);
}

Style ResultStyle(const json& value) {
  const std::string name = RunResultText(value);
  if (name == "Success") return Style::kGreen;
  if (name == "Warning") return Style::kYellow;
  if (name == "Failure") return Style::kRed;
  return Style::kPlain;
}

std::string ScheduleText(const json& schedule, const json& schedule_type,
                         const RenderContext& ctx) {
  if (!schedule.is_null()) {
    StatusOr<jobs::Schedule> parsed = jobs::ParseScheduleJson(schedule);
    if (parsed.ok()) return ScheduleWords(*parsed, ctx);
  }
  if (schedule_type.is_string() || (schedule.is_null() && schedule_type.is_null())) {
    const std::string compact = schedule_type.is_string() ? schedule_type.get<std::string>() : "";
    StatusOr<jobs::Schedule> parsed = jobs::ParseCompactSchedule(compact);
    if (parsed.ok()) return ScheduleWords(*parsed, ctx);
  }
  return ValueText(schedule.is_null() ? schedule_type : schedule);
}

}  // namespace orch::cli
