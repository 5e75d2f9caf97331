#include "daemon/systemd_notifier.h"

#include <systemd/sd-daemon.h>

#include <string>

#include "common/logging.h"

namespace orch::daemon {

void SystemdNotifier::Send(const std::string& message) {
  // unset_environment=0: child processes never see NOTIFY_SOCKET anyway (orchd spawns none),
  // and reloads need it again.
  int rc = sd_notify(0, message.c_str());
  if (rc < 0) GetLogger("daemon")->warn("sd_notify failed: {}", rc);
}

void SystemdNotifier::Ready(std::string_view status) {
  Send("READY=1\nSTATUS=" + std::string(status));
}

void SystemdNotifier::Reloading() {
  // Monotonic time in microseconds: steady_clock is CLOCK_MONOTONIC on Linux.
  auto usec = std::chrono::duration_cast<std::chrono::microseconds>(
      clock_.SteadyNow().time_since_epoch());
  Send("RELOADING=1\nSTATUS=reloading configuration\nMONOTONIC_USEC=" +
       std::to_string(usec.count()));
}

void SystemdNotifier::Stopping(std::string_view status) {
  Send("STOPPING=1\nSTATUS=" + std::string(status));
}

void SystemdNotifier::Status(std::string_view status) { Send("STATUS=" + std::string(status)); }

void SystemdNotifier::Watchdog() { Send("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> SystemdNotifier::WatchdogInterval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

}  // namespace orch::daemon
