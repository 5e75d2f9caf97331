// End-to-end connection abuse (SPEC §15), part two: garbage instead of TLS handshakes,
// clients that never read their answers, and a storm of long polls past the agent
// connection cap. Each is shed within the configured limits, everyone else is served
// meanwhile, and orchd's memory stays bounded.
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/connection_abuse_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::BasicAuthHeader;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";
// A client that writes into a connection for this long without getting a byte in counts as
// stalled; more than kFillLimit bytes taken means orchd buffers without bound.
constexpr milliseconds kStall{300};
constexpr size_t kFillLimit = 64 << 20;

// A ClientHello cut short: its record announces 512 bytes, and 40 come.
std::string TruncatedClientHello() {
  std::string hello = {'\x16', '\x03', '\x01', '\x02', '\x00',  // handshake record, 512 bytes
                       '\x01', '\x00', '\x01', '\xfc',          // ClientHello, 508 bytes
                       '\x03', '\x03'};                         // TLS 1.2
  return hello + std::string(29, '\x5a');                       // the start of its random
}

std::string RandomBytes(std::mt19937& random, size_t n) {
  std::string bytes(n, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random() & 0xff);
  return bytes;
}

// Writes `batch` again and again without reading until the peer takes nothing for kStall,
// closes, or kFillLimit bytes went in; answers the bytes written.
size_t FillUntilStalled(int fd, const std::string& batch) {
  size_t sent = 0;
  while (sent < kFillLimit) {
    const ssize_t n = ::send(fd, batch.data(), batch.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) break;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(kStall.count())) <= 0) break;
  }
  return sent;
}

class ConnectionAbuseClientsE2E : public ConnectionAbuseE2E {
 protected:
  // Expects a connection that stalled orchd's writes to be closed within read_timeout (the
  // write timeout), with everyone else served and memory bounded meanwhile.
  void ExpectStalledClosed(int fd) {
    const auto stalled_at = steady_clock::now();
    ASSERT_NO_FATAL_FAILURE(ExpectControlServed());
    ASSERT_NO_FATAL_FAILURE(ExpectAgentServed());
    EXPECT_LE(ResidentBytes(orchd_.process().pid()), 2 * rss_before_) << "while stalled";
    EXPECT_TRUE(HungUp(fd, kReadTimeout + kSlack))
        << "a client that does not read is still connected "
        << std::chrono::duration_cast<milliseconds>(steady_clock::now() - stalled_at).count()
        << " ms after it stalled";
    ExpectMemoryBounded();
  }

  // GET /Status's Scheduler.PollingAgents once it is `count`, or the last value seen after
  // kSlack.
  int64_t AwaitPollingAgents(int64_t count) {
    const auto give_up = steady_clock::now() + kSlack;
    int64_t seen = -1;
    do {
      auto [status, body] = Control("GET", "/Status");
      if (status != 200) return -1;
      seen = body["Scheduler"].value("PollingAgents", int64_t{-1});
    } while (seen != count && steady_clock::now() < give_up);
    return seen;
  }

  // Registers `n` new agents with the secret "storm" (approved at once) on one connection,
  // which orchd closes after the last; answers their session tokens.
  std::vector<std::string> RegisterStormAgents(size_t n) {
    const auto secret = CreateSecret("storm");
    StatusOr<testing::TlsClient> client = AgentConnection();
    EXPECT_OK(client);
    if (!client.ok()) return {};
    std::vector<std::string> tokens;
    for (size_t i = 0; i < n; ++i) {
      std::vector<std::string> headers = {BasicAuthHeader(secret.first, secret.second)};
      if (i + 1 == n) headers.push_back("Connection: close");
      const json body = RegisterBody("", "storm-" + std::to_string(i), std::nullopt);
      StatusOr<testing::TlsReply> reply = client->Request("POST", kRegister, body.dump(), headers);
      EXPECT_OK(reply);
      if (!reply.ok()) return {};
      const json answer = json::parse(reply->body, nullptr, false);
      EXPECT_EQ(reply->status, 200) << reply->body;
      tokens.push_back(answer["Session"].value("Token", ""));
      EXPECT_EQ(tokens.back().size(), 36u) << reply->body;
    }
    // Its slot is free once orchd has closed it.
    EXPECT_TRUE(HungUp(client->native_handle(), kSlack));
    return tokens;
  }
};

TEST_F(ConnectionAbuseClientsE2E, GarbageInsteadOfTlsHandshakesIsClosedWhileAgentsAreServed) {
  // Given the TLS agent port, when connections send random bytes, an HTTP request in clear
  // text or a truncated ClientHello, each is closed within read_timeout, none is answered in
  // HTTP, and a real agent registers meanwhile.
  ASSERT_NO_FATAL_FAILURE(Start());
  std::mt19937 random(42);
  std::vector<Fd> garbage;
  std::vector<std::string> sent;
  for (int i = 0; i < 6; ++i) {  // 18 in all: room is left under the cap of 24
    sent.push_back(RandomBytes(random, 1024));
    sent.push_back("GET /Status HTTP/1.1\r\nHost: localhost\r\n\r\n");
    sent.push_back(TruncatedClientHello());
  }
  for (const std::string& bytes : sent) {
    garbage.push_back(ConnectTcpRaw(agent_port_));
    ASSERT_TRUE(garbage.back().valid());
    ASSERT_TRUE(SendAll(garbage.back().get(), bytes));
  }

  const auto start = steady_clock::now();
  const auto secret = CreateSecret("real");
  StatusOr<testing::TlsReply> reply =
      AgentPost(kRegister, RegisterBody("", "real-agent", std::nullopt),
                {BasicAuthHeader(secret.first, secret.second)});
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 200) << reply->body;
  EXPECT_EQ(json::parse(reply->body)["Result"]["Status"], 1) << reply->body;
  EXPECT_LE(steady_clock::now() - start, 2 * kPrompt);

  EXPECT_EQ(CountNotHungUp(garbage, kReadTimeout + kSlack), 0u) << "of " << garbage.size();
  for (const Fd& fd : garbage) EXPECT_THAT(ReadAvailable(fd.get()), Not(HasSubstr("HTTP/1.")));
  ExpectAgentServed();
  ExpectMemoryBounded();
}

TEST_F(ConnectionAbuseClientsE2E, ControlClientThatNeverReadsIsClosedWhenTheWriteTimesOut) {
  // Given a control client pipelining requests and never reading the answers, orchd stops
  // reading once its answers fill the socket and closes the connection read_timeout later;
  // others are served meanwhile and memory stays bounded.
  ASSERT_NO_FATAL_FAILURE(Start());
  Fd stuck = ConnectUnixRaw(orchd_.socket_path());
  ASSERT_TRUE(stuck.valid());
  std::string batch;
  for (int i = 0; i < 64; ++i) batch += "GET /CertificateStoreTypes HTTP/1.1\r\nHost: x\r\n\r\n";
  const size_t sent = FillUntilStalled(stuck.get(), batch);
  EXPECT_GT(sent, batch.size());
  EXPECT_LT(sent, kFillLimit) << "orchd took every request without its answers being read";
  ExpectStalledClosed(stuck.get());
}

TEST_F(ConnectionAbuseClientsE2E, AgentClientThatNeverReadsIsClosedWhenTheWriteTimesOut) {
  // Given a TLS agent connection sending requests and never reading the answers, orchd
  // stops reading once they fill the connection and closes it read_timeout later.
  ASSERT_NO_FATAL_FAILURE(Start());
  testing::TlsClientOptions options;
  options.ca_file = CaFile();
  options.receive_buffer = 4096;  // fills after a few hundred answers
  StatusOr<testing::TlsClient> stuck =
      testing::TlsClient::Connect("127.0.0.1", agent_port_, options);
  ASSERT_OK(stuck);
  // Each asks for a 404 that names its 12 000-byte path: a large answer for a small effort.
  std::string batch;
  for (int i = 0; i < 4; ++i) {
    batch += AgentRequest("/KeyfactorAgents/" + std::string(12000, 'x'), json::object());
  }
  size_t sent = 0;
  while (sent < kFillLimit && stuck->SendRaw(batch, kStall).ok()) sent += batch.size();
  EXPECT_GT(sent, batch.size());
  EXPECT_LT(sent, kFillLimit) << "orchd took every request without its answers being read";
  ExpectStalledClosed(stuck->native_handle());
}

TEST_F(ConnectionAbuseClientsE2E, LongPollStormPastTheAgentCapIsShedAndTheRestAnswered) {
  // Given agents.max_connections 24, when 32 agents park long polls at once, the 8 past the
  // cap are answered 503 at once, the 24 others are parked and answered empty when their wait
  // ends, and afterwards nothing is left parked and agents are served.
  ASSERT_NO_FATAL_FAILURE(Start());
  constexpr int kWaitSeconds = 3;  // every poll is parked before the first one ends
  const size_t agents = kAgentCap + 8;
  const std::vector<std::string> tokens = RegisterStormAgents(agents);
  ASSERT_EQ(tokens.size(), agents);

  std::vector<testing::TlsClient> polls;
  for (size_t i = 0; i < agents; ++i) {
    StatusOr<testing::TlsClient> client = AgentConnection();
    ASSERT_OK(client) << "connection " << i;
    // One past the cap may be closed already; what it was told is read below.
    (void)client->SendRaw(
        AgentRequest(kPoll, json{{"SessionToken", tokens[i]}, {"WaitSeconds", kWaitSeconds}},
                     {"Connection: close"}));
    polls.push_back(std::move(*client));
  }
  for (size_t i = kAgentCap; i < agents; ++i) {
    StatusOr<testing::TlsReply> reply = polls[i].ReadReply(kPrompt);
    ASSERT_OK(reply) << "poll " << i;
    EXPECT_EQ(reply->status, 503) << "poll " << i;
    EXPECT_THAT(reply->body, HasSubstr("\"errorCode\":\"RESOURCE_EXHAUSTED\""));
  }
  EXPECT_EQ(AwaitPollingAgents(kAgentCap), static_cast<int64_t>(kAgentCap));
  ASSERT_NO_FATAL_FAILURE(ExpectControlServed());

  for (size_t i = 0; i < kAgentCap; ++i) {
    StatusOr<testing::TlsReply> reply =
        polls[i].ReadReply(std::chrono::seconds(kWaitSeconds) + kSlack);
    ASSERT_OK(reply) << "poll " << i;
    EXPECT_EQ(reply->status, 200) << reply->body;
    EXPECT_EQ(json::parse(reply->body, nullptr, false)["Jobs"], json::array()) << reply->body;
    EXPECT_TRUE(HungUp(polls[i].native_handle(), kSlack)) << "poll " << i;
  }
  EXPECT_EQ(AwaitPollingAgents(0), 0);
  ExpectAgentServed();
  ExpectMemoryBounded();
}

}  // namespace
}  // namespace orch::e2e
