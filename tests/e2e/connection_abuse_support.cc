#include "tests/e2e/connection_abuse_support.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr char kHeartbeat[] = "/KeyfactorAgents/Session/Heartbeat";
constexpr char kUnknownSession[] = "00000000-0000-0000-0000-000000000000";
constexpr int kWarmUpCalls = 20;

// Set the descriptor non-blocking, so that reads and writes never wait.
void SetNonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

milliseconds Left(steady_clock::time_point deadline) {
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()));
}

bool IsHangUp(short revents) {
  return (revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;
}

// Under AddressSanitizer a freed block waits in a quarantine of up to 256 MiB before it is
// reused, which would make orchd's resident memory grow with every connection served; a small
// quarantine lets it measure what orchd itself keeps.
#if defined(__SANITIZE_ADDRESS__)  // GCC
#define ORCH_UNDER_ASAN 1
#elif defined(__has_feature)  // clang
#if __has_feature(address_sanitizer)
#define ORCH_UNDER_ASAN 1
#endif
#endif
void ShrinkSanitizerQuarantine() {
#if defined(ORCH_UNDER_ASAN)
  constexpr char kQuarantine[] = "quarantine_size_mb=1";
  const char* options = std::getenv("ASAN_OPTIONS");
  std::string value = options != nullptr ? options : "";
  if (value.find(kQuarantine) != std::string::npos) return;
  value += (value.empty() ? "" : ":") + std::string(kQuarantine);
  ::setenv("ASAN_OPTIONS", value.c_str(), 1);
#endif
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

size_t RaiseFdLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<size_t>(std::min<rlim_t>(limit.rlim_cur, 1 << 20));
}

Fd ConnectUnixRaw(const std::string& path) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Fd();
  }
  SetNonBlocking(fd.get());
  return fd;
}

Fd ConnectTcpRaw(uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Fd();
  }
  SetNonBlocking(fd.get());
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 5000) <= 0) return false;
    } else if (n < 0 && errno != EINTR) {
      return false;
    }
  }
  return true;
}

bool HungUp(int fd, milliseconds timeout) {
  pollfd p{fd, POLLRDHUP, 0};
  const auto deadline = steady_clock::now() + timeout;
  while (true) {
    const int rc = ::poll(&p, 1, static_cast<int>(Left(deadline).count()));
    if (rc > 0) return IsHangUp(p.revents);
    if (rc == 0 || errno != EINTR) return false;
  }
}

size_t CountNotHungUp(const std::vector<Fd>& fds, milliseconds timeout) {
  std::vector<pollfd> open;
  for (const Fd& fd : fds) open.push_back(pollfd{fd.get(), POLLRDHUP, 0});
  const auto deadline = steady_clock::now() + timeout;
  while (!open.empty()) {
    const int rc = ::poll(open.data(), open.size(), static_cast<int>(Left(deadline).count()));
    if (rc == 0 || (rc < 0 && errno != EINTR)) break;
    std::erase_if(open, [](const pollfd& p) { return IsHangUp(p.revents); });
  }
  return open.size();
}

std::string ReadAvailable(int fd) {
  std::string text;
  char chunk[4096];
  ssize_t n;
  while ((n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT)) > 0) {
    text.append(chunk, static_cast<size_t>(n));
  }
  return text;
}

int64_t ResidentBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    long long kib = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %lld kB", &kib) == 1) return int64_t{kib} * 1024;
  }
  return 0;
}

void ConnectionAbuseE2E::Start(bool tls) {
  agent_tls_ = tls;
  control_extra_ = "  max_connections: " + std::to_string(kControlCap) +
                   "\n"
                   "  read_timeout: " +
                   std::to_string(kReadTimeout.count()) +
                   "ms\n"
                   "  idle_timeout: " +
                   std::to_string(kIdleTimeout.count()) + "ms\n";
  ShrinkSanitizerQuarantine();
  // Writing to a connection orchd has closed must fail with EPIPE, not end the test.
  ::signal(SIGPIPE, SIG_IGN);
  RaiseFdLimit();  // before orchd starts, so that it inherits the limit
  ASSERT_NO_FATAL_FAILURE(StartOrchd("  max_connections: " + std::to_string(kAgentCap) +
                                         "\n"
                                         "  auto_approve:\n"
                                         "    - secret: storm\n",
                                     "store:\n  synchronous: off\n"));
  for (int i = 0; i < kWarmUpCalls; ++i) {
    ASSERT_NO_FATAL_FAILURE(ExpectControlServed());
    ASSERT_NO_FATAL_FAILURE(ExpectAgentServed());
  }
  rss_before_ = ResidentBytes(orchd_.process().pid());
  ASSERT_GT(rss_before_, 0);
}

void ConnectionAbuseE2E::ExpectControlServed() {
  const auto start = steady_clock::now();
  StatusOr<UnixClient> client = orchd_.Connect();
  ASSERT_OK(client);
  ASSERT_OK(client->SendRaw("GET /Status HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  StatusOr<HttpReply> reply = client->ReadReply(kPrompt);
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 200) << reply->body;
  EXPECT_LE(steady_clock::now() - start, kPrompt);
}

void ConnectionAbuseE2E::ExpectAgentServed() {
  const auto start = steady_clock::now();
  StatusOr<testing::TlsClient> client = AgentConnection();
  ASSERT_OK(client);
  ASSERT_OK(client->SendRaw(HeartbeatRequest()));
  StatusOr<testing::TlsReply> reply = client->ReadReply(kPrompt);
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 200) << reply->body;
  EXPECT_LE(steady_clock::now() - start, kPrompt);
}

void ConnectionAbuseE2E::ExpectMemoryBounded() {
  ASSERT_FALSE(orchd_.process().WaitExit(milliseconds(0)).has_value()) << orchd_.process().Log();
  const int64_t after = ResidentBytes(orchd_.process().pid());
  EXPECT_LE(after, 2 * rss_before_)
      << "VmRSS before the abuse " << rss_before_ << " bytes, after " << after;
}

std::string ConnectionAbuseE2E::AgentRequest(const std::string& path, const json& body,
                                             const std::vector<std::string>& headers) {
  const std::string text = body.dump();
  std::string request = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\n";
  for (const std::string& header : headers) request += header + "\r\n";
  return request +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(text.size()) +
         "\r\n\r\n" + text;
}

std::string ConnectionAbuseE2E::HeartbeatRequest() {
  return AgentRequest(kHeartbeat, json{{"SessionToken", kUnknownSession}});
}

size_t ConnectionAbuseE2E::FloodSize(size_t wanted) {
  // Room for the test's own descriptors: orchd's log, the held clients, the notify socket.
  constexpr size_t kReserve = 256;
  const size_t limit = RaiseFdLimit();
  return limit > kReserve ? std::min(wanted, limit - kReserve) : 0;
}

}  // namespace orch::e2e
