// Test-only: building schedules from flags at a fixed instant and listing the fires the daemon
// computes for them (schedule_flags_test.cc, schedule_fires_test.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/schedule_flags.h"
#include "common/clock.h"
#include "common/status.h"
#include "jobs/iso_time.h"
#include "jobs/schedule.h"
#include "jobs/time_zone.h"

namespace orch::cli::testing {

// A Wednesday in winter: Berlin is UTC+1 (CET).
inline constexpr char kWinterNow[] = "2027-01-20T10:00:00Z";

inline WallTime At(std::string_view iso) {
  StatusOr<WallTime> time = jobs::ParseIsoTime(iso);
  EXPECT_TRUE(time.ok()) << iso;
  return time.ok() ? *time : WallTime();
}

inline jobs::TimeZone Zone(std::string_view name) {
  StatusOr<jobs::TimeZone> zone = jobs::TimeZone::Locate(name);
  EXPECT_TRUE(zone.ok()) << name;
  return zone.ok() ? *zone : jobs::TimeZone();
}

inline StatusOr<nlohmann::json> Build(const ScheduleFlags& flags, std::string_view now = kWinterNow,
                                      const jobs::TimeZone& local_zone = jobs::TimeZone()) {
  return BuildSchedule(flags, At(now), local_zone);
}

// The message of a refused build, or "ok" when it was accepted.
inline std::string ErrorOf(const ScheduleFlags& flags, std::string_view now = kWinterNow,
                           const jobs::TimeZone& local_zone = jobs::TimeZone()) {
  StatusOr<nlohmann::json> built = Build(flags, now, local_zone);
  if (built.ok()) return "ok";
  EXPECT_EQ(built.status().code(), StatusCode::kInvalidArgument);
  return built.status().message();
}

// The first `count` fires of a job with `schedule` accepted at `now`.
inline std::vector<std::string> FiresOf(const jobs::Schedule& schedule, std::string_view now,
                                        int count) {
  std::vector<std::string> fires;
  WallTime fire = jobs::FirstFire(schedule, At(now));
  for (int i = 0; i < count; ++i) {
    fires.push_back(jobs::FormatIsoTime(fire));
    std::optional<WallTime> next = jobs::NextFire(schedule, At(now), fire);
    if (!next) break;
    fire = *next;
  }
  return fires;
}

// The first `count` fires of the built JSON as the daemon computes them: parsed by the jobs
// library and accepted at `now`.
inline std::vector<std::string> Fires(const nlohmann::json& built, std::string_view now,
                                      int count) {
  StatusOr<jobs::Schedule> schedule = jobs::ParseScheduleJson(built);
  EXPECT_TRUE(schedule.ok()) << schedule.status().ToString() << " for " << built.dump();
  if (!schedule.ok()) return {};
  return FiresOf(*schedule, now, count);
}

}  // namespace orch::cli::testing
