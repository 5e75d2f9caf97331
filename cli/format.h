// How orchctl words single values of the daemon's answers: times, durations, enum numbers,
// schedules. Pure: the clock, the zone and the terminal come in a RenderContext.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "cli/table.h"
#include "common/clock.h"
#include "jobs/time_zone.h"

namespace orch::cli {

/// What a rendering may depend on; orchctl fills it from the clock, TZ, the terminal and
/// NO_COLOR.
struct RenderContext {
  WallTime now;         // relative hints count from here
  jobs::TimeZone zone;  // times are shown in this zone
  int width = 80;       // columns available (the terminal's, or 80 when not a terminal)
  bool color = false;   // ANSI colour allowed (stdout is a terminal and NO_COLOR is unset)
};

/// `object[key]`, or a null value when `object` is not an object or has no such member.
const nlohmann::json& Member(const nlohmann::json& object, std::string_view key);

/// A scalar as text: strings as they are, integers in decimal, booleans "yes"/"no", null "-";
/// arrays of scalars joined with ", "; objects as compact JSON; empty arrays and objects "-".
/// The text is not yet TerminalSafe.
std::string ValueText(const nlohmann::json& value);

/// `time` on the wall clocks of `zone`: "2026-12-05 02:00", or with `seconds`
/// "2026-12-05 02:00:07" (floored, never rounded up).
std::string LocalTimeText(WallTime time, const jobs::TimeZone& zone, bool seconds = false);

/// How far `time` is from `now`: "now" within 5 s, else "in 5 h" / "3 min ago", in whole
/// (floored) seconds below a minute, minutes below an hour, hours below two days, then days.
std::string RelativeTimeText(WallTime time, WallTime now);

/// "2026-12-05 02:00 (in 5 h)": an ISO 8601 time string as LocalTimeText in ctx.zone with its
/// RelativeTimeText; "-" for null or absent; any other value as ValueText.
std::string FormatTime(const nlohmann::json& iso_or_null, const RenderContext& ctx);

/// A duration in its two largest units: "42 s", "5 min 3 s", "3 h 12 min", "2 d 4 h".
std::string DurationText(std::chrono::seconds duration);

/// An agent's Status: 1 New, 2 Approved, 3 Disapproved. Like every *Text below: another number
/// as the number, a string as it is, null or absent "-".
std::string AgentStatusText(const nlohmann::json& value);
/// AuthCertificateReenrollment: 0 None, 1 Requested, 2 Required.
std::string ReenrollmentText(const nlohmann::json& value);
/// AgentPlatform: 0 Unknown, 1 .NET, 2 Java, 3 Mac, 4 Android, 5 Native, 6 Bash,
/// 7 Universal Orchestrator.
std::string AgentPlatformText(const nlohmann::json& value);
/// A run's Status: 1 Waiting, 2 InProcess, 3 Completed, 4 Acknowledged, 5 CompletedWillRetry.
std::string RunStatusText(const nlohmann::json& value);
/// A run's Result: 0 Unknown, 2 Success, 3 Warning, 4 Failure.
std::string RunResultText(const nlohmann::json& value);
/// CertStoreType / StoreType: the built-in type's name (2 PEM, 102 PKCS12).
std::string StoreTypeText(const nlohmann::json& value);

/// The colour of a run's Result (a number or its name): Success green, Warning yellow,
/// Failure red, anything else plain.
Style ResultStyle(const nlohmann::json& value);

/// A job's schedule for a person: "now", "once 2027-01-31 08:00" (in ctx.zone), "every 30 min",
/// "every 2 h", "daily 02:00 Europe/Berlin", "weekly Mon,Wed 13:30 UTC", "monthly 31 03:00 UTC"
/// (day 31 is each month's last day). Read from the Schedule object, else from the compact
/// ScheduleType; both null is "now". What parses as neither is shown as ValueText.
std::string ScheduleText(const nlohmann::json& schedule, const nlohmann::json& schedule_type,
                         const RenderContext& ctx);

}  // namespace orch::cli
