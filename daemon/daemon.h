// Daemon: orchd's startup steps, its signals, reload and drain.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace orch::daemon {

/// Sets the log level and format from the `logging` section.
void ApplyLogging(const config::LoggingConfig& logging);

/// What main() learned from the command line.
struct DaemonOptions {
  /// The configuration file, or empty for the embedded defaults.
  std::string config_path;
  config::Config config;
  /// What the configuration check warned about; Start() logs them.
  std::vector<std::string> warnings;
};

/// Reads and checks (config::CheckFile) the file named by --config, or /etc/orchd/orchd.yaml
/// when it exists, or checks the embedded defaults (with an empty `config_path`).
StatusOr<DaemonOptions> ResolveConfig(const std::string& flag_path);

/// Owns every long-lived part of orchd. Start() runs the ordered startup steps; Run() serves
/// until SIGTERM or SIGINT has drained the listeners.
class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();

  /// Opens the store, binds the listeners and tells systemd READY=1.
  Status Start();
  /// Runs the event loop until a drain has finished. REQUIRES: Start() succeeded.
  void Run();

 private:
  struct Parts;

  Status Preflight();
  Status PrepareStateDir();
  Status OpenStore();
  Status LoadCatalogFacts();
  Status LoadMasterKey();
  Status StartScheduler();
  Status BindAgentListener();
  Status BindControlSocket();
  Status BindMetricsListener();
  void InstallSignals();
  void StartWatchdog();
  void Reload();
  void Drain(int signal);

  DaemonOptions options_;
  std::unique_ptr<Parts> parts_;
  // Where the control socket is served: control.socket, or the socket systemd handed over.
  std::string control_socket_;
};

}  // namespace orch::daemon
