// The pure part of firing a job: given its schedule, the fire that came due and the time now,
// what to run, what to count as skipped and when the job fires next (SPEC §5.2, §5.8, §5.9).
#pragma once

#include <chrono>

#include "common/clock.h"
#include "jobs/schedule.h"
#include "store/run_repository.h"

namespace orch::scheduler {

/// Decides the fire of a job accepted at `anchor` whose next fire `due` has come (due <= now):
/// - one-shot schedules run at `due`, whatever the delay, and fire no more;
/// - a recurring schedule looks at every fire from `due` up to `now`: the latest of them runs
///   when it is at most `catchup_window` old, and every other one is counted as missed;
///   when the job still has an open run, the latest is counted as skipped for overlap instead;
///   the next fire is the first one after `now`.
/// REQUIRES: ValidateSchedule(schedule).ok(); due <= now.
store::FireDecision DecideFire(const jobs::Schedule& schedule, WallTime anchor, WallTime due,
                               WallTime now, bool has_open_run,
                               std::chrono::milliseconds catchup_window);

}  // namespace orch::scheduler
