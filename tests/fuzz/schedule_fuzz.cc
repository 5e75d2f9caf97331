// Schedules (SPEC §4): the first byte picks the form. 0: the Add API's Schedule JSON; 1: the
// compact string. A schedule that parses must validate, print, parse back to the same JSON,
// and answer its next fires without throwing.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "jobs/bounded_json.h"
#include "jobs/schedule.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void Exercise(const orch::jobs::Schedule& schedule) {
  Check(orch::jobs::ValidateSchedule(schedule).ok());
  const nlohmann::json printed = orch::jobs::ScheduleToJson(schedule);
  orch::StatusOr<orch::jobs::Schedule> again = orch::jobs::ParseScheduleJson(printed);
  Check(again.ok());
  Check(orch::jobs::ScheduleToJson(*again) == printed);
  (void)orch::jobs::CompactSchedule(schedule);
  // Next fires around a few instants, from the epoch to the far future.
  for (int64_t seconds : {int64_t{0}, int64_t{1'800'000'000}, int64_t{4'000'000'000}}) {
    const orch::WallTime at{std::chrono::seconds(seconds)};
    const orch::WallTime first = orch::jobs::FirstFire(schedule, at);
    (void)orch::jobs::NextFire(schedule, at, first);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    orch::StatusOr<nlohmann::json> json = orch::jobs::ParseJson(text);
    if (!json.ok()) return 0;
    orch::StatusOr<orch::jobs::Schedule> schedule = orch::jobs::ParseScheduleJson(*json);
    if (schedule.ok()) Exercise(*schedule);
  } else {
    orch::StatusOr<orch::jobs::Schedule> schedule = orch::jobs::ParseCompactSchedule(text);
    if (schedule.ok()) Exercise(*schedule);
  }
  return 0;
}
