#include "daemon/scheduler_wiring.h"

namespace orch::daemon {

scheduler::Settings SchedulerSettingsFrom(const config::Config& config) {
  scheduler::Settings settings;
  settings.lease = config.scheduler.lease;
  settings.max_attempts = static_cast<int>(config.scheduler.max_attempts);
  settings.retry_backoff = config.scheduler.retry_backoff;
  settings.catchup_window = config.scheduler.catchup_window;
  settings.retain_success = config.history.retain_success;
  settings.retain_failure = config.history.retain_failure;
  return settings;
}

}  // namespace orch::daemon
