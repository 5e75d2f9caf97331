#include "scheduler/fire_decision.h"

namespace orch::scheduler {
namespace {

// Past this many missed fires the count stops being exact: it is then a lower bound, and the
// search jumps to the catch-up window (a one-minute Interval down for two years stays cheap).
constexpr int64_t kMaxCountedFires = 1'000'000;

}  // namespace

store::FireDecision DecideFire(const jobs::Schedule& schedule, WallTime anchor, WallTime due,
                               WallTime now, bool has_open_run,
                               std::chrono::milliseconds catchup_window) {
  store::FireDecision decision;
  if (!jobs::IsRecurring(schedule)) {
    decision.run_at = due;
    return decision;
  }
  // `latest` walks to the last fire at or before now; `fires` counts the fires walked over.
  WallTime latest = due;
  int64_t fires = 1;
  std::optional<WallTime> next = jobs::NextFire(schedule, anchor, latest);
  while (next && *next <= now) {
    if (fires == kMaxCountedFires) {
      // Jump to the fires inside the window; those before it are counted as one block.
      std::optional<WallTime> in_window = jobs::NextFire(schedule, anchor, now - catchup_window);
      if (in_window && *in_window > latest && *in_window <= now) latest = *in_window;
      next = jobs::NextFire(schedule, anchor, latest);
      ++fires;
      continue;
    }
    latest = *next;
    ++fires;
    next = jobs::NextFire(schedule, anchor, latest);
  }
  decision.next_fire = next;
  if (has_open_run) {
    decision.skipped_overlap = 1;
    decision.missed_catchup = fires - 1;
  } else if (now - latest <= catchup_window) {
    decision.run_at = latest;
    decision.missed_catchup = fires - 1;
  } else {
    decision.missed_catchup = fires;
  }
  return decision;
}

}  // namespace orch::scheduler
