#include "jobs/iso_time.h"

#include <chrono>
#include <cstdio>
#include <optional>

namespace orch::jobs {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2200;

// Reads exactly `width` decimal digits at `pos` and advances past them.
std::optional<int> ReadDigits(std::string_view text, size_t& pos, size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool Expect(std::string_view text, size_t& pos, char wanted) {
  if (pos >= text.size() || text[pos] != wanted) return false;
  ++pos;
  return true;
}

// The fractional seconds after the '.', truncated to milliseconds.
std::optional<milliseconds> ReadFraction(std::string_view text, size_t& pos) {
  size_t start = pos;
  int millis = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
    ++pos;
  }
  size_t digits = pos - start;
  if (digits == 0 || digits > 9) return std::nullopt;
  for (size_t i = digits; i < 3; ++i) millis *= 10;
  return milliseconds(millis);
}

// `Z`, `±HH:MM` or nothing (UTC); the offset is what local time is ahead of UTC.
std::optional<minutes> ReadOffset(std::string_view text, size_t& pos) {
  if (pos == text.size()) return minutes(0);
  char c = text[pos];
  if (c == 'Z' || c == 'z') {
    ++pos;
    return minutes(0);
  }
  if (c != '+' && c != '-') return std::nullopt;
  ++pos;
  auto hh = ReadDigits(text, pos, 2);
  if (!hh || !Expect(text, pos, ':')) return std::nullopt;
  auto mm = ReadDigits(text, pos, 2);
  if (!mm || *hh > 23 || *mm > 59) return std::nullopt;
  minutes offset = hours(*hh) + minutes(*mm);
  return c == '-' ? -offset : offset;
}

Status Malformed(std::string_view text, std::string_view why) {
  std::string shown(text.substr(0, 64));
  return InvalidArgumentError("'" + shown + "' is not an ISO 8601 time (" + std::string(why) +
                              "); expected e.g. 2026-11-22T13:30:00Z");
}

}  // namespace

StatusOr<WallTime> ParseIsoTime(std::string_view text) {
  size_t pos = 0;
  auto year = ReadDigits(text, pos, 4);
  bool date_shape = year && Expect(text, pos, '-');
  auto month = date_shape ? ReadDigits(text, pos, 2) : std::nullopt;
  date_shape = month && Expect(text, pos, '-');
  auto day = date_shape ? ReadDigits(text, pos, 2) : std::nullopt;
  if (!day) return Malformed(text, "the date must be YYYY-MM-DD");
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) {
    return Malformed(text, "a 'T' and a time of day must follow the date");
  }
  ++pos;
  auto hour = ReadDigits(text, pos, 2);
  auto minute = hour && Expect(text, pos, ':') ? ReadDigits(text, pos, 2) : std::nullopt;
  if (!minute) return Malformed(text, "the time of day must be HH:MM[:SS]");
  std::optional<int> second = 0;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    second = ReadDigits(text, pos, 2);
    if (!second) return Malformed(text, "seconds must be two digits");
  }
  std::optional<milliseconds> fraction = milliseconds(0);
  if (second && pos < text.size() && text[pos] == '.') {
    ++pos;
    fraction = ReadFraction(text, pos);
    if (!fraction) return Malformed(text, "the fraction of a second must be 1 to 9 digits");
  }
  auto offset = ReadOffset(text, pos);
  if (!offset || pos != text.size()) {
    return Malformed(text, "it must end with Z, an offset like +02:00, or nothing for UTC");
  }
  if (*year < kMinYear || *year > kMaxYear) {
    return Malformed(text, "the year must be between 1900 and 2200");
  }
  std::chrono::year_month_day ymd{std::chrono::year(*year), std::chrono::month(*month),
                                  std::chrono::day(*day)};
  if (!ymd.ok()) return Malformed(text, "no such date");
  if (*hour > 23 || *minute > 59 || *second > 59) return Malformed(text, "no such time of day");
  auto local =
      std::chrono::sys_days(ymd) + hours(*hour) + minutes(*minute) + seconds(*second) + *fraction;
  return WallTime(
      std::chrono::duration_cast<WallTime::duration>((local - *offset).time_since_epoch()));
}

std::string FormatIsoTime(WallTime time) {
  auto millis = floor<milliseconds>(time);
  auto day = floor<days>(millis);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss<milliseconds> tod{millis - day};
  char buffer[40];
  int n = std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d",
                        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                        static_cast<unsigned>(ymd.day()), static_cast<int>(tod.hours().count()),
                        static_cast<int>(tod.minutes().count()),
                        static_cast<int>(tod.seconds().count()));
  std::string out(buffer, static_cast<size_t>(n));
  if (tod.subseconds().count() != 0) {
    std::snprintf(buffer, sizeof buffer, ".%03d", static_cast<int>(tod.subseconds().count()));
    out += buffer;
  }
  out += 'Z';
  return out;
}

int64_t ToUnixMillis(WallTime time) {
  return floor<milliseconds>(time).time_since_epoch().count();
}

WallTime FromUnixMillis(int64_t millis) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(milliseconds(millis)));
}

}  // namespace orch::jobs
