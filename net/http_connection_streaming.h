// HttpConnection<Stream>'s streamed replies: the sink a handler's BodyStream writes to, the
// queue of chunks written one write at a time, and the end of a stream (finished, stopped by a
// drain, or cut off when the client leaves or falls behind). Included at the end of
// http_connection.h, which declares these members; include that header, not this one.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "api/http.h"
#include "net/http_connection.h"
#include "net/http_message.h"
#include "net/net_log.h"

namespace orch::net {

// The sink a streamed reply writes to. It names its request, so a sink kept past the end of
// its stream (or of the connection) is closed rather than writing into a later reply.
template <typename Stream>
class HttpConnection<Stream>::StreamSink final : public api::ChunkSink {
 public:
  StreamSink(std::weak_ptr<HttpConnection> connection, uint64_t sequence)
      : connection_(std::move(connection)), sequence_(sequence) {}
  bool Write(std::string data) override {
    const auto connection = connection_.lock();
    return connection != nullptr && connection->WriteChunk(sequence_, data);
  }
  void Finish() override {
    if (const auto connection = connection_.lock()) connection->FinishStream(sequence_);
  }
  bool Closed() const override {
    const auto connection = connection_.lock();
    return connection == nullptr || !connection->StreamOpen(sequence_);
  }

 private:
  const std::weak_ptr<HttpConnection> connection_;
  const uint64_t sequence_;
};

// Queues the header (chunked for HTTP/1.1; an HTTP/1.0 body ends with the connection), keeps
// a read pending to notice the client leaving, and starts the stream. Called only for the
// head reply, so nothing else is written meanwhile; no request is read until it ends. A reply
// written while draining gets its header and a close (dropping any replies due after it); its
// stream is never started.
template <typename Stream>
void HttpConnection<Stream>::WriteStreamedResponse(api::Response response, bool keep_alive) {
  if (!CanStream(response.status)) {
    NetLog().error("handler streamed a reply with HTTP status {}", response.status);
    pending_.front().response = api::ErrorResponse(500, "INTERNAL_SERVER_ERROR", "internal error");
    return WriteReplies();
  }
  streaming_ = true;
  stream_sequence_ = pending_.front().sequence;
  chunked_ = version_ >= 11;
  keep_alive_ = keep_alive && chunked_ && !draining_;
  std::shared_ptr<api::BodyStream> body = std::move(response.stream);
  try {
    queued_ = StreamedReplyHead(response, version_, chunked_, keep_alive_);
  } catch (const std::exception& e) {
    NetLog().error("{}: cannot build reply: {}", info_.peer, e.what());
    return CloseNow();
  }
  Flush();
  // A raw read already outstanding is the watch; bytes already buffered are a pipelined
  // request, and a client that leaves is noticed by a failing write instead.
  ReadNext();
  if (!draining_) StartBody(body);
}

// `body` is the caller's: body_ may be dropped while Start() runs.
template <typename Stream>
void HttpConnection<Stream>::StartBody(const std::shared_ptr<api::BodyStream>& body) {
  body_ = body;
  try {
    body->Start(std::make_shared<StreamSink>(this->weak_from_this(), stream_sequence_));
  } catch (const std::exception& e) {
    NetLog().error("{}: streamed reply failed to start: {}", info_.peer, e.what());
    CloseNow();
  } catch (...) {
    NetLog().error("{}: streamed reply failed to start: non-standard exception", info_.peer);
    CloseNow();
  }
}

template <typename Stream>
bool HttpConnection<Stream>::StreamOpen(uint64_t sequence) const {
  return streaming_ && body_ != nullptr && sequence == stream_sequence_;
}

// From the sink. Over max_stream_queue_bytes the client is not keeping up: stop and close
// rather than buffer without bound.
template <typename Stream>
bool HttpConnection<Stream>::WriteChunk(uint64_t sequence, std::string_view data) {
  if (!StreamOpen(sequence)) return false;
  if (data.empty()) return true;
  if (chunked_) {
    AppendChunk(queued_, data);
  } else {
    queued_ += data;
  }
  if (queued_.size() + in_flight_.size() > limits_.max_stream_queue_bytes) {
    NetLog().info("{}: streamed reply backlog over {} bytes; closing the slow client", info_.peer,
                  limits_.max_stream_queue_bytes);
    CloseNow();
    return false;
  }
  Flush();
  return true;
}

// From the sink. The stream object is released from the loop later: Finish() is running
// inside it.
template <typename Stream>
void HttpConnection<Stream>::FinishStream(uint64_t sequence) {
  if (!StreamOpen(sequence)) return;
  asio::post(stream_.get_executor(), [body = std::move(body_)]() mutable { body.reset(); });
  if (chunked_) queued_ += kLastChunk;
  Flush();
  if (!writing_) EndStream();
}

// Writes everything queued, unless a write is already outstanding. The deadline runs only
// while a write is: a client taking nothing for read_timeout is dropped, but one that is
// merely waiting for the next chunk is not timed out.
template <typename Stream>
void HttpConnection<Stream>::Flush() {
  if (writing_ || queued_.empty()) return;
  writing_ = true;
  std::swap(in_flight_, queued_);
  ArmDeadline(Side::kWrite, limits_.read_timeout);
  asio::async_write(
      stream_, asio::buffer(in_flight_),
      [self = this->shared_from_this()](error_code ec, size_t) { self->OnStreamWritten(ec); });
}

template <typename Stream>
void HttpConnection<Stream>::OnStreamWritten(error_code ec) {
  writing_ = false;
  in_flight_.clear();
  if (phase_ == Phase::kClosed) return;
  if (ec) return CloseQuietly("writing streamed reply", ec);
  CancelTimedOutRead();
  if (!queued_.empty()) return Flush();
  CancelDeadline(Side::kWrite);
  if (body_ == nullptr) EndStream();  // finished, stopped by a drain, or never started
}

// Stops the stream; what is queued is still written, then the connection closes (the reply
// is cut short, so nothing can follow it).
template <typename Stream>
void HttpConnection<Stream>::DrainStream() {
  StopBody();
  keep_alive_ = false;
  if (!writing_) EndStream();
}

// Everything of the streamed reply is written: go on with the next reply and request, or
// close. A watching raw read still outstanding becomes the wait for the next request.
template <typename Stream>
void HttpConnection<Stream>::EndStream() {
  streaming_ = false;
  pending_.pop_front();
  if (!keep_alive_) return CloseNow();
  AfterReply();
}

// Ends an unfinished stream from this side: its sink refuses writes from now on, and Stop()
// is posted, so a stream is never re-entered from inside its own Start(), Write() or
// Finish().
template <typename Stream>
void HttpConnection<Stream>::StopBody() {
  if (body_ == nullptr) return;
  asio::post(stream_.get_executor(), [body = std::move(body_), peer = info_.peer] {
    try {
      body->Stop();
    } catch (const std::exception& e) {
      NetLog().error("{}: stopping a streamed reply threw: {}", peer, e.what());
    } catch (...) {
      NetLog().error("{}: stopping a streamed reply threw a non-standard exception", peer);
    }
  });
}

}  // namespace orch::net
