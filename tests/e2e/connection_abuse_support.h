// End-to-end support for the connection-abuse tests (SPEC §15): a real orchd with small
// connection limits on both listeners, raw sockets that send nothing or garbage, and its
// resident memory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/agents_e2e_support.h"

namespace orch::e2e {

/// A socket descriptor, closed on destruction. Move-only.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

/// Raises the soft RLIMIT_NOFILE of this process (and of the orchd it starts) to the hard
/// limit; answers the soft limit now in force.
size_t RaiseFdLimit();
/// A new connection to the Unix socket at `path`, nothing sent (invalid on failure).
Fd ConnectUnixRaw(const std::string& path);
/// A new TCP connection to 127.0.0.1:`port`, nothing sent (invalid on failure).
Fd ConnectTcpRaw(uint16_t port);
/// Writes all of `bytes`; false when the peer is gone.
bool SendAll(int fd, const std::string& bytes);
/// True once the peer has closed or reset `fd` within `timeout`, seen without reading.
bool HungUp(int fd, std::chrono::milliseconds timeout);
/// Waits until every socket in `fds` hung up or `timeout` passed; answers how many did not.
size_t CountNotHungUp(const std::vector<Fd>& fds, std::chrono::milliseconds timeout);
/// What `fd` holds to read now, without waiting.
std::string ReadAvailable(int fd);
/// VmRSS of process `pid` in bytes; 0 when unreadable.
int64_t ResidentBytes(pid_t pid);

/// orchd with small limits: control.max_connections kControlCap, agents.max_connections
/// kAgentCap, read_timeout kReadTimeout, idle_timeout kIdleTimeout, and agents registering
/// with the secret "storm" approved at once.
class ConnectionAbuseE2E : public AgentsE2E {
 protected:
  static constexpr std::chrono::milliseconds kReadTimeout{1000};
  /// Long enough for the test to open the connections it holds idle on a loaded machine.
  static constexpr std::chrono::milliseconds kIdleTimeout{3000};
  /// How late orchd may close a connection past its timeout on a busy 2-core machine.
  static constexpr std::chrono::milliseconds kSlack{3000};
  /// How long a normal client may wait for its answer during the abuse.
  static constexpr std::chrono::milliseconds kPrompt{2000};
  static constexpr size_t kControlCap = 32;
  static constexpr size_t kAgentCap = 24;

  /// Starts orchd (TLS on the agent port unless `tls` is false), warms it up with normal
  /// calls on both listeners and records its resident memory in rss_before_.
  void Start(bool tls = true);
  /// GET /Status on a new control connection answers 200 within kPrompt.
  void ExpectControlServed();
  /// A heartbeat on a new agent connection answers 200 within kPrompt.
  void ExpectAgentServed();
  /// orchd still runs and its resident memory is at most twice rss_before_.
  void ExpectMemoryBounded();
  /// A POST of `body` to `path` on the agent port, as wire bytes, with `headers` ("Name: value").
  static std::string AgentRequest(const std::string& path, const json& body,
                                  const std::vector<std::string>& headers = {});
  /// A heartbeat request for an unknown session, as wire bytes.
  static std::string HeartbeatRequest();
  /// How many raw connections a flood may open, at most `wanted`, within the fd limit.
  static size_t FloodSize(size_t wanted);

  int64_t rss_before_ = 0;
};

}  // namespace orch::e2e
