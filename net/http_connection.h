// HttpConnection<Stream>: one HTTP/1.1 connection, the only code that touches a client socket.
// A template over the stream so a TLS stream reuses the HTTP logic: it only needs overloads of
// the stream operations below (and a handshake before Start()). Internal to net/ (includes
// Beast); instantiated in http_server.cc. Streamed replies are in http_connection_streaming.h.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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
#include <boost/beast/http/write.hpp>

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
template <typename Stream>
class HttpConnection final : public ManagedConnection,
                             public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  /// REQUIRES: `handler` and `manager` stay valid until this connection closes.
  HttpConnection(Stream stream, ConnectionInfo info, const ServerLimits& limits,
                 api::Handler& handler, ConnectionManager& manager)
      : stream_(std::move(stream)),
        deadline_(stream_.get_executor()),
        info_(std::move(info)),
        limits_(limits),
        handler_(&handler),
        manager_(&manager) {}

  /// Starts serving requests (after the TLS handshake, on a TLS stream).
  void Start() {
    BeginStream([self = this->shared_from_this()] { self->WaitForRequest(); });
  }

  /// Answers `response` without reading anything, then closes (used at the connection cap).
  void Reject(api::Response response) {
    BeginStream([self = this->shared_from_this(), response = std::move(response)]() mutable {
      self->WriteResponse(std::move(response), false, true);
    });
  }

  void Drain() override {
    draining_ = true;
    if (phase_ == Phase::kIdle || phase_ == Phase::kHandshake) return CloseNow();
    if (phase_ == Phase::kStreaming) return DrainStream();
    // Otherwise the request in flight finishes and its reply says Connection: close.
  }

  void ForceClose() override { CloseNow(); }

 private:
  enum class Phase {
    kHandshake,
    kIdle,
    kReading,
    kHandling,
    kWriting,
    kStreaming,
    kLingering,
    kClosed
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
    ArmDeadline(limits_.read_timeout);
    StartStream(stream_,
                [self = this->shared_from_this(), next = std::move(next)](error_code ec) mutable {
                  if (self->phase_ == Phase::kClosed) return;
                  if (ec) {
                    NetLog().info("{}: TLS handshake failed: {}", self->info_.peer, ec.message());
                    return self->CloseNow();
                  }
                  self->client_certificate_der_ = PeerCertificateDer(self->stream_);
                  next();
                });
  }

  // Waits for the first byte of the next request. A fresh connection gets read_timeout, a
  // kept-alive one idle_timeout; either way expiry closes silently (nothing was started).
  void WaitForRequest() {
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    phase_ = Phase::kIdle;
    ArmDeadline(served_any_ ? limits_.idle_timeout : limits_.read_timeout);
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        [self = this->shared_from_this()](error_code ec, size_t n) { self->OnIdleRead(ec, n); });
  }

  void OnIdleRead(error_code ec, size_t n) {
    if (phase_ == Phase::kClosed) return;
    buffer_.commit(n);
    if (ec) return CloseQuietly("idle read", ec);
    ReadHeader();
  }

  void ReadHeader() {
    phase_ = Phase::kReading;
    timed_out_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(limits_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    // Beast checks a declared Content-Length against this as soon as the header is complete.
    parser_->body_limit(limits_.max_body_bytes);
    ArmDeadline(limits_.read_timeout);  // covers header and body together
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec || timed_out_) return OnReadError(ec);
    version_ = parser_->get().version();
    if (parser_->is_done()) return Dispatch();
    if (ExpectsContinue()) return SendContinue();
    ReadBody();
  }

  bool ExpectsContinue() const {
    const auto& message = parser_->get();
    return message.version() >= 11 &&
           boost::beast::iequals(message[http::field::expect], "100-continue");
  }

  // The body would have been refused in OnHeader, so 100 Continue is only sent when it fits.
  void SendContinue() {
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = this->shared_from_this()](error_code ec, size_t) {
                        if (self->phase_ == Phase::kClosed) return;
                        if (ec) return self->CloseQuietly("writing 100 Continue", ec);
                        self->ReadBody();
                      });
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, size_t) {
                       if (self->phase_ == Phase::kClosed) return;
                       if (ec || self->timed_out_) return self->OnReadError(ec);
                       self->Dispatch();
                     });
  }

  void OnReadError(error_code ec) {
    if (timed_out_) {
      NetLog().warn("{}: request not complete within {} ms", info_.peer,
                    limits_.read_timeout.count());
      return Fail(408, "request not received within " +
                           std::to_string(limits_.read_timeout.count()) + " ms");
    }
    switch (ClassifyReadError(ec)) {
      case ReadFailure::kHeaderTooLarge:
        NetLog().warn("{}: request header over {} bytes", info_.peer, limits_.max_header_bytes);
        return Fail(
            431, "request header exceeds " + std::to_string(limits_.max_header_bytes) + " bytes");
      case ReadFailure::kBodyTooLarge:
        NetLog().warn("{}: request body over {} bytes", info_.peer, limits_.max_body_bytes);
        return Fail(413,
                    "request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
      case ReadFailure::kMalformed:
        NetLog().debug("{}: malformed request: {}", info_.peer, ec.message());
        return WriteResponse(
            api::ErrorResponse(400, "VALIDATION_ERROR", "malformed HTTP request: " + ec.message()),
            false, true);
      case ReadFailure::kPeerGone: return CloseQuietly("reading request", ec);
    }
  }

  void Fail(int status, const std::string& message) {
    WriteResponse(api::ErrorResponse(status, "LIMIT_ERROR", message), false, true);
  }

  // Hands the request to the handler. It may reply now or later; the reply function holds
  // this connection alive until then and is dropped if the connection has closed meanwhile.
  void Dispatch() {
    CancelDeadline();
    phase_ = Phase::kHandling;
    BeastRequest message = parser_->release();
    keep_alive_ = message.keep_alive();
    api::Request request = ToApiRequest(std::move(message));
    request.peer = info_.credentials;
    request.remote_ip = info_.remote_ip;
    request.client_certificate_der = client_certificate_der_;
    const uint64_t sequence = ++request_sequence_;
    NetLog().trace("{}: {} {}", info_.peer, request.method, request.path);
    try {
      handler_->Handle(std::move(request), MakeReply(sequence));
    } catch (const std::exception& e) {
      NetLog().error("{}: handler threw: {}", info_.peer, e.what());
      OnReply(sequence, api::ErrorResponse(500, "INTERNAL_SERVER_ERROR", "internal error"));
    } catch (...) {
      NetLog().error("{}: handler threw a non-standard exception", info_.peer);
      OnReply(sequence, api::ErrorResponse(500, "INTERNAL_SERVER_ERROR", "internal error"));
    }
  }

  api::ReplyFn MakeReply(uint64_t sequence) {
    return [self = this->shared_from_this(), sequence](api::Response response) {
      // dispatch runs inline on the loop thread and hops there from any other thread.
      asio::dispatch(self->stream_.get_executor(),
                     [self, sequence, response = std::move(response)]() mutable {
                       self->OnReply(sequence, std::move(response));
                     });
    };
  }

  // Only the first reply to the request being handled is written; late or repeated replies
  // (including a 500 for a handler that threw after replying) are dropped.
  void OnReply(uint64_t sequence, api::Response response) {
    if (phase_ != Phase::kHandling || sequence != request_sequence_) {
      NetLog().debug("{}: dropping a reply for a finished or closed request", info_.peer);
      return;
    }
    served_any_ = true;
    if (response.stream != nullptr) {
      return WriteStreamedResponse(std::move(response), keep_alive_ && !draining_);
    }
    WriteResponse(std::move(response), keep_alive_ && !draining_, false);
  }

  // Writes `response`; afterwards keeps reading (keep_alive), closes, or lingers first (after
  // an error that left request bytes unread). Streamed replies go through
  // WriteStreamedResponse instead.
  void WriteResponse(api::Response response, bool keep_alive, bool linger) {
    phase_ = Phase::kWriting;
    const int status = response.status;
    try {
      response_ = ToBeastResponse(std::move(response), version_, keep_alive);
    } catch (const std::exception& e) {
      NetLog().error("{}: cannot build reply: {}", info_.peer, e.what());
      return CloseNow();
    }
    ArmDeadline(limits_.read_timeout);  // a client that will not read its reply is dropped
    http::async_write(
        stream_, *response_,
        [self = this->shared_from_this(), keep_alive, linger, status](error_code ec, size_t) {
          self->OnWritten(ec, status, keep_alive, linger);
        });
  }

  void OnWritten(error_code ec, int status, bool keep_alive, bool linger) {
    if (phase_ == Phase::kClosed) return;
    response_.reset();
    if (ec) return CloseQuietly("writing reply", ec);
    NetLog().trace("{}: replied {}", info_.peer, status);
    if (linger) return Linger();
    if (!keep_alive || draining_) return CloseNow();
    WaitForRequest();
  }

  // Streamed replies. The header and every chunk are appended to queued_; one write at a time
  // carries everything queued so far, and more is queued behind it meanwhile. Phase kStreaming
  // lasts until the stream is finished or stopped and everything queued has been written.
  // Defined in http_connection_streaming.h.
  void WriteStreamedResponse(api::Response response, bool keep_alive);
  void StartBody(const std::shared_ptr<api::BodyStream>& body);
  void WatchPeer();
  bool StreamOpen(uint64_t sequence) const;
  bool WriteChunk(uint64_t sequence, std::string_view data);
  void FinishStream(uint64_t sequence);
  void Flush();
  void OnStreamWritten(error_code ec);
  void DrainStream();
  void EndStream();
  void StopBody();

  // Half-closes and discards input until the peer closes too, or kLingerTime passes.
  void Linger() {
    phase_ = Phase::kLingering;
    ShutdownSend(stream_);
    ArmDeadline(std::min<std::chrono::milliseconds>(limits_.read_timeout, kLingerTime));
    Discard();
  }

  void Discard() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](error_code ec, size_t) {
                              if (self->phase_ == Phase::kClosed) return;
                              if (ec) return self->CloseNow();
                              self->Discard();
                            });
  }

  // One deadline per phase; a completion from an earlier arm is recognised by its generation.
  void ArmDeadline(std::chrono::milliseconds timeout) {
    const uint64_t generation = ++deadline_generation_;
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = this->shared_from_this(), generation](error_code ec) {
      if (ec || generation != self->deadline_generation_) return;  // re-armed or cancelled
      self->OnDeadline();
    });
  }

  void CancelDeadline() {
    ++deadline_generation_;
    deadline_.cancel();
  }

  void OnDeadline() {
    switch (phase_) {
      case Phase::kReading:
        // The pending read completes with operation_aborted and answers 408.
        timed_out_ = true;
        return CancelIo(stream_);
      case Phase::kIdle: NetLog().debug("{}: idle, closing", info_.peer); return CloseNow();
      case Phase::kHandshake:
        NetLog().info("{}: TLS handshake not complete within {} ms", info_.peer,
                      limits_.read_timeout.count());
        break;
      case Phase::kWriting: NetLog().debug("{}: reply not read, closing", info_.peer); break;
      case Phase::kStreaming:
        NetLog().debug("{}: streamed reply not read, closing", info_.peer);
        break;
      case Phase::kHandling:
      case Phase::kLingering:
      case Phase::kClosed: break;
    }
    CloseNow();
  }

  void CloseQuietly(const char* what, error_code ec) {
    if (ec != asio::error::operation_aborted && ec != asio::error::eof &&
        ec != http::error::end_of_stream) {
      NetLog().debug("{}: {}: {}", info_.peer, what, ec.message());
    }
    CloseNow();
  }

  void CloseNow() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    StopBody();
    CancelDeadline();
    CloseStream(stream_);
    handler_ = nullptr;
    // Last: the manager may drop its reference (our caller holds another) and finish a
    // shutdown that was waiting for this connection.
    if (ConnectionManager* manager = std::exchange(manager_, nullptr)) manager->Remove(this);
  }

  Stream stream_;
  asio::steady_timer deadline_;
  uint64_t deadline_generation_ = 0;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<BeastResponse> response_;
  // A streamed reply: its body (until finished or stopped), the bytes not yet handed to a
  // write, and those of the write outstanding.
  std::shared_ptr<api::BodyStream> body_;
  std::string queued_;
  std::string in_flight_;
  const ConnectionInfo info_;
  std::string client_certificate_der_;
  const ServerLimits limits_;
  api::Handler* handler_;
  ConnectionManager* manager_;
  Phase phase_ = Phase::kIdle;
  unsigned version_ = 11;
  uint64_t request_sequence_ = 0;
  bool keep_alive_ = false;
  bool served_any_ = false;
  bool draining_ = false;
  bool timed_out_ = false;
  bool chunked_ = false;   // the streamed reply has chunked framing
  bool writing_ = false;   // a streamed-reply write is outstanding
  bool watching_ = false;  // WatchPeer's read is pending
};

}  // namespace orch::net

// The streamed replies' half of HttpConnection.
#include "net/http_connection_streaming.h"  // IWYU pragma: export
