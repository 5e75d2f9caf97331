// HttpConnection<Stream>: one HTTP/1.1 connection, the only code that touches a client socket.
// A template over the stream so a TLS stream reuses the HTTP logic: it only needs overloads of
// the stream operations below (and a handshake before Start()). Internal to net/ (includes
// Beast); instantiated in http_server.cc. The read side is in http_connection_reads.h, streamed
// replies in http_connection_streaming.h.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include "api/http.h"
#include "net/connection_manager.h"
#include "net/http_message.h"
#include "net/http_server.h"
#include "net/net_log.h"

namespace orch::net {

namespace asio = boost::asio;
using boost::system::error_code;

// Stream operations the connection needs. Plain sockets here; a TLS stream adds overloads
// (cancel and close on the lowest layer, shutdown_send as a TLS close_notify).
template <typename Protocol, typename Executor>
void CancelIo(asio::basic_stream_socket<Protocol, Executor>& socket) {
  error_code ignored;
  socket.cancel(ignored);
}
template <typename Protocol, typename Executor>
void ShutdownSend(asio::basic_stream_socket<Protocol, Executor>& socket) {
  error_code ignored;
  socket.shutdown(asio::socket_base::shutdown_send, ignored);
}
template <typename Protocol, typename Executor>
void CloseStream(asio::basic_stream_socket<Protocol, Executor>& socket) {
  error_code ignored;
  socket.shutdown(asio::socket_base::shutdown_both, ignored);
  socket.close(ignored);
}
// A plain socket is ready at once; a TLS stream overloads this with its handshake.
template <typename Protocol, typename Executor, typename Handler>
void StartStream(asio::basic_stream_socket<Protocol, Executor>&, Handler&& handler) {
  handler(error_code());
}
// Calls `handler(error_code)` once the socket has bytes to read, has reached its end, or failed.
template <typename Protocol, typename Executor, typename Handler>
void AsyncWaitReadable(asio::basic_stream_socket<Protocol, Executor>& socket, Handler&& handler) {
  socket.async_wait(asio::socket_base::wait_read, std::forward<Handler>(handler));
}
// Plain sockets carry no client certificate.
template <typename Protocol, typename Executor>
std::string PeerCertificateDer(asio::basic_stream_socket<Protocol, Executor>&) {
  return "";
}

/// Who the connection is with: a label for logs and, on Unix sockets, kernel credentials.
struct ConnectionInfo {
  std::string peer;
  std::optional<api::PeerCredentials> credentials;
  std::string remote_ip;  // TCP only
};

/// Serves requests on one stream until the peer leaves, a limit is hit or the server drains.
/// HTTP/1.1 pipelining: while replies are due, the next requests are read and handed to the
/// handler, up to ServerLimits::max_pipelined at a time, and the replies are written in request
/// order whatever order the handler answers in. The read side (http_connection_reads.h) and the
/// write side (here and http_connection_streaming.h) each have their own deadline.
template <typename Stream>
class HttpConnection final : public ManagedConnection,
                             public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  /// REQUIRES: `handler`, `manager` and `counters` stay valid until this connection closes.
  HttpConnection(Stream stream, ConnectionInfo info, const ServerLimits& limits,
                 api::Handler& handler, ConnectionManager& manager, ServerCounters& counters)
      : stream_(std::move(stream)),
        read_deadline_(stream_.get_executor()),
        write_deadline_(stream_.get_executor()),
        info_(std::move(info)),
        limits_(limits),
        max_pipelined_(std::max<size_t>(limits.max_pipelined, 1)),
        handler_(&handler),
        manager_(&manager),
        counters_(&counters) {}

  /// Starts serving requests (after the TLS handshake, on a TLS stream).
  void Start() {
    BeginStream([self = this->shared_from_this()] { self->ReadNext(); });
  }

  /// Answers `response` without reading anything, then closes (used at the connection cap).
  void Reject(api::Response response) {
    BeginStream([self = this->shared_from_this(), response = std::move(response)]() mutable {
      self->QueueError(std::move(response));
    });
  }

  // Replies already due are written (the last says Connection: close); nothing more is read
  // but the request being read, if one is. A streamed reply is stopped, and the connection
  // closes once what it queued is written, dropping any replies due after it.
  void Drain() override {
    draining_ = true;
    if (phase_ == Phase::kHandshake) return CloseNow();
    if (phase_ != Phase::kOpen) return;
    if (pending_.empty() && reading_ != Reading::kRequest) return CloseNow();
    if (streaming_) DrainStream();
  }

  void ForceClose() override { CloseNow(); }

 private:
  enum class Phase { kHandshake, kOpen, kLingering, kClosed };
  // What the read side has outstanding: nothing, a read of raw bytes into buffer_ (the wait
  // for a request's first byte, or a watch on a streamed reply's client), or a request (its
  // header, its body, or a 100 Continue before the body).
  enum class Reading { kNone, kRaw, kRequest };
  enum class Side { kRead, kWrite };

  // A request handed to the handler (or a read error to answer), in request order.
  struct PendingReply {
    uint64_t sequence = 0;
    unsigned version = 11;
    bool keep_alive = false;  // the request allows another after it
    bool linger = false;      // an error reply: close after it, lingering
    bool answered = false;
    std::optional<api::Response> response;  // set when answered, until written
  };

  struct Deadline {
    explicit Deadline(const typename Stream::executor_type& executor) : timer(executor) {}
    asio::steady_timer timer;
    uint64_t generation = 0;
  };

  // The sink a streamed reply writes to (defined in http_connection_streaming.h).
  class StreamSink;

  static constexpr size_t kReadChunk = 4096;
  // How long a connection closed after an error keeps swallowing input, so the kernel does
  // not answer unread bytes with a reset that could destroy the error reply in flight.
  static constexpr std::chrono::milliseconds kLingerTime{1000};
  // "HTTP/1.1 100 Continue" is fixed text; no serializer needed.
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

  // Runs the stream's start (the TLS handshake; nothing for plain sockets) within
  // read_timeout, keeps the client certificate it verified, then calls `next`.
  template <typename Next>
  void BeginStream(Next next) {
    phase_ = Phase::kHandshake;
    ArmDeadline(Side::kRead, limits_.read_timeout);
    StartStream(stream_,
                [self = this->shared_from_this(), next = std::move(next)](error_code ec) mutable {
                  if (self->phase_ == Phase::kClosed) return;
                  if (ec) {
                    NetLog().info("{}: TLS handshake failed: {}", self->info_.peer, ec.message());
                    return self->CloseNow();
                  }
                  self->CancelDeadline(Side::kRead);
                  self->phase_ = Phase::kOpen;
                  next();
                });
  }

  // The read side, defined in http_connection_reads.h.
  void ReadNext();
  void RawRead();
  void OnRawRead(error_code ec, size_t n);
  void ReadHeader();
  void OnHeader(error_code ec);
  bool ExpectsContinue() const;
  void SendContinue();
  void ReadBody();
  void OnReadError(error_code ec);
  void OnPeerGone(const char* what, error_code ec);
  void Fail(int status, const std::string& message);
  void QueueError(api::Response response);
  void Dispatch();
  api::ReplyFn MakeReply(uint64_t sequence);

  // Records the handler's reply; only the first reply to a request still due is kept (late or
  // repeated replies, including a 500 for a handler that threw after replying, are dropped).
  void OnReply(uint64_t sequence, api::Response response) {
    PendingReply* entry = nullptr;
    if (phase_ == Phase::kOpen && !pending_.empty() && sequence >= pending_.front().sequence &&
        sequence - pending_.front().sequence < pending_.size()) {
      entry = &pending_[sequence - pending_.front().sequence];
    }
    if (entry == nullptr || entry->answered) {
      NetLog().debug("{}: dropping a reply for a finished or closed request", info_.peer);
      return TellSent(std::move(response.on_sent), false);
    }
    entry->answered = true;
    entry->response = std::move(response);
    WriteNext();
  }

  // True when the reply at `index` is the last this connection writes: nothing is due after
  // it and no further request will be read (draining, or the read side is finished).
  bool IsLast(size_t index) const {
    return index + 1 == pending_.size() && reading_ != Reading::kRequest &&
           (draining_ || !read_open_);
  }

  // Writes the head reply once it is answered, unless a write or a stream is in progress.
  void WriteNext() {
    if (phase_ != Phase::kOpen || writing_ || streaming_ || pending_.empty() ||
        !pending_.front().response.has_value()) {
      return;
    }
    served_any_ = true;
    PendingReply& head = pending_.front();
    if (head.response->stream == nullptr) return WriteReplies();
    api::Response response = std::move(*head.response);
    head.response.reset();
    version_ = head.version;
    WriteStreamedResponse(std::move(response), head.keep_alive && !IsLast(0));
  }

  // Writes the head reply and the answered whole replies right behind it, in one write;
  // afterwards goes on with the next reply and request, closes (after a reply that says
  // Connection: close), or lingers first (after an error that left request bytes unread).
  void WriteReplies() {
    out_.clear();
    size_t count = 0;
    bool keep_alive = true;
    bool linger = false;
    while (keep_alive && count < pending_.size()) {
      PendingReply& entry = pending_[count];
      if (!entry.response.has_value() || (count > 0 && entry.response->stream != nullptr)) break;
      linger = entry.linger;
      keep_alive = !linger && entry.keep_alive && !IsLast(count);
      if (entry.response->on_sent) sent_callbacks_.push_back(std::move(entry.response->on_sent));
      try {
        BeastResponse message =
            ToBeastResponse(std::move(*entry.response), entry.version, keep_alive);
        AppendWire(out_, message);
      } catch (const std::exception& e) {
        NetLog().error("{}: cannot build reply: {}", info_.peer, e.what());
        return CloseNow();
      }
      entry.response.reset();
      ++count;
    }
    writing_ = true;
    ArmDeadline(Side::kWrite, limits_.read_timeout);  // a client that will not read is dropped
    asio::async_write(
        stream_, asio::buffer(out_),
        [self = this->shared_from_this(), count, keep_alive, linger](error_code ec, size_t) {
          self->OnWritten(ec, count, keep_alive, linger);
        });
  }

  void OnWritten(error_code ec, size_t count, bool keep_alive, bool linger) {
    writing_ = false;
    // A client that ended its side before the reply was written has most likely gone.
    TellAllSent(!ec && !peer_eof_);
    if (phase_ == Phase::kClosed) return;
    if (ec) return CloseQuietly("writing reply", ec);
    CancelDeadline(Side::kWrite);
    CancelTimedOutRead();
    NetLog().trace("{}: wrote {} replies", info_.peer, count);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(count));
    if (linger) return Linger();
    if (!keep_alive) return CloseNow();
    AfterReply();
  }

  // A reply is written and the connection stays: close when nothing more can come, else
  // send a 100 Continue that waited for the replies before it, write the next reply and
  // read the next request.
  void AfterReply() {
    if (pending_.empty() && reading_ != Reading::kRequest && (draining_ || !read_open_)) {
      return CloseNow();
    }
    if (continue_waiting_ && pending_.empty()) return SendContinue();
    if (reading_ == Reading::kRaw && pending_.empty()) ArmIdleDeadline();
    WriteNext();
    ReadNext();
  }

  // A request read whose deadline passed while a write was outstanding is cancelled once
  // the write completes (cancelling at once would abort the write too).
  void CancelTimedOutRead() {
    if (timed_out_ && reading_ == Reading::kRequest && !continue_waiting_) CancelIo(stream_);
  }

  // Streamed replies. The header and every chunk are appended to queued_; one write at a time
  // carries everything queued so far, and more is queued behind it meanwhile. streaming_
  // lasts until the stream is finished or stopped and everything queued has been written.
  // Defined in http_connection_streaming.h.
  void WriteStreamedResponse(api::Response response, bool keep_alive);
  void StartBody(const std::shared_ptr<api::BodyStream>& body);
  bool StreamOpen(uint64_t sequence) const;
  bool WriteChunk(uint64_t sequence, std::string_view data);
  void FinishStream(uint64_t sequence);
  void Flush();
  void OnStreamWritten(error_code ec);
  void DrainStream();
  void EndStream();
  void StopBody();

  // Half-closes and discards input until the peer closes too, or kLingerTime passes. A raw
  // read still outstanding becomes the first discarding read.
  void Linger() {
    phase_ = Phase::kLingering;
    ShutdownSend(stream_);
    ArmDeadline(Side::kRead,
                std::min<std::chrono::milliseconds>(limits_.read_timeout, kLingerTime));
    if (reading_ == Reading::kNone) Discard();
  }

  void Discard() {
    buffer_.consume(buffer_.size());
    reading_ = Reading::kRaw;
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        [self = this->shared_from_this()](error_code ec, size_t n) { self->OnRawRead(ec, n); });
  }

  // One deadline per side; a completion from an earlier arm is recognised by its generation.
  Deadline& DeadlineOf(Side side) { return side == Side::kRead ? read_deadline_ : write_deadline_; }

  void ArmDeadline(Side side, std::chrono::milliseconds timeout) {
    Deadline& deadline = DeadlineOf(side);
    const uint64_t generation = ++deadline.generation;
    deadline.timer.expires_after(timeout);
    deadline.timer.async_wait([self = this->shared_from_this(), side, generation](error_code ec) {
      if (ec || generation != self->DeadlineOf(side).generation) return;  // re-armed/cancelled
      if (side == Side::kRead) return self->OnReadDeadline();
      NetLog().debug("{}: reply not read, closing", self->info_.peer);
      self->CloseNow();
    });
  }

  void CancelDeadline(Side side) {
    Deadline& deadline = DeadlineOf(side);
    ++deadline.generation;
    deadline.timer.cancel();
  }

  // Waiting for a request with nothing due: a fresh connection gets read_timeout, a
  // kept-alive one idle_timeout; either way expiry closes silently (nothing was started).
  void ArmIdleDeadline() {
    ArmDeadline(Side::kRead, served_any_ ? limits_.idle_timeout : limits_.read_timeout);
  }

  void OnReadDeadline() {
    if (phase_ == Phase::kHandshake) {
      NetLog().info("{}: TLS handshake not complete within {} ms", info_.peer,
                    limits_.read_timeout.count());
      return CloseNow();
    }
    if (phase_ != Phase::kOpen) return CloseNow();  // lingering
    if (reading_ == Reading::kRequest) {
      // The pending read completes with operation_aborted and answers 408.
      timed_out_ = true;
      if (!writing_) CancelIo(stream_);
      return;
    }
    if (reading_ == Reading::kRaw && pending_.empty()) {
      NetLog().debug("{}: idle, closing", info_.peer);
      CloseNow();
    }
  }

  void CloseQuietly(const char* what, error_code ec) {
    if (ec != asio::error::operation_aborted && ec != asio::error::eof &&
        ec != http::error::end_of_stream) {
      NetLog().debug("{}: {}: {}", info_.peer, what, ec.message());
    }
    CloseNow();
  }

  // Tells `on_sent` (when set) whether its reply was sent; later, on the loop, so that no
  // handler hears of it from inside its own reply call.
  void TellSent(std::function<void(bool)> on_sent, bool sent) {
    if (!on_sent) return;
    asio::post(stream_.get_executor(), [on_sent = std::move(on_sent), sent] { on_sent(sent); });
  }

  // The replies of the write just finished (or never issued) were sent, or not.
  void TellAllSent(bool sent) {
    for (std::function<void(bool)>& on_sent : sent_callbacks_) TellSent(std::move(on_sent), sent);
    sent_callbacks_.clear();
  }

  void CloseNow() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    // Replies answered but not written never will be; an outstanding write tells its own.
    if (!writing_) TellAllSent(false);
    for (PendingReply& entry : pending_) {
      if (entry.response.has_value()) TellSent(std::move(entry.response->on_sent), false);
    }
    StopBody();
    CancelDeadline(Side::kRead);
    CancelDeadline(Side::kWrite);
    CloseStream(stream_);
    handler_ = nullptr;
    // Last: the manager may drop its reference (our caller holds another) and finish a
    // shutdown that was waiting for this connection.
    if (ConnectionManager* manager = std::exchange(manager_, nullptr)) manager->Remove(this);
  }

  Stream stream_;
  Deadline read_deadline_;
  Deadline write_deadline_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<PendingReply> pending_;
  std::string out_;  // the whole replies of the write outstanding, as wire bytes
  // The on_sent callbacks of the replies in out_.
  std::vector<std::function<void(bool)>> sent_callbacks_;
  // A streamed reply: its body (until finished or stopped), the bytes not yet handed to a
  // write, and those of the write outstanding.
  std::shared_ptr<api::BodyStream> body_;
  std::string queued_;
  std::string in_flight_;
  const ConnectionInfo info_;
  const ServerLimits limits_;
  const size_t max_pipelined_;
  api::Handler* handler_;
  ConnectionManager* manager_;
  ServerCounters* counters_;
  Phase phase_ = Phase::kHandshake;
  Reading reading_ = Reading::kNone;
  unsigned request_version_ = 11;  // of the request being read
  unsigned version_ = 11;          // of the request whose reply is being written
  uint64_t request_sequence_ = 0;
  uint64_t stream_sequence_ = 0;  // the request whose reply is streaming
  bool keep_alive_ = false;       // the streamed reply leaves the connection open
  bool read_open_ = true;         // more requests may be read
  bool peer_eof_ = false;         // the client closed its side; nothing more is read
  bool served_any_ = false;
  bool draining_ = false;
  bool timed_out_ = false;
  bool continue_waiting_ = false;  // a 100 Continue waits for the replies before it
  bool writing_ = false;           // a write (reply, streamed bytes, 100 Continue) is out
  bool streaming_ = false;         // the head reply is streamed and not yet all written
  bool chunked_ = false;           // the streamed reply has chunked framing
};

}  // namespace orch::net

// The read side and the streamed replies of HttpConnection.
#include "net/http_connection_reads.h"      // IWYU pragma: export
#include "net/http_connection_streaming.h"  // IWYU pragma: export
