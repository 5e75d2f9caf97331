// End-to-end connection abuse (SPEC §15), part one: requests trickled slower than
// read_timeout allows, and floods of idle connections past the connection caps, on the control
// socket and on the agent port (TLS and plain). Each is shed within the configured limits,
// everyone else is served meanwhile, and orchd's memory stays bounded.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/connection_abuse_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr milliseconds kTick{50};
constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";

// A client sending its request a byte at a time, one byte per Tick: the head at once, then
// the trickle. Finished once an answer arrives or the connection closes.
template <typename Client>
class SlowClient {
 public:
  SlowClient(Client client, const std::string& head, std::string trickle)
      : client_(std::move(client)), trickle_(std::move(trickle)), start_(steady_clock::now()) {
    if (!client_.SendRaw(head).ok()) Finish();
  }

  void Tick() {
    if (done_) return;
    if (next_ < trickle_.size() && !client_.SendRaw(trickle_.substr(next_++, 1)).ok()) {
      return Finish();
    }
    auto reply = client_.ReadReply(kTick);
    if (reply.ok()) {
      status_ = reply->status;
      error_ = json::parse(reply->body, nullptr, false);
      return Finish();
    }
    if (HungUp(client_.native_handle(), milliseconds(0))) Finish();
  }

  bool done() const { return done_; }
  int status() const { return status_; }
  const json& error() const { return error_; }
  milliseconds after() const { return after_; }
  int native_handle() const { return client_.native_handle(); }

 private:
  void Finish() {
    done_ = true;
    after_ = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start_);
  }

  Client client_;
  std::string trickle_;
  steady_clock::time_point start_;
  size_t next_ = 0;
  bool done_ = false;
  int status_ = 0;
  json error_;
  milliseconds after_{0};
};

class ConnectionAbuseSlowE2E : public ConnectionAbuseE2E {
 protected:
  // Drives a slow header and a slow body together until both are finished, checking every
  // few ticks that normal clients on both listeners are still served; then expects each to
  // have been answered 408 LIMIT_ERROR once read_timeout passed, and closed.
  template <typename Client>
  void ExpectBothShed(SlowClient<Client>& header, SlowClient<Client>& body) {
    const auto give_up = steady_clock::now() + kReadTimeout + kSlack;
    for (int tick = 0; !(header.done() && body.done()) && steady_clock::now() < give_up; ++tick) {
      header.Tick();
      body.Tick();
      if (tick % 4 == 0) {
        ASSERT_NO_FATAL_FAILURE(ExpectControlServed());
        ASSERT_NO_FATAL_FAILURE(ExpectAgentServed());
      }
    }
    for (SlowClient<Client>* slow : {&header, &body}) {
      const std::string which = slow == &header ? "slow header" : "slow body";
      ASSERT_TRUE(slow->done()) << which << " still open after " << (kReadTimeout + kSlack).count()
                                << " ms";
      EXPECT_EQ(slow->status(), 408) << which;
      EXPECT_EQ(slow->error().value("errorCode", ""), "LIMIT_ERROR") << which << slow->error();
      EXPECT_GE(slow->after(), kReadTimeout - milliseconds(100)) << which;
      EXPECT_LE(slow->after(), kReadTimeout + kSlack) << which;
      EXPECT_TRUE(HungUp(slow->native_handle(), kSlack)) << which << " not closed after its 408";
    }
  }

  // A header that never ends, and a body that stays 200 bytes short, both for `target`.
  static std::string SlowHeaderHead(const std::string& target) {
    return "POST " + target + " HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
  }
  static std::string SlowBodyHead(const std::string& target) {
    return "POST " + target +
           " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
           "Content-Length: 200\r\n\r\n{\"Name\": \"";
  }
  static std::string Trickle() { return std::string(200, 'a'); }

  // Trickles both on the agent port (TLS or plain, as started).
  void ExpectAgentPortShedsSlowRequests() {
    const std::string agents = TotalCount("/Agents");
    StatusOr<testing::TlsClient> first = AgentConnection();
    StatusOr<testing::TlsClient> second = AgentConnection();
    ASSERT_OK(first);
    ASSERT_OK(second);
    SlowClient<testing::TlsClient> header(std::move(*first), SlowHeaderHead(kRegister), Trickle());
    SlowClient<testing::TlsClient> body(std::move(*second), SlowBodyHead(kRegister), Trickle());
    ASSERT_NO_FATAL_FAILURE(ExpectBothShed(header, body));
    EXPECT_EQ(TotalCount("/Agents"), agents);
    ExpectMemoryBounded();
  }
};

TEST_F(ConnectionAbuseSlowE2E, ControlSocketAnswers408ToRequestsSlowerThanReadTimeout) {
  // Given read_timeout 1s, when a header and a body arrive a byte at a time, each is answered
  // 408 and closed after 1s while other clients are served; no pool is made.
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string pools = TotalCount("/AgentPools");
  StatusOr<UnixClient> first = orchd_.Connect();
  StatusOr<UnixClient> second = orchd_.Connect();
  ASSERT_OK(first);
  ASSERT_OK(second);
  SlowClient<UnixClient> header(std::move(*first), SlowHeaderHead("/AgentPools"), Trickle());
  SlowClient<UnixClient> body(std::move(*second), SlowBodyHead("/AgentPools"), Trickle());
  ASSERT_NO_FATAL_FAILURE(ExpectBothShed(header, body));
  EXPECT_EQ(TotalCount("/AgentPools"), pools);
  ExpectMemoryBounded();
}

TEST_F(ConnectionAbuseSlowE2E, TlsAgentPortAnswers408ToRequestsSlowerThanReadTimeout) {
  // Given TLS on the agent port, when a registration's header and body arrive a byte at a
  // time, each is answered 408 and closed after read_timeout; no agent is made.
  ASSERT_NO_FATAL_FAILURE(Start());
  ExpectAgentPortShedsSlowRequests();
}

TEST_F(ConnectionAbuseSlowE2E, PlainAgentPortAnswers408ToRequestsSlowerThanReadTimeout) {
  // Given `agents.tls: off`, the same trickled registrations are shed the same way.
  ASSERT_NO_FATAL_FAILURE(Start(/*tls=*/false));
  ExpectAgentPortShedsSlowRequests();
}

class ConnectionAbuseFloodE2E : public ConnectionAbuseE2E {
 protected:
  // Expects every connection of `flood` closed by orchd within read_timeout, each either
  // answered 503 RESOURCE_EXHAUSTED or closed without a word (on TLS: nothing at all, since
  // no handshake was made); answers how many were answered.
  size_t ExpectFloodShed(const std::vector<Fd>& flood) {
    EXPECT_EQ(CountNotHungUp(flood, kReadTimeout + kSlack), 0u)
        << "of " << flood.size() << " connections past the cap";
    size_t answered = 0;
    for (const Fd& fd : flood) {
      const std::string text = ReadAvailable(fd.get());
      if (text.empty()) continue;
      ++answered;
      EXPECT_THAT(text, StartsWith("HTTP/1.1 503 "));
      EXPECT_THAT(text, HasSubstr("\"errorCode\":\"RESOURCE_EXHAUSTED\""));
    }
    return answered;
  }

  // Expects each held connection closed by orchd once idle_timeout has passed since `since`,
  // and not before.
  void ExpectIdleClosed(const std::vector<int>& held, steady_clock::time_point since) {
    for (int fd : held) {
      const auto left = since + kIdleTimeout + kSlack - steady_clock::now();
      EXPECT_TRUE(HungUp(fd, std::chrono::duration_cast<milliseconds>(left)))
          << "an idle connection still open after idle_timeout";
    }
    EXPECT_GE(steady_clock::now() - since, kIdleTimeout - milliseconds(100));
  }

  // Opens an agent connection, has a heartbeat answered on it and keeps it in `held`.
  void HoldAgentConnection(std::vector<testing::TlsClient>& held) {
    StatusOr<testing::TlsClient> client = AgentConnection();
    ASSERT_OK(client);
    ASSERT_OK(client->SendRaw(HeartbeatRequest()));
    StatusOr<testing::TlsReply> reply = client->ReadReply(kPrompt);
    ASSERT_OK(reply);
    ASSERT_EQ(reply->status, 200);
    held.push_back(std::move(*client));
  }

  // A new agent connection completes its handshake, is answered 503 RESOURCE_EXHAUSTED
  // without a request, and is closed.
  void ExpectAgentPortFull() {
    StatusOr<testing::TlsClient> over = AgentConnection();
    ASSERT_OK(over);
    StatusOr<testing::TlsReply> refused = over->ReadReply(kPrompt);
    ASSERT_OK(refused);
    EXPECT_EQ(refused->status, 503);
    EXPECT_THAT(refused->body, HasSubstr("\"errorCode\":\"RESOURCE_EXHAUSTED\""));
    EXPECT_TRUE(HungUp(over->native_handle(), kSlack));
  }
};

TEST_F(ConnectionAbuseFloodE2E, ControlSocketShedsConnectionsPastItsCapAndClosesIdleOnes) {
  // Given control.max_connections 32 held by idle kept-alive clients, when 2000 more connect,
  // each is answered 503 or closed at once; the idle ones close after idle_timeout, and then
  // a normal client is served.
  ASSERT_NO_FATAL_FAILURE(Start());
  std::vector<UnixClient> held;
  std::vector<int> held_fds;
  for (size_t i = 0; i < kControlCap; ++i) {
    StatusOr<UnixClient> client = orchd_.Connect();
    ASSERT_OK(client);
    StatusOr<HttpReply> reply = client->Request("GET", "/Status");
    ASSERT_OK(reply);
    ASSERT_EQ(reply->status, 200);
    held_fds.push_back(client->native_handle());
    held.push_back(std::move(*client));
  }
  const auto idle_since = steady_clock::now();

  StatusOr<UnixClient> over = orchd_.Connect();
  ASSERT_OK(over);
  StatusOr<HttpReply> refused = over->ReadReply(kPrompt);
  ASSERT_OK(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->Json().value("errorCode", ""), "RESOURCE_EXHAUSTED") << refused->body;
  EXPECT_TRUE(over->PeerClosed(kSlack));

  std::vector<Fd> flood;
  for (size_t i = 0, n = FloodSize(2000); i < n; ++i) {
    flood.push_back(ConnectUnixRaw(orchd_.socket_path()));
    ASSERT_TRUE(flood.back().valid()) << "connection " << i;
  }
  // The first ones past the cap are told why; the rest, while those are, are closed at once.
  EXPECT_GT(ExpectFloodShed(flood), 0u);
  flood.clear();

  ExpectIdleClosed(held_fds, idle_since);
  ExpectControlServed();
  ExpectMemoryBounded();
}

TEST_F(ConnectionAbuseFloodE2E, TlsAgentPortShedsConnectionsPastItsCapAndClosesIdleOnes) {
  // Given agents.max_connections 24 held by idle kept-alive agents, a TLS client past the cap
  // is answered 503; 2000 raw connections that never say hello are closed within
  // read_timeout; the idle ones close after idle_timeout, and then an agent is served.
  ASSERT_NO_FATAL_FAILURE(Start());
  std::vector<testing::TlsClient> held;
  std::vector<int> held_fds;
  for (size_t i = 0; i < kAgentCap; ++i) {
    ASSERT_NO_FATAL_FAILURE(HoldAgentConnection(held));
    held_fds.push_back(held.back().native_handle());
  }
  const auto idle_since = steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(ExpectAgentPortFull());

  std::vector<Fd> flood;
  for (size_t i = 0, n = FloodSize(2000); i < n; ++i) {
    flood.push_back(ConnectTcpRaw(agent_port_));
    ASSERT_TRUE(flood.back().valid()) << "connection " << i;
  }
  EXPECT_EQ(ExpectFloodShed(flood), 0u);  // without a handshake nothing can be said
  flood.clear();

  ExpectIdleClosed(held_fds, idle_since);
  ExpectAgentServed();
  ExpectMemoryBounded();
}

TEST_F(ConnectionAbuseFloodE2E, ReloadGivesTheAgentPortItsNewCapAndTimeouts) {
  // Given a reload to agents.max_connections 1 and control.idle_timeout 300ms, an agent
  // connection past the single one held is answered 503, and a kept-alive agent connection
  // accepted after the reload is closed after 300ms.
  ASSERT_NO_FATAL_FAILURE(Start());
  constexpr milliseconds kShortIdle{300};
  control_extra_ = "  idle_timeout: " + std::to_string(kShortIdle.count()) + "ms\n";
  ASSERT_NO_FATAL_FAILURE(Reload("  max_connections: 1\n", ""));

  std::vector<testing::TlsClient> held;
  ASSERT_NO_FATAL_FAILURE(HoldAgentConnection(held));
  const auto idle_since = steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(ExpectAgentPortFull());

  EXPECT_TRUE(HungUp(held.back().native_handle(), kIdleTimeout - milliseconds(200)))
      << "the agent port kept the idle_timeout it started with";
  EXPECT_GE(steady_clock::now() - idle_since, kShortIdle - milliseconds(100));
}

}  // namespace
}  // namespace orch::e2e
