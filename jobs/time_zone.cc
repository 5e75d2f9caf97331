#include "jobs/time_zone.h"

#include <exception>
#include <string>

#include <date/tz.h>

#include "jobs/ascii.h"

namespace orch::jobs {
namespace {

constexpr size_t kMaxZoneNameLength = 64;

// Files in /usr/share/zoneinfo that are not IANA zone names; "localtime" would make a
// schedule depend on the host's configuration.
bool IsReservedName(std::string_view name) {
  return EqualsIgnoreCase(name, "localtime") || EqualsIgnoreCase(name, "posixrules") ||
         EqualsIgnoreCase(name, "Factory");
}

const date::time_zone* FindZoneIgnoringCase(std::string_view name) {
  for (const date::time_zone& zone : date::get_tzdb().zones) {
    if (EqualsIgnoreCase(zone.name(), name)) return &zone;
  }
  return nullptr;
}

Status UnknownZone(std::string_view name) {
  return InvalidArgumentError("unknown time zone '" + std::string(name.substr(0, 64)) +
                              "'; expected an IANA name such as Europe/Berlin");
}

}  // namespace

StatusOr<TimeZone> TimeZone::Locate(std::string_view name) {
  if (name.empty()) return TimeZone();
  if (name.size() > kMaxZoneNameLength || IsReservedName(name)) return UnknownZone(name);
  // locate_zone throws for unknown names, and get_tzdb() throws when the database cannot be
  // read; both stop here. The exact spelling is a binary search; the scan is only for odd
  // capitalisation.
  try {
    return TimeZone(date::locate_zone(name));
  } catch (const std::exception&) {
  }
  try {
    if (const date::time_zone* zone = FindZoneIgnoringCase(name)) return TimeZone(zone);
  } catch (const std::exception&) {
  }
  return UnknownZone(name);
}

std::string_view TimeZone::name() const {
  return zone_ == nullptr ? std::string_view() : std::string_view(zone_->name());
}

std::chrono::local_seconds TimeZone::ToLocal(WallTime time) const {
  auto sys = std::chrono::floor<std::chrono::seconds>(time);
  if (zone_ == nullptr) return std::chrono::local_seconds(sys.time_since_epoch());
  date::local_seconds local = zone_->to_local(sys);
  return std::chrono::local_seconds(local.time_since_epoch());
}

WallTime TimeZone::FromLocal(std::chrono::local_seconds local) const {
  if (zone_ == nullptr) return WallTime(local.time_since_epoch());
  date::local_seconds when(local.time_since_epoch());
  date::local_info info = zone_->get_info(when);
  switch (info.result) {
    case date::local_info::unique: return WallTime(when.time_since_epoch() - info.first.offset);
    case date::local_info::nonexistent:
      // The clocks jumped over this time: fire at the first instant after the gap.
      return WallTime(info.first.end.time_since_epoch());
    case date::local_info::ambiguous:
      // The clocks showed this time twice: the first occurrence uses the earlier offset.
      return WallTime(when.time_since_epoch() - info.first.offset);
  }
  return WallTime(when.time_since_epoch() - info.first.offset);
}

}  // namespace orch::jobs
