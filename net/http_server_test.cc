#include "net/http_server.h"

#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/http_server_test_support.h"

namespace orch::net {
namespace {

using std::chrono::milliseconds;
using test::Client;
using test::Get;
using test::Post;
using test::Ready;
using test::Reply;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using HttpServerTest = test::HttpServerFixture;

// ---------------------------------------------------------------------------------------------
// Requests and replies

TEST_F(HttpServerTest, GetReturnsTheHandlersReply) {
  // Given a GET with a query on the Unix socket, the handler's reply comes back intact.
  Start();
  std::optional<Reply> reply = RoundTrip(Get("/Status?pq.returnLimit=5&x=%C3%A9"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "GET /Status ");
  EXPECT_EQ(reply->Header("content-type"), "text/plain");
  EXPECT_EQ(reply->Header("content-length"), "12");
  EXPECT_EQ(reply->Header("server"), "orchd");
  EXPECT_EQ(reply->Header("x-query"), "pq.returnLimit=5&x=%C3%A9");
  const std::vector<api::Request> requests = handler_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/Status");
  EXPECT_EQ(requests[0].query, "pq.returnLimit=5&x=%C3%A9");
  ASSERT_NE(requests[0].Header("host"), nullptr);
  EXPECT_EQ(*requests[0].Header("host"), "orchd");
}

TEST_F(HttpServerTest, PostOverTcpCarriesTheBodyAndNoPeerCredentials) {
  // Given a POST over TCP, the handler sees the body and no Unix peer credentials.
  Start();
  Client client = Client::Tcp(tcp_port_);
  ASSERT_TRUE(client.Send(Post("/Agents/Approve", "[\"a\"]")));
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "POST /Agents/Approve [\"a\"]");
  ASSERT_EQ(handler_.requests().size(), 1u);
  EXPECT_FALSE(handler_.requests()[0].peer.has_value());
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  // Given an HTTP/1.1 connection, two requests in turn are both answered on it.
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/one")));
  std::optional<Reply> first = client.Read();
  ASSERT_TRUE(client.Send(Get("/two")));
  std::optional<Reply> second = client.Read();
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->body, "GET /one ");
  EXPECT_EQ(second->body, "GET /two ");
  EXPECT_EQ(ConnectionCount(), 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  // Given two requests sent in one write, both replies come back in order.
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/one") + Get("/two")));
  std::optional<Reply> first = client.Read();
  std::optional<Reply> second = client.Read();
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->body, "GET /one ");
  EXPECT_EQ(second->body, "GET /two ");
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  // Given "Connection: close", the reply says so and the server closes the connection.
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/Status", "Connection: close\r\n")));
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->Header("connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  // Given HTTP/1.0 requests, a plain one is closed after the reply, a keep-alive one is not.
  Start();
  Client plain = Client::Unix(socket_path_);
  ASSERT_TRUE(plain.Send("GET /a HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(plain.Read().has_value());
  EXPECT_TRUE(plain.WaitForClose());
  Client kept = Client::Unix(socket_path_);
  ASSERT_TRUE(kept.Send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  std::optional<Reply> first = kept.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->Header("connection"), "keep-alive");
  ASSERT_TRUE(kept.Send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  std::optional<Reply> second = kept.Read();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "GET /b ");
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500) {
  // Given a handler that throws, the client gets a 500 ErrorBody and the server keeps serving.
  handler_.set_behaviour([](const api::Request& request, api::ReplyFn&) {
    if (request.path == "/boom") throw std::runtime_error("secret detail");
  });
  Start();
  std::optional<Reply> reply = RoundTrip(Get("/boom"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(reply->ErrorCode(), "INTERNAL_SERVER_ERROR");
  EXPECT_EQ(reply->ErrorMessage(), "internal error");
  EXPECT_THAT(reply->body, ::testing::Not(HasSubstr("secret")));
}

TEST_F(HttpServerTest, UnsafeReplyHeadersAndFramingOverridesAreDropped) {
  // Given a reply with a CRLF-laden header and its own Content-Length, neither reaches the wire.
  handler_.set_behaviour([](const api::Request&, api::ReplyFn& reply) {
    api::Response response;
    response.body = "{}";
    response.headers = {
        {"X-Evil", "a\r\nSet-Cookie: x"}, {"Content-Length", "99"}, {"x-total-count", "7"}};
    reply(std::move(response));
  });
  Start();
  std::optional<Reply> reply = RoundTrip(Get("/x"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->Header("x-evil"), "");
  EXPECT_EQ(reply->Header("set-cookie"), "");
  EXPECT_EQ(reply->Header("content-length"), "2");
  EXPECT_EQ(reply->Header("x-total-count"), "7");
  EXPECT_EQ(reply->Header("content-type"), "application/json");
}

TEST_F(HttpServerTest, ReplyAfterTheClientLeftIsDropped) {
  // Given a handler that replies (twice) after the client hung up, nothing breaks and the
  // server keeps serving.
  std::promise<void> arrived;
  api::ReplyFn held;
  handler_.set_behaviour([&](const api::Request& request, api::ReplyFn& reply) {
    if (request.path != "/later") return reply(api::Response{200, "text/plain", {}, "now"});
    held = std::move(reply);
    arrived.set_value();
  });
  Start();
  {
    Client client = Client::Unix(socket_path_);
    ASSERT_TRUE(client.Send(Get("/later")));
    std::future<void> arrived_future = arrived.get_future();
    ASSERT_TRUE(Ready(arrived_future));
  }
  RunOnLoop([&] {
    held(api::Response{200, "text/plain", {}, "too late"});
    held(api::Response{200, "text/plain", {}, "and twice"});
    held = nullptr;
  });
  std::optional<Reply> after = RoundTrip(Get("/now"));
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body, "now");
}

TEST_F(HttpServerTest, OddTargetsNeverCrashTheServer) {
  // Given odd targets (non-ASCII bytes, NUL escapes, '*', absolute URLs, control bytes),
  // each gets a reply or a close, and the server keeps answering.
  Start();
  const std::vector<std::string> targets = {"/\xc3\xa9\xff\xfe",
                                            "/%00%ff?%",
                                            "*",
                                            "http://evil.example/x?y=1",
                                            std::string("/a") + '\x01' + "b",
                                            "/" + std::string(8000, 'a'),
                                            "?only-query",
                                            "/x??",
                                            ""};
  for (const std::string& target : targets) {
    Client client = Client::Unix(socket_path_);
    ASSERT_TRUE(client.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::optional<Reply> reply = client.Read();
    if (reply.has_value()) {
      EXPECT_TRUE(reply->status == 200 || reply->status == 400) << target;
    }
  }
  std::optional<Reply> reply = RoundTrip(Get("/still-here"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "GET /still-here ");
}

// ---------------------------------------------------------------------------------------------
// Limits and timeouts

TEST_F(HttpServerTest, OversizedContentLengthGets413BeforeTheBody) {
  // Given a Content-Length over max_body_bytes, the reply is 413 LIMIT_ERROR and a close.
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  Start(limits);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"));
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(reply->ErrorCode(), "LIMIT_ERROR");
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(handler_.requests().empty());
}

TEST_F(HttpServerTest, OversizedChunkedBodyGets413) {
  // Given a chunked body that grows past max_body_bytes, the reply is 413 LIMIT_ERROR.
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  Start(limits);
  Client client = Client::Unix(socket_path_);
  const std::string chunk(800, 'x');
  ASSERT_TRUE(
      client.Send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "320\r\n" +
                  chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(reply->ErrorCode(), "LIMIT_ERROR");
  EXPECT_TRUE(handler_.requests().empty());
}

TEST_F(HttpServerTest, OversizedHeaderGets431) {
  // Given a header section over max_header_bytes, the reply is 431 LIMIT_ERROR and a close.
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/x", "X-Big: " + std::string(size_t{20} * 1024, 'a') + "\r\n")));
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 431);
  EXPECT_EQ(reply->ErrorCode(), "LIMIT_ERROR");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpServerTest, ExpectContinueGets100ThenTheReply) {
  // Given "Expect: 100-continue", the server sends 100 Continue, then reads the body.
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(
      client.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  std::optional<Reply> interim = client.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("hello"));
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "POST /x hello");
}

TEST_F(HttpServerTest, ExpectContinueOverTheLimitGets413Without100) {
  // Given "Expect: 100-continue" with a body over the limit, the first reply is the 413.
  ServerLimits limits;
  limits.max_body_bytes = 10;
  Start(limits);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(
      client.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
}

TEST_F(HttpServerTest, MalformedRequestGets400AndOnlyThatConnectionCloses) {
  // Given one connection sending garbage and another one healthy, the first gets 400
  // VALIDATION_ERROR and is closed; the second keeps working.
  Start();
  Client healthy = Client::Unix(socket_path_);
  ASSERT_TRUE(healthy.Send(Get("/before")));
  ASSERT_TRUE(healthy.Read().has_value());
  Client broken = Client::Unix(socket_path_);
  ASSERT_TRUE(broken.Send("GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n"));
  std::optional<Reply> reply = broken.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(reply->ErrorCode(), "VALIDATION_ERROR");
  EXPECT_THAT(reply->ErrorMessage(), StartsWith("malformed HTTP request: "));
  EXPECT_TRUE(broken.WaitForClose());
  ASSERT_TRUE(healthy.Send(Get("/after")));
  std::optional<Reply> after = healthy.Read();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body, "GET /after ");
  // The server counts both connections and the request it refused itself.
  const ServerCounters counters = Counters();
  EXPECT_EQ(counters.connections_accepted, 2u);
  EXPECT_EQ(counters.refused_requests, (std::map<int, uint64_t>{{400, 1}}));
}

TEST_F(HttpServerTest, ConnectionsOverTheCapGet503) {
  // Given max_connections = 1 and one open connection, a second gets 503 RESOURCE_EXHAUSTED
  // and is closed, while the first keeps working.
  ServerLimits limits;
  limits.max_connections = 1;
  Start(limits);
  Client first = Client::Unix(socket_path_);
  ASSERT_TRUE(first.Send(Get("/one")));
  ASSERT_TRUE(first.Read().has_value());
  Client second = Client::Unix(socket_path_);
  ASSERT_TRUE(second.Send(Get("/two")));
  std::optional<Reply> refused = second.Read();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->ErrorCode(), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(refused->ErrorMessage(), "too many connections");
  EXPECT_TRUE(second.WaitForClose());
  ASSERT_TRUE(first.Send(Get("/three")));
  std::optional<Reply> again = first.Read();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(ConnectionCount(), 1u);
  // The one turned away is counted as a refused request, not as an accepted connection.
  const ServerCounters counters = Counters();
  EXPECT_EQ(counters.connections_accepted, 1u);
  EXPECT_EQ(counters.connections_dropped, 0u);
  EXPECT_EQ(counters.refused_requests, (std::map<int, uint64_t>{{503, 1}}));
}

TEST_F(HttpServerTest, PartialRequestPastReadTimeoutGets408) {
  // Given a request that stops halfway and a 200 ms read timeout, the reply is 408 and a close.
  ServerLimits limits;
  limits.read_timeout = milliseconds(200);
  Start(limits);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send("GET /slow HTTP/1.1\r\nHost: x\r\n"));
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 408);
  EXPECT_EQ(reply->ErrorCode(), "LIMIT_ERROR");
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(Counters().refused_requests, (std::map<int, uint64_t>{{408, 1}}));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedSilently) {
  // Given a 200 ms idle timeout, a kept-alive connection with no next request is closed
  // without a reply.
  ServerLimits limits;
  limits.idle_timeout = milliseconds(200);
  Start(limits);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/once")));
  ASSERT_TRUE(client.Read().has_value());
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(ConnectionCount(), 0u);
}

TEST_F(HttpServerTest, SetLimitsAppliesToNewConnections) {
  // Given a connection opened before SetLimits lowers max_body_bytes, only new connections see
  // the new limit.
  Start();
  Client before = Client::Unix(socket_path_);
  ASSERT_TRUE(before.Send(Get("/warm")));
  ASSERT_TRUE(before.Read().has_value());
  ServerLimits limits;
  limits.max_body_bytes = 4;
  RunOnLoop([&] { server_->SetLimits(limits); });
  ASSERT_TRUE(before.Send(Post("/x", "123456")));
  std::optional<Reply> old_limits = before.Read();
  std::optional<Reply> new_limits = RoundTrip(Post("/x", "123456"));
  ASSERT_TRUE(old_limits.has_value() && new_limits.has_value());
  EXPECT_EQ(old_limits->status, 200);
  EXPECT_EQ(new_limits->status, 413);
}

// ---------------------------------------------------------------------------------------------
// Shutdown

TEST_F(HttpServerTest, ShutdownRemovesTheSocketFileAndCallsDone) {
  // Given an idle kept-alive connection, Shutdown closes it, removes the file, calls done.
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/x")));
  ASSERT_TRUE(client.Read().has_value());
  std::future<void> done = Shutdown();
  ASSERT_TRUE(Ready(done));
  EXPECT_FALSE(std::filesystem::exists(socket_path_));
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(ConnectionCount(), 0u);
  EXPECT_FALSE(Client::Tcp(tcp_port_).connected());
}

TEST_F(HttpServerTest, SlowReplyDuringShutdownIsStillDelivered) {
  // Given a request whose handler has not replied yet, Shutdown waits: no new connections are
  // accepted, the late reply is delivered with Connection: close, and only then is done called.
  std::promise<void> arrived;
  api::ReplyFn held;
  handler_.set_behaviour([&](const api::Request&, api::ReplyFn& reply) {
    held = std::move(reply);
    arrived.set_value();
  });
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/slow")));
  std::future<void> arrived_future = arrived.get_future();
  ASSERT_TRUE(Ready(arrived_future));
  std::future<void> done = Shutdown();
  EXPECT_EQ(done.wait_for(milliseconds(50)), std::future_status::timeout);
  EXPECT_EQ(Client::Unix(socket_path_).connect_errno(), ECONNREFUSED);
  RunOnLoop([&] { held(api::Response{200, "text/plain", {}, "finally"}); });
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "finally");
  EXPECT_EQ(reply->Header("connection"), "close");
  ASSERT_TRUE(Ready(done));
  EXPECT_FALSE(std::filesystem::exists(socket_path_));
}

TEST_F(HttpServerTest, DrainTimeoutForceClosesAHandlerThatNeverReplies) {
  // Given a handler that never replies and a 200 ms drain timeout, Shutdown still completes and
  // the connection is closed.
  std::promise<void> arrived;
  api::ReplyFn held;
  handler_.set_behaviour([&](const api::Request&, api::ReplyFn& reply) {
    held = std::move(reply);
    arrived.set_value();
  });
  ServerLimits limits;
  limits.drain_timeout = milliseconds(200);
  Start(limits);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/never")));
  std::future<void> arrived_future = arrived.get_future();
  ASSERT_TRUE(Ready(arrived_future));
  std::future<void> done = Shutdown();
  ASSERT_TRUE(Ready(done));
  EXPECT_TRUE(client.WaitForClose());
  RunOnLoop([&] {
    held(api::Response{200, "text/plain", {}, "dropped"});
    held = nullptr;
  });
}

TEST_F(HttpServerTest, ShutdownTwiceCallsEachDone) {
  // Given two Shutdown calls, each done callback runs exactly once.
  Start();
  std::future<void> first = Shutdown();
  std::future<void> second = Shutdown();
  EXPECT_TRUE(Ready(first));
  EXPECT_TRUE(Ready(second));
}

}  // namespace
}  // namespace orch::net
