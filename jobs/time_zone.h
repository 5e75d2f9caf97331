// IANA time zones from the operating system's tz database (/usr/share/zoneinfo), with the DST
// rules schedules need. Callers never see the date/tz library.
#pragma once

#include <chrono>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace date {
class time_zone;
}  // namespace date

namespace orch::jobs {

/// A resolved zone, cheap to copy; the default-constructed value is UTC.
class TimeZone {
 public:
  TimeZone() = default;

  /// The zone named `name`, matched exactly and then case-insensitively; "" gives UTC.
  /// InvalidArgument (no field) for a name the tz database does not know.
  static StatusOr<TimeZone> Locate(std::string_view name);

  /// The canonical IANA spelling, or "" for the default UTC.
  std::string_view name() const;

  /// The wall-clock time `time` shows in this zone, floored to the second.
  std::chrono::local_seconds ToLocal(WallTime time) const;

  /// The instant at which this zone's clocks show `local`. A local time skipped by a
  /// spring-forward gap gives the instant the gap ends; one that occurs twice (fall-back)
  /// gives its first occurrence.
  WallTime FromLocal(std::chrono::local_seconds local) const;

 private:
  explicit TimeZone(const date::time_zone* zone) : zone_(zone) {}

  const date::time_zone* zone_ = nullptr;  // null = UTC; zones live as long as the process
};

}  // namespace orch::jobs
