// A real orchd for a benchmark: a temporary state directory and config, start and stop with
// timings, its resident memory, and control-socket calls with long timeouts.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "tests/e2e/harness.h"

namespace orch::bench {

using nlohmann::json;
using std::chrono::milliseconds;

/// The Default Agent Pool's fixed id.
inline constexpr char kDefaultPool[] = "00000000-0000-0000-0000-000000000000";

/// The orchd under test and the settings every scenario gives it.
struct OrchdSettings {
  std::string orchd;                 // path of the (release) orchd binary
  std::string synchronous = "full";  // store.synchronous
  std::string log_level = "warn";    // logging.level
  std::string log_dir;               // when set, each orchd's log is copied here at the end
};

/// How long one start took, measured from just before the process was spawned.
struct StartTiming {
  double ready_ms = 0;   // until READY=1 arrived on the notify socket
  double status_ms = 0;  // until GET /Status first answered 200
};

/// One orchd on its own temporary state directory. Killed on destruction if still running.
class BenchOrchd {
 public:
  /// Writes the config; `extra_yaml` is appended at top level (it must not repeat the keys
  /// written here: state_dir, control, agents, logging, store).
  BenchOrchd(OrchdSettings settings, const std::string& extra_yaml);
  ~BenchOrchd();
  BenchOrchd(const BenchOrchd&) = delete;
  BenchOrchd& operator=(const BenchOrchd&) = delete;

  /// Spawns orchd, waits for READY=1 (at most `timeout`), polls GET /Status until it answers
  /// and reads the agent port and version from it.
  Status Start(milliseconds timeout = milliseconds(120000));
  /// SIGTERM, then waits for the exit (at most `timeout`); SIGKILL after that.
  Status Stop(milliseconds timeout = milliseconds(120000));
  bool running() const { return process_.has_value(); }

  /// VmRSS of the running orchd, in bytes.
  StatusOr<int64_t> RssBytes() const;
  /// User plus system CPU time the running orchd has used so far, in seconds.
  StatusOr<double> CpuSeconds() const;
  pid_t pid() const { return process_ ? process_->pid() : -1; }

  const StartTiming& last_start() const { return last_start_; }
  const std::string& version() const { return version_; }
  uint16_t agent_port() const { return agent_port_; }
  std::string dir() const { return dir_.path(); }
  std::string socket_path() const { return dir_.File("orchd.sock"); }
  std::string db_path() const { return dir_.File("orchd.db"); }
  std::string ca_file() const { return dir_.File("ca.crt"); }
  std::string log_path() const { return dir_.File("orchd.log"); }
  /// The last lines of orchd's log, for error messages.
  std::string LogTail(size_t bytes = 4000) const;

  /// A new keep-alive connection to the control socket.
  StatusOr<e2e::UnixClient> Connect() const { return e2e::UnixClient::Connect(socket_path()); }

 private:
  OrchdSettings settings_;
  e2e::TempDir dir_;
  std::optional<e2e::NotifyListener> notify_;
  std::optional<e2e::Process> process_;
  StartTiming last_start_;
  std::string version_;
  uint16_t agent_port_ = 0;
};

/// An HTTP/1.1 request as sent: Host, and for a body (or a POST or PUT) a JSON Content-Type
/// and Content-Length.
std::string RequestText(const std::string& method, const std::string& target,
                        const std::string& body);
/// One request on `client`, waiting at most `timeout` for the reply.
StatusOr<e2e::HttpReply> Call(e2e::UnixClient& client, const std::string& method,
                              const std::string& target, const std::string& body = "",
                              milliseconds timeout = milliseconds(60000));
/// As Call(), on a new connection; a status other than `expected` is an error naming the reply.
StatusOr<json> CallJson(const BenchOrchd& orchd, const std::string& method,
                        const std::string& target, const json& body, int expected);

/// The x-total-count header of a list call (GET `target`).
StatusOr<int64_t> TotalCount(const BenchOrchd& orchd, const std::string& target);

/// Imports a self-signed test certificate; answers its Id.
StatusOr<int64_t> ImportCertificate(const BenchOrchd& orchd);
/// Creates `count` PEM stores bound to the Default Agent Pool; answers their ids.
StatusOr<std::vector<std::string>> CreatePoolStores(const BenchOrchd& orchd, int count,
                                                    const std::string& machine_prefix);
/// The body of an Add of `certificate_id` to every store in `stores` with `schedule`.
std::string AddBody(int64_t certificate_id, const std::vector<std::string>& stores,
                    const json& schedule);

/// ISO 8601 UTC with milliseconds ("2026-11-22T13:30:00.250Z").
std::string IsoUtc(std::chrono::system_clock::time_point t);

}  // namespace orch::bench
