// HTTP/1.1 pipelining in HttpServer: requests read ahead while replies are due, the bound on
// them, and replies written in request order; and replies answered later telling whether they
// were sent (Response::on_sent).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "net/http_server.h"
#include "net/http_server_test_support.h"

namespace orch::net {
namespace {

using std::chrono::milliseconds;
using test::Client;
using test::Get;
using test::Post;
using test::Reply;

// Holds every request's ReplyFn until the test answers it.
class HeldReplies {
 public:
  test::FakeHandler::Behaviour Behaviour() {
    return [this](const api::Request& request, api::ReplyFn& reply) {
      std::lock_guard<std::mutex> lock(mu_);
      held_.emplace_back(request.path, std::move(reply));
      changed_.notify_all();
    };
  }

  // True once at least `count` requests have reached the handler (within kBound).
  bool WaitFor(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, test::kBound, [&] { return held_.size() >= count; });
  }

  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_.size();
  }

  // Answers the request for `path` with `status` and its path as the body (none for 204),
  // and `on_sent` as the reply's.
  // REQUIRES: on the loop thread.
  void Answer(const std::string& path, int status = 200,
              std::function<void(bool)> on_sent = nullptr) {
    api::ReplyFn reply;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [held_path, held_reply] : held_) {
        if (held_path == path && held_reply) reply = std::exchange(held_reply, nullptr);
      }
    }
    ASSERT_TRUE(reply) << path;
    api::Response response{status, "text/plain", {}, status == 204 ? "" : path};
    response.on_sent = std::move(on_sent);
    reply(std::move(response));
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::pair<std::string, api::ReplyFn>> held_;
};

class HttpPipelineTest : public test::HttpServerFixture {
 protected:
  void TearDown() override {
    // Replies still held keep their connections; drop them on the loop before it stops.
    RunOnLoop([this] { held_ = std::make_unique<HeldReplies>(); });
    test::HttpServerFixture::TearDown();
  }

  void HoldReplies() { handler_.set_behaviour(held_->Behaviour()); }

  void StartWithMax(size_t max_pipelined) {
    ServerLimits limits;
    limits.max_pipelined = max_pipelined;
    Start(limits);
  }

  // Waits (within kBound) until the server holds no connection.
  bool WaitNoConnections() {
    const auto deadline = std::chrono::steady_clock::now() + test::kBound;
    while (ConnectionCount() != 0) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return true;
  }

  std::unique_ptr<HeldReplies> held_ = std::make_unique<HeldReplies>();
};

// What on_sent callbacks were told, by name, as they were told (from the loop thread).
class SentLog {
 public:
  std::function<void(bool)> For(const std::string& name) {
    return [this, name](bool sent) {
      std::lock_guard<std::mutex> lock(mu_);
      told_.emplace_back(name, sent);
      changed_.notify_all();
    };
  }

  // Everything told once at least `count` callbacks were (or kBound passed).
  std::vector<std::pair<std::string, bool>> WaitFor(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, test::kBound, [&] { return told_.size() >= count; });
    return told_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::pair<std::string, bool>> told_;
};

using Told = std::vector<std::pair<std::string, bool>>;

// Reads the reply to `path` (its body is the path) and expects the first and only on_sent
// told in `log` to be its, with `sent`.
void ExpectReadAndTold(Client& client, const std::string& path, SentLog& log, bool sent) {
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value()) << path;
  EXPECT_EQ(reply->body, path);
  EXPECT_EQ(log.WaitFor(1), (Told{{path, sent}}));
}

// Held replies answered with on_sent callbacks that `log_` records.
class OnSentTest : public HttpPipelineTest {
 protected:
  void SetUp() override {
    HttpPipelineTest::SetUp();
    HoldReplies();
    StartWithMax(16);
  }

  SentLog log_;
};

TEST_F(HttpPipelineTest, RepliesAnsweredOutOfOrderAreWrittenInRequestOrder) {
  // Given three requests in one send and a handler that answers the second, then the third,
  // then the first, the replies still come back first, second, third.
  HoldReplies();
  StartWithMax(16);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/1") + Post("/2", "two") + Get("/3")));
  ASSERT_TRUE(held_->WaitFor(3));
  RunOnLoop([&] {
    held_->Answer("/2");
    held_->Answer("/3");
  });
  RunOnLoop([&] { held_->Answer("/1"); });
  for (const char* path : {"/1", "/2", "/3"}) {
    std::optional<Reply> reply = client.Read();
    ASSERT_TRUE(reply.has_value()) << path;
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, path);
    EXPECT_EQ(reply->Header("connection"), "");
  }
  ASSERT_TRUE(client.Send(Get("/4")));
  ASSERT_TRUE(held_->WaitFor(4));
  RunOnLoop([&] { held_->Answer("/4"); });
  std::optional<Reply> fourth = client.Read();
  ASSERT_TRUE(fourth.has_value());
  EXPECT_EQ(fourth->body, "/4");
}

TEST_F(HttpPipelineTest, RepliesWrittenTogetherKeepTheirOwnFraming) {
  // Given replies that become due together (a 204, a 200 and a 404 behind the held first
  // one), each arrives whole with its own status, headers and body.
  HoldReplies();
  StartWithMax(16);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/1") + Get("/none") + Post("/2", "x") + Get("/missing")));
  ASSERT_TRUE(held_->WaitFor(4));
  RunOnLoop([&] {
    held_->Answer("/none", 204);
    held_->Answer("/2");
    held_->Answer("/missing", 404);
    held_->Answer("/1");
  });
  std::optional<Reply> first = client.Read();
  std::optional<Reply> none = client.Read();
  std::optional<Reply> second = client.Read();
  std::optional<Reply> missing = client.Read();
  ASSERT_TRUE(first.has_value() && none.has_value() && second.has_value() && missing.has_value());
  EXPECT_EQ(first->body, "/1");
  EXPECT_EQ(none->status, 204);
  EXPECT_EQ(none->body, "");
  EXPECT_EQ(second->body, "/2");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, "/missing");
}

TEST_F(HttpPipelineTest, OnlyMaxPipelinedRequestsAreHandedToTheHandlerAtOnce) {
  // Given max_pipelined 2 and four requests in one send, two reach the handler; each reply
  // written lets one more in, and all four are answered in order.
  HoldReplies();
  StartWithMax(2);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/1") + Get("/2") + Get("/3") + Get("/4")));
  ASSERT_TRUE(held_->WaitFor(2));
  RunOnLoop([] {});
  EXPECT_EQ(held_->count(), 2u);
  RunOnLoop([&] { held_->Answer("/2"); });
  RunOnLoop([] {});
  EXPECT_EQ(held_->count(), 2u);  // the second reply waits for the first, so no room yet
  RunOnLoop([&] { held_->Answer("/1"); });
  ASSERT_TRUE(held_->WaitFor(4));
  RunOnLoop([&] {
    held_->Answer("/3");
    held_->Answer("/4");
  });
  for (const char* path : {"/1", "/2", "/3", "/4"}) {
    std::optional<Reply> reply = client.Read();
    ASSERT_TRUE(reply.has_value()) << path;
    EXPECT_EQ(reply->body, path);
  }
}

TEST_F(HttpPipelineTest, MaxPipelinedOneReadsTheNextRequestOnlyAfterTheReply) {
  // Given max_pipelined 1 and two requests in one send, the second reaches the handler only
  // once the first is answered.
  HoldReplies();
  StartWithMax(1);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/1") + Get("/2")));
  ASSERT_TRUE(held_->WaitFor(1));
  RunOnLoop([] {});
  EXPECT_EQ(held_->count(), 1u);
  RunOnLoop([&] { held_->Answer("/1"); });
  ASSERT_TRUE(held_->WaitFor(2));
  RunOnLoop([&] { held_->Answer("/2"); });
  std::optional<Reply> first = client.Read();
  std::optional<Reply> second = client.Read();
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->body, "/1");
  EXPECT_EQ(second->body, "/2");
}

TEST_F(HttpPipelineTest, ConnectionCloseStopsReadingAfterThatRequest) {
  // Given a second pipelined request with Connection: close and a third behind it, the first
  // two are answered (the second saying close), the third never reaches the handler.
  StartWithMax(16);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/1") + Get("/2", "Connection: close\r\n") + Get("/3")));
  std::optional<Reply> first = client.Read();
  std::optional<Reply> second = client.Read();
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->body, "GET /1 ");
  EXPECT_EQ(first->Header("connection"), "");
  EXPECT_EQ(second->body, "GET /2 ");
  EXPECT_EQ(second->Header("connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(handler_.requests().size(), 2u);
}

TEST_F(HttpPipelineTest, MalformedRequestIsAnsweredAfterTheRepliesBeforeIt) {
  // Given two requests and then garbage in one send, with the handler answering late, the two
  // replies come first, then 400, then the close.
  HoldReplies();
  StartWithMax(16);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/1") + Get("/2") + "NOT HTTP AT ALL\r\n\r\n" + Get("/4")));
  ASSERT_TRUE(held_->WaitFor(2));
  RunOnLoop([&] { held_->Answer("/2"); });
  RunOnLoop([&] { held_->Answer("/1"); });
  std::optional<Reply> first = client.Read();
  std::optional<Reply> second = client.Read();
  std::optional<Reply> error = client.Read();
  ASSERT_TRUE(first.has_value() && second.has_value() && error.has_value());
  EXPECT_EQ(first->body, "/1");
  EXPECT_EQ(second->body, "/2");
  EXPECT_EQ(error->status, 400);
  EXPECT_EQ(error->Header("connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(held_->count(), 2u);
}

TEST_F(HttpPipelineTest, ReadTimeoutAppliesWhileARequestIsDue) {
  // Given a request the handler holds and half of a second one, the half request times out
  // after read_timeout: the held reply is written when it comes, then 408, then the close.
  HoldReplies();
  ServerLimits limits;
  limits.read_timeout = milliseconds(200);
  Start(limits);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/1") + "GET /2 HTTP/1.1\r\nHo"));
  ASSERT_TRUE(held_->WaitFor(1));
  std::this_thread::sleep_for(milliseconds(400));  // the 408 is queued behind /1 meanwhile
  RunOnLoop([&] { held_->Answer("/1"); });
  std::optional<Reply> first = client.Read();
  std::optional<Reply> timeout = client.Read();
  ASSERT_TRUE(first.has_value() && timeout.has_value());
  EXPECT_EQ(first->body, "/1");
  EXPECT_EQ(timeout->status, 408);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpPipelineTest, ShutdownAnswersTheRequestsAlreadyReadAndReadsNoMore) {
  // Given two held requests and Shutdown, both are answered (the last saying close), a request
  // sent after Shutdown never reaches the handler, and the drain then completes.
  HoldReplies();
  StartWithMax(16);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/1") + Get("/2")));
  ASSERT_TRUE(held_->WaitFor(2));
  std::future<void> done = Shutdown();
  ASSERT_TRUE(client.Send(Get("/3")));
  RunOnLoop([&] { held_->Answer("/1"); });
  std::optional<Reply> first = client.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->Header("connection"), "");
  RunOnLoop([&] { held_->Answer("/2"); });
  std::optional<Reply> second = client.Read();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "/2");
  EXPECT_EQ(second->Header("connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
  ASSERT_TRUE(test::Ready(done));
  EXPECT_EQ(held_->count(), 2u);
}

TEST_F(HttpPipelineTest, ClientThatStopsSendingStillGetsTheRepliesDue) {
  // Given two requests and then the client's half-close, both replies arrive, then the close.
  HoldReplies();
  StartWithMax(16);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/1") + Get("/2")));
  ASSERT_TRUE(held_->WaitFor(2));
  client.ShutdownSend();
  RunOnLoop([&] {
    held_->Answer("/2");
    held_->Answer("/1");
  });
  std::optional<Reply> first = client.Read();
  std::optional<Reply> second = client.Read();
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->body, "/1");
  EXPECT_EQ(second->body, "/2");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(OnSentTest, IsToldTrueOnceTheReplyIsWritten) {
  // Given a held request answered with an on_sent callback, the client reads the reply and the
  // callback is told it was sent, once and only after the reply call returned.
  Client client = Client::Tcp(tcp_port_);
  ASSERT_TRUE(client.Send(Get("/1")));
  ASSERT_TRUE(held_->WaitFor(1));
  bool told_inside = false;
  RunOnLoop([&] {
    held_->Answer("/1", 200, log_.For("/1"));
    told_inside = !log_.WaitFor(0).empty();
  });
  EXPECT_FALSE(told_inside);
  ExpectReadAndTold(client, "/1", log_, true);
}

TEST_F(OnSentTest, IsToldFalseWhenTheClientResetTheConnectionFirst) {
  // Given two pipelined requests, the second answered while the first is held, and a client
  // that resets the connection: the second's reply and the first's, answered after the reset,
  // are both told they were not sent.
  Client client = Client::Tcp(tcp_port_);
  ASSERT_TRUE(client.Send(Get("/1") + Get("/2")));
  ASSERT_TRUE(held_->WaitFor(2));
  RunOnLoop([&] { held_->Answer("/2", 200, log_.For("/2")); });
  client.Reset();
  ASSERT_TRUE(WaitNoConnections());
  RunOnLoop([&] { held_->Answer("/1", 200, log_.For("/1")); });
  EXPECT_EQ(log_.WaitFor(2), (Told{{"/2", false}, {"/1", false}}));
}

TEST_F(OnSentTest, IsToldFalseWhenTheClientHadEndedItsSide) {
  // Given a client that sends a request and ends its side (a FIN) before the held reply comes,
  // the reply is still written to it, and its on_sent is told it was not sent: such a client
  // has most likely gone.
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/1")));
  client.ShutdownSend();
  ASSERT_TRUE(held_->WaitFor(1));
  RunOnLoop([] {});  // the end of the request stream is read before the reply is written
  RunOnLoop([&] { held_->Answer("/1", 200, log_.For("/1")); });
  ExpectReadAndTold(client, "/1", log_, false);
}

}  // namespace
}  // namespace orch::net
