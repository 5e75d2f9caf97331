// The schedule flags of `orchctl jobs add` (SPEC §11), turned into the Add API's Schedule object
// (SPEC §4). Pure: the current time and the machine's zone are passed in.
//
// Zones. A time typed without a zone is local: in --tz when given, else in the machine's zone
// (as `date` reads it), so `--daily 02:00` on a machine in Berlin means 02:00 Berlin time all
// year. Calendar flags then carry that zone as "TimeZone" (omitted when it is UTC), and the
// daemon keeps the local time across DST changes. `--at` with Z or an offset is absolute.
// `--schedule` takes the compact wire form as it is: its D_/W_/M_/O_ times are UTC.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "jobs/schedule.h"
#include "jobs/time_zone.h"

namespace orch::cli {

/// The schedule flags of `orchctl jobs add`, as typed.
struct ScheduleFlags {
  bool now = false;                     // --now
  std::optional<std::string> at;        // --at 2027-01-31T08:00Z
  std::optional<std::string> every;     // --every 30m
  std::optional<std::string> daily;     // --daily 02:00
  std::optional<std::string> weekly;    // --weekly mon,wed@13:30
  std::optional<std::string> monthly;   // --monthly 31@03:00 | last@03:00
  std::optional<std::string> tz;        // --tz Europe/Berlin
  std::optional<std::string> schedule;  // --schedule W_246_13:30 (the compact form)
};

/// The Schedule described by exactly one schedule flag (plus --tz):
///   --now                    Immediate
///   --at T                   ExactlyOnce at T: `2027-01-31T08:00Z`, `...:SS`, `...+01:00`, or
///                            no designator = local time (in a DST gap: the gap's end; when
///                            repeated: the first); a past T is due at once, as in the API
///   --every N{m,h,d}         Interval of N minutes, hours or days (1m to 365d)
///   --daily HH:MM            Daily
///   --weekly DAYS@HH:MM      Weekly; DAYS like `mon,wed` or `monday` in any case, no repeats
///   --monthly D@HH:MM        Monthly on day D (1..31); `last` is Day 31, which the daemon fires
///                            on the last day of every shorter month
///   --schedule COMPACT       the compact form (I_30, D_02:00, W_246_13:30, M_L_03:00, O_...)
/// A calendar flag's start is today (in its zone, as of `now`) at HH:MM, read back to exactly
/// HH:MM in that zone; it may lie in the past, so the first fire is the next HH:MM from now.
/// On a day whose DST gap skips HH:MM, the start is the previous day on which HH:MM exists.
/// InvalidArgument, its message naming the flag first ("--weekly: ...") and WithField(flag), for
/// a malformed value, for several schedule flags, for an unknown --tz, and for --tz with a flag
/// other than --at, --daily, --weekly or --monthly or with an --at that names its own zone;
/// InvalidArgument without a field when no schedule flag is given.
StatusOr<jobs::Schedule> ScheduleFromFlags(const ScheduleFlags& flags, WallTime now,
                                           const jobs::TimeZone& local_zone);

/// The Schedule JSON object the control API takes (SPEC §4), built from ScheduleFromFlags():
/// times as ISO 8601 UTC ("2027-01-31T08:00:00Z"), "TimeZone" only when the zone is not UTC.
/// `local_zone` is the zone for times typed without --tz (orchctl passes the machine's zone).
StatusOr<nlohmann::json> BuildSchedule(const ScheduleFlags& flags, WallTime now,
                                       const jobs::TimeZone& local_zone);

}  // namespace orch::cli
