// The compact Schedule strings of the agent wire and the ScheduleType query field (SPEC §4).
#include <cstdio>
#include <string>

#include "jobs/iso_time.h"
#include "jobs/schedule.h"

namespace orch::jobs {
namespace {

using std::chrono::seconds;

Status Malformed(std::string_view compact, std::string_view why) {
  return InvalidArgumentError("'" + std::string(compact.substr(0, 64)) +
                              "' is not a compact schedule: " + std::string(why));
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// A run of 1..`max_digits` decimal digits, the whole of `text`.
std::optional<int> SmallNumber(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// "HH:mm" or "HH:mm:ss" as seconds after midnight.
std::optional<seconds> TimeOfDay(std::string_view text) {
  if (text.size() != 5 && text.size() != 8) return std::nullopt;
  if (text[2] != ':' || (text.size() == 8 && text[5] != ':')) return std::nullopt;
  auto hour = SmallNumber(text.substr(0, 2), 2);
  auto minute = SmallNumber(text.substr(3, 2), 2);
  auto second = text.size() == 8 ? SmallNumber(text.substr(6, 2), 2) : std::optional<int>(0);
  if (!hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  return std::chrono::hours(*hour) + std::chrono::minutes(*minute) + seconds(*second);
}

std::string FormatTimeOfDay(seconds time_of_day) {
  std::chrono::hh_mm_ss<seconds> hms{time_of_day};
  char buffer[16];
  int hours = static_cast<int>(hms.hours().count());
  int minutes = static_cast<int>(hms.minutes().count());
  int secs = static_cast<int>(hms.seconds().count());
  if (secs == 0) {
    std::snprintf(buffer, sizeof buffer, "%02d:%02d", hours, minutes);
  } else {
    std::snprintf(buffer, sizeof buffer, "%02d:%02d:%02d", hours, minutes, secs);
  }
  return buffer;
}

// Splits "<head>_<time>" at its last '_' and reads the time of day.
StatusOr<seconds> TrailingTime(std::string_view compact, std::string_view rest,
                               std::string_view& head) {
  size_t underscore = rest.rfind('_');
  if (underscore == std::string_view::npos) return Malformed(compact, "expected _HH:mm");
  head = rest.substr(0, underscore);
  std::optional<seconds> time = TimeOfDay(rest.substr(underscore + 1));
  if (!time) return Malformed(compact, "the time of day must be HH:mm");
  return *time;
}

StatusOr<Schedule> ParseIntervalForm(std::string_view compact, std::string_view rest) {
  std::optional<int> minutes = SmallNumber(rest, 6);
  if (!minutes || *minutes < 1 || *minutes > kMaxIntervalMinutes) {
    return Malformed(compact, "I_ takes minutes between 1 and 525600");
  }
  return Schedule{Interval{*minutes}};
}

StatusOr<Schedule> ParseDailyForm(std::string_view compact, std::string_view rest) {
  std::optional<seconds> time = TimeOfDay(rest);
  if (!time) return Malformed(compact, "D_ takes a time of day HH:mm");
  Daily daily;
  daily.at.time_of_day = *time;
  return Schedule{daily};
}

// Digits 1 (Sunday) … 7 (Saturday), each at most once.
StatusOr<Schedule> ParseWeeklyForm(std::string_view compact, std::string_view rest) {
  std::string_view digits;
  ORCH_ASSIGN_OR_RETURN(seconds time, TrailingTime(compact, rest, digits));
  Weekly weekly;
  weekly.at.time_of_day = time;
  if (digits.empty()) return Malformed(compact, "W_ needs at least one day digit 1..7");
  for (char c : digits) {
    if (c < '1' || c > '7') return Malformed(compact, "W_ day digits are 1 (Sunday) to 7");
    size_t day = static_cast<size_t>(c - '1');
    if (weekly.days.test(day)) return Malformed(compact, "W_ lists a day twice");
    weekly.days.set(day);
  }
  return Schedule{weekly};
}

// M_L is Day 31: Day 31 already means the last day of every month.
StatusOr<Schedule> ParseMonthlyForm(std::string_view compact, std::string_view rest) {
  std::string_view day_text;
  ORCH_ASSIGN_OR_RETURN(seconds time, TrailingTime(compact, rest, day_text));
  Monthly monthly;
  monthly.at.time_of_day = time;
  if (day_text == "L" || day_text == "l") {
    monthly.day = 31;
    return Schedule{monthly};
  }
  std::optional<int> day = SmallNumber(day_text, 2);
  if (!day || *day < 1 || *day > 31) return Malformed(compact, "M_ takes a day 1..31 or L");
  monthly.day = *day;
  return Schedule{monthly};
}

StatusOr<Schedule> ParseOnceForm(std::string_view compact, std::string_view rest) {
  StatusOr<WallTime> time = ParseIsoTime(rest);
  if (!time.ok()) return Malformed(compact, "O_ takes YYYY-MM-DDTHH:mm in UTC");
  return Schedule{ExactlyOnce{*time}};
}

std::string OnceString(WallTime time) {
  // FormatIsoTime gives "YYYY-MM-DDTHH:MM:SS[.mmm]Z"; the compact form stops at the minute
  // unless there are seconds.
  std::string iso = FormatIsoTime(time).substr(0, 19);
  if (iso.compare(16, 3, ":00") == 0) iso.resize(16);
  return "O_" + iso;
}

std::string WeeklyString(const Weekly& weekly) {
  std::string out = "W_";
  for (size_t day = 0; day < weekly.days.size(); ++day) {
    if (weekly.days.test(day)) out += static_cast<char>('1' + day);
  }
  return out + "_" + FormatTimeOfDay(weekly.at.time_of_day);
}

std::string MonthlyString(const Monthly& monthly) {
  std::string day = monthly.day >= 31 ? "L" : std::to_string(monthly.day);
  return "M_" + day + "_" + FormatTimeOfDay(monthly.at.time_of_day);
}

}  // namespace

StatusOr<Schedule> ParseCompactSchedule(std::string_view compact) {
  if (compact.empty()) return Schedule{Immediate{}};
  if (compact.size() < 3 || compact[1] != '_') {
    return Malformed(compact, "expected I_, D_, W_, M_ or O_ followed by its value");
  }
  std::string_view rest = compact.substr(2);
  switch (compact[0]) {
    case 'I':
    case 'i': return ParseIntervalForm(compact, rest);
    case 'D':
    case 'd': return ParseDailyForm(compact, rest);
    case 'W':
    case 'w': return ParseWeeklyForm(compact, rest);
    case 'M':
    case 'm': return ParseMonthlyForm(compact, rest);
    case 'O':
    case 'o': return ParseOnceForm(compact, rest);
    default: return Malformed(compact, "expected I_, D_, W_, M_ or O_");
  }
}

std::optional<std::string> CompactSchedule(const Schedule& schedule) {
  struct Printer {
    std::optional<std::string> operator()(const Immediate&) const { return std::nullopt; }
    std::optional<std::string> operator()(const ExactlyOnce& once) const {
      return OnceString(once.time);
    }
    std::optional<std::string> operator()(const Interval& interval) const {
      return "I_" + std::to_string(interval.minutes);
    }
    std::optional<std::string> operator()(const Daily& daily) const {
      return "D_" + FormatTimeOfDay(daily.at.time_of_day);
    }
    std::optional<std::string> operator()(const Weekly& weekly) const {
      return WeeklyString(weekly);
    }
    std::optional<std::string> operator()(const Monthly& monthly) const {
      return MonthlyString(monthly);
    }
  };
  return std::visit(Printer{}, schedule.value);
}

}  // namespace orch::jobs
