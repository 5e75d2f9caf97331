// Streamed (chunked) replies through HttpServer: framing, keep-alive after Finish, Stop when
// the client leaves or the server drains, the queue bound, and timeouts that spare a waiting
// stream.
#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "api/http.h"
#include "net/http_server.h"
#include "net/http_server_test_support.h"

namespace orch::net {
namespace {

using std::chrono::milliseconds;
using test::Client;
using test::Get;
using test::Ready;
using test::Reply;

// A stream the test drives: Start keeps the sink and runs `on_start` (both on the loop), and
// Start and Stop calls are counted.
class FakeBodyStream final : public api::BodyStream {
 public:
  using OnStart = std::function<void(api::ChunkSink&)>;

  explicit FakeBodyStream(OnStart on_start = nullptr) : on_start_(std::move(on_start)) {}

  void Start(std::shared_ptr<api::ChunkSink> sink) override {
    sink_ = std::move(sink);
    if (on_start_) on_start_(*sink_);
    if (starts_.fetch_add(1) == 0) started_.set_value();
  }

  void Stop() override {
    if (stops_.fetch_add(1) == 0) stopped_.set_value();
  }

  // REQUIRES: on the loop thread, after Start.
  api::ChunkSink& sink() { return *sink_; }
  int starts() const { return starts_.load(); }
  int stops() const { return stops_.load(); }
  // REQUIRES: each called once.
  std::future<void> started() { return started_.get_future(); }
  std::future<void> stopped() { return stopped_.get_future(); }

 private:
  OnStart on_start_;
  std::shared_ptr<api::ChunkSink> sink_;
  std::atomic<int> starts_{0};
  std::atomic<int> stops_{0};
  std::promise<void> started_;
  std::promise<void> stopped_;
};

class HttpStreamTest : public test::HttpServerFixture {
 protected:
  // GET /stream replies with `stream` (and `status`); anything else gets a plain echo.
  void ServeStream(const std::shared_ptr<FakeBodyStream>& stream, int status = 200) {
    handler_.set_behaviour([stream, status](const api::Request& request, api::ReplyFn& reply) {
      api::Response response;
      if (request.path == "/stream") {
        response.status = status;
        response.content_type = "application/x-ndjson";
        response.stream = stream;
      } else {
        response.content_type = "text/plain";
        response.body = request.method + " " + request.path;
      }
      reply(std::move(response));
    });
  }

  // Writes `data` to the stream's sink on the loop; what Write returned.
  bool WriteOnLoop(FakeBodyStream& stream, std::string data) {
    bool accepted = false;
    RunOnLoop([&] { accepted = stream.sink().Write(std::move(data)); });
    return accepted;
  }

  // Sends GET /stream on `client`, reads the reply's header and waits for the stream's Start.
  std::optional<Reply> OpenStream(Client& client, std::future<void>& started) {
    if (!client.Send(Get("/stream"))) return std::nullopt;
    std::optional<Reply> head = client.ReadHead();
    if (!Ready(started)) return std::nullopt;
    return head;
  }
};

TEST_F(HttpStreamTest, ThreeChunksAndFinishMakeOneChunkedReplyOnAKeptAliveConnection) {
  // Given a stream that writes three NDJSON lines (one in Start, two later) and finishes, the
  // client gets one valid chunked reply with exactly those lines, then its next request works.
  auto stream = std::make_shared<FakeBodyStream>([](api::ChunkSink& sink) {
    EXPECT_TRUE(sink.Write("{\"id\":1}\n"));
    EXPECT_TRUE(sink.Write(""));  // ignored: an empty chunk would end the body
  });
  std::future<void> started = stream->started();
  ServeStream(stream);
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/stream")));
  ASSERT_TRUE(Ready(started));
  bool closed_after_finish = false;
  bool written_after_finish = true;
  RunOnLoop([&] {
    EXPECT_TRUE(stream->sink().Write("{\"id\":2}\n"));
    EXPECT_TRUE(stream->sink().Write("{\"id\":3}\n"));
    EXPECT_FALSE(stream->sink().Closed());
    stream->sink().Finish();
    closed_after_finish = stream->sink().Closed();
    written_after_finish = stream->sink().Write("{\"id\":4}\n");
  });
  std::optional<Reply> reply = client.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(reply->Header("content-length"), "");
  EXPECT_EQ(reply->Header("content-type"), "application/x-ndjson");
  EXPECT_EQ(reply->Header("connection"), "");
  EXPECT_EQ(reply->body, "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
  EXPECT_TRUE(closed_after_finish);
  EXPECT_FALSE(written_after_finish);
  ASSERT_TRUE(client.Send(Get("/two")));
  std::optional<Reply> second = client.Read();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "GET /two");
  EXPECT_EQ(ConnectionCount(), 1u);
  EXPECT_EQ(stream->stops(), 0);
}

TEST_F(HttpStreamTest, ClientThatLeavesMidStreamStopsItExactlyOnce) {
  // Given an open stream whose client disconnects, Stop() runs once, Write returns false and
  // a later Finish changes nothing.
  auto stream = std::make_shared<FakeBodyStream>();
  std::future<void> started = stream->started();
  std::future<void> stopped = stream->stopped();
  ServeStream(stream);
  Start();
  Client client = Client::Unix(socket_path_);
  std::optional<Reply> head = OpenStream(client, started);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  ASSERT_TRUE(WriteOnLoop(*stream, "one\n"));
  EXPECT_EQ(client.ReadChunk(), "one\n");
  client.Close();
  ASSERT_TRUE(Ready(stopped));
  bool accepted = true;
  bool closed = false;
  RunOnLoop([&] {
    accepted = stream->sink().Write("two\n");
    closed = stream->sink().Closed();
    stream->sink().Finish();
  });
  RunOnLoop([] {});  // a second Stop, had one been posted, would have run by now
  EXPECT_FALSE(accepted);
  EXPECT_TRUE(closed);
  EXPECT_EQ(stream->stops(), 1);
  EXPECT_EQ(ConnectionCount(), 0u);
}

TEST_F(HttpStreamTest, RequestSentDuringAStreamIsAnsweredAfterFinish) {
  // Given a client that sends its next request while a stream is still open, that request is
  // answered on the same connection once the stream finishes.
  auto stream = std::make_shared<FakeBodyStream>();
  std::future<void> started = stream->started();
  ServeStream(stream);
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(OpenStream(client, started).has_value());
  ASSERT_TRUE(client.Send(Get("/next")));
  ASSERT_TRUE(WriteOnLoop(*stream, "one\n"));
  EXPECT_EQ(client.ReadChunk(), "one\n");
  RunOnLoop([&] { stream->sink().Finish(); });
  EXPECT_EQ(client.ReadChunk(), "");
  std::optional<Reply> next = client.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "GET /next");
  EXPECT_EQ(stream->stops(), 0);
}

TEST_F(HttpStreamTest, ShutdownStopsAnOpenStreamFlushesItAndFinishesDraining) {
  // Given an open stream with a line queued just before Shutdown, the stream is stopped, the
  // line still arrives, the reply ends without its last chunk and the drain completes.
  auto stream = std::make_shared<FakeBodyStream>();
  std::future<void> started = stream->started();
  std::future<void> stopped = stream->stopped();
  ServeStream(stream);
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(OpenStream(client, started).has_value());
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> drained = done->get_future();
  bool accepted_after_shutdown = true;
  RunOnLoop([&] {
    EXPECT_TRUE(stream->sink().Write("last\n"));
    server_->Shutdown([done] { done->set_value(); });
    EXPECT_TRUE(stream->sink().Closed());
    accepted_after_shutdown = stream->sink().Write("after\n");
  });
  EXPECT_FALSE(accepted_after_shutdown);
  ASSERT_TRUE(Ready(stopped));
  ASSERT_TRUE(Ready(drained));
  EXPECT_EQ(client.ReadChunk(), "last\n");
  EXPECT_EQ(client.ReadChunk(), std::nullopt);
  EXPECT_TRUE(client.eof());
  EXPECT_EQ(stream->stops(), 1);
  EXPECT_EQ(ConnectionCount(), 0u);
}

TEST_F(HttpStreamTest, QueueBoundClosesAClientThatNeverReads) {
  // Given max_stream_queue_bytes = 64 KiB and a client that never reads, writing on fills the
  // socket and then the queue, until Write returns false, the stream stops and the connection
  // closes.
  ServerLimits limits;
  limits.max_stream_queue_bytes = size_t{64} * 1024;
  auto stream = std::make_shared<FakeBodyStream>();
  std::future<void> started = stream->started();
  std::future<void> stopped = stream->stopped();
  ServeStream(stream);
  Start(limits);
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/stream")));
  ASSERT_TRUE(Ready(started));
  const std::string chunk(size_t{16} * 1024, 'x');
  constexpr int kMaxWrites = 1000;  // 16 MiB: far more than any socket buffer takes
  int writes = 0;
  bool accepted = true;
  while (accepted && writes < kMaxWrites) {
    accepted = WriteOnLoop(*stream, chunk);
    ++writes;
  }
  EXPECT_FALSE(accepted);
  ASSERT_TRUE(Ready(stopped));
  EXPECT_EQ(stream->stops(), 1);
  EXPECT_EQ(ConnectionCount(), 0u);
  const std::string received = client.ReadToClose();
  EXPECT_TRUE(client.eof());
  EXPECT_LT(received.size(), static_cast<size_t>(writes) * chunk.size());
}

TEST_F(HttpStreamTest, ReadAndIdleTimeoutsSpareAStreamThatIsWaiting) {
  // Given 100 ms read and idle timeouts, a stream with nothing to send outlives another
  // connection's idle close and still delivers its next line.
  ServerLimits limits;
  limits.read_timeout = milliseconds(100);
  limits.idle_timeout = milliseconds(100);
  auto stream = std::make_shared<FakeBodyStream>();
  std::future<void> started = stream->started();
  ServeStream(stream);
  Start(limits);
  Client follower = Client::Unix(socket_path_);
  ASSERT_TRUE(OpenStream(follower, started).has_value());
  ASSERT_TRUE(WriteOnLoop(*stream, "first\n"));
  EXPECT_EQ(follower.ReadChunk(), "first\n");
  // The other connection's idle close is the clock: by then both timeouts have passed.
  Client idle = Client::Unix(socket_path_);
  ASSERT_TRUE(idle.Send(Get("/once")));
  ASSERT_TRUE(idle.Read().has_value());
  ASSERT_TRUE(idle.WaitForClose());
  ASSERT_TRUE(WriteOnLoop(*stream, "second\n"));
  EXPECT_EQ(follower.ReadChunk(), "second\n");
  EXPECT_EQ(stream->stops(), 0);
  EXPECT_EQ(ConnectionCount(), 1u);
}

TEST_F(HttpStreamTest, Http10StreamIsUnframedAndEndsWithTheConnection) {
  // Given an HTTP/1.0 request, the streamed reply has no chunked framing and the connection
  // closes after Finish to end the body.
  auto stream = std::make_shared<FakeBodyStream>([](api::ChunkSink& sink) {
    EXPECT_TRUE(sink.Write("a\n"));
    EXPECT_TRUE(sink.Write("b\n"));
    sink.Finish();
  });
  ServeStream(stream);
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send("GET /stream HTTP/1.0\r\n\r\n"));
  std::optional<Reply> head = client.ReadHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("transfer-encoding"), "");
  EXPECT_EQ(head->Header("content-length"), "");
  EXPECT_EQ(client.ReadToClose(), "a\nb\n");
  EXPECT_TRUE(client.eof());
  EXPECT_EQ(stream->stops(), 0);
}

TEST_F(HttpStreamTest, StreamWithABodilessStatusBecomes500) {
  // Given a handler streaming a 204 reply (which cannot carry a body), the client gets a 500
  // ErrorBody and the stream is never started.
  auto stream = std::make_shared<FakeBodyStream>();
  ServeStream(stream, 204);
  Start();
  std::optional<Reply> reply = RoundTrip(Get("/stream"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(reply->ErrorCode(), "INTERNAL_SERVER_ERROR");
  EXPECT_EQ(stream->starts(), 0);
}

TEST_F(HttpStreamTest, StreamedReplyDuringShutdownIsNotStarted) {
  // Given a handler that replies with a stream only after Shutdown began, the client gets the
  // header with Connection: close and then the close; the stream is never started.
  auto stream = std::make_shared<FakeBodyStream>();
  std::promise<void> arrived;
  api::ReplyFn held;
  handler_.set_behaviour([&](const api::Request&, api::ReplyFn& reply) {
    held = std::move(reply);
    arrived.set_value();
  });
  Start();
  Client client = Client::Unix(socket_path_);
  ASSERT_TRUE(client.Send(Get("/stream")));
  std::future<void> arrived_future = arrived.get_future();
  ASSERT_TRUE(Ready(arrived_future));
  std::future<void> done = Shutdown();
  RunOnLoop([&] {
    api::Response response;
    response.stream = stream;
    held(std::move(response));
  });
  std::optional<Reply> head = client.ReadHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("connection"), "close");
  EXPECT_EQ(head->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(client.ReadChunk(), std::nullopt);
  EXPECT_TRUE(client.eof());
  ASSERT_TRUE(Ready(done));
  EXPECT_EQ(stream->starts(), 0);
  EXPECT_EQ(stream->stops(), 0);
}

}  // namespace
}  // namespace orch::net
