// SystemdNotifier: the sd_notify(3) protocol (READY, RELOADING, STOPPING, STATUS, WATCHDOG).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/clock.h"

namespace orch::daemon {

/// Tells the service manager about state changes. Without NOTIFY_SOCKET every call is a no-op.
class SystemdNotifier {
 public:
  explicit SystemdNotifier(const Clock& clock) : clock_(clock) {}

  /// READY=1 with a STATUS= line.
  void Ready(std::string_view status);
  /// RELOADING=1 with MONOTONIC_USEC= (required by Type=notify-reload, harmless for notify).
  void Reloading();
  /// STOPPING=1 with a STATUS= line.
  void Stopping(std::string_view status);
  /// STATUS= only.
  void Status(std::string_view status);
  /// WATCHDOG=1.
  void Watchdog();
  /// The interval at which WATCHDOG=1 must be sent (half of WATCHDOG_USEC), when enabled.
  std::optional<std::chrono::microseconds> WatchdogInterval() const;

 private:
  void Send(const std::string& message);

  const Clock& clock_;
};

}  // namespace orch::daemon
