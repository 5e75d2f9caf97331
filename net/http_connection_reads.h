// HttpConnection<Stream>'s read side: waiting for a request, reading its header and body
// within the limits, answering read errors, and handing requests to the handler while fewer
// than max_pipelined replies are due. Included at the end of http_connection.h, which
// declares these members; include that header, not this one.
#pragma once

#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>

#include "api/http.h"
#include "net/http_connection.h"
#include "net/http_message.h"
#include "net/net_log.h"

namespace orch::net {

// Starts the next read, if one may run. A request is read while fewer than max_pipelined
// replies are due and no streamed reply is being written; bytes of a request that may not be
// read yet stay in buffer_. With nothing buffered, a raw read waits for the next request or,
// during a streamed reply, notices the client leaving.
template <typename Stream>
void HttpConnection<Stream>::ReadNext() {
  if (phase_ != Phase::kOpen || reading_ != Reading::kNone || peer_eof_) return;
  const bool may_read = read_open_ && !draining_ && !streaming_ && pending_.size() < max_pipelined_;
  if (buffer_.size() > 0) {
    if (may_read) ReadHeader();
    return;
  }
  if (may_read || streaming_) return RawRead();
  // Nothing is read until a reply is written, which for a parked long poll can take minutes:
  // the empty buffer's memory goes back meanwhile.
  buffer_.shrink_to_fit();
}

// The wait holds no read buffer: a connection may wait for minutes (an idle keep-alive, an
// agent's parked long poll), so the empty buffer's memory goes back first, and a chunk is
// taken only once there are bytes to read.
template <typename Stream>
void HttpConnection<Stream>::RawRead() {
  reading_ = Reading::kRaw;
  if (pending_.empty()) ArmIdleDeadline();  // with replies due, the wait has no deadline
  buffer_.shrink_to_fit();
  AsyncWaitReadable(stream_, [self = this->shared_from_this()](error_code ec) {
    if (ec || self->phase_ == Phase::kClosed) return self->OnRawRead(ec, 0);
    self->stream_.async_read_some(
        self->buffer_.prepare(kReadChunk),
        [self](error_code read_ec, size_t n) { self->OnRawRead(read_ec, n); });
  });
}

template <typename Stream>
void HttpConnection<Stream>::OnRawRead(error_code ec, size_t n) {
  reading_ = Reading::kNone;
  if (phase_ == Phase::kClosed) return;
  if (phase_ == Phase::kLingering) return ec ? CloseNow() : Discard();
  buffer_.commit(n);
  if (ec) return OnPeerGone(streaming_ ? "client left a streamed reply" : "idle read", ec);
  ReadNext();
}

template <typename Stream>
void HttpConnection<Stream>::ReadHeader() {
  reading_ = Reading::kRequest;
  timed_out_ = false;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(limits_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  // Beast checks a declared Content-Length against this as soon as the header is complete.
  parser_->body_limit(limits_.max_body_bytes);
  ArmDeadline(Side::kRead, limits_.read_timeout);  // covers header and body together
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
}

template <typename Stream>
void HttpConnection<Stream>::OnHeader(error_code ec) {
  if (phase_ == Phase::kClosed) return;
  if (ec || timed_out_) return OnReadError(ec);
  request_version_ = parser_->get().version();
  if (parser_->is_done()) return Dispatch();
  if (!ExpectsContinue()) return ReadBody();
  if (pending_.empty()) return SendContinue();
  // The 100 Continue follows the replies before it; the client waits meanwhile, so the
  // read deadline starts again with the 100 Continue.
  continue_waiting_ = true;
  CancelDeadline(Side::kRead);
}

template <typename Stream>
bool HttpConnection<Stream>::ExpectsContinue() const {
  const auto& message = parser_->get();
  return message.version() >= 11 &&
         boost::beast::iequals(message[http::field::expect], "100-continue");
}

// The body would have been refused in OnHeader, so 100 Continue is only sent when it fits.
// REQUIRES: no reply is due (so no other write is outstanding).
template <typename Stream>
void HttpConnection<Stream>::SendContinue() {
  if (continue_waiting_) {
    continue_waiting_ = false;
    ArmDeadline(Side::kRead, limits_.read_timeout);
  }
  writing_ = true;
  asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = this->shared_from_this()](error_code ec, size_t) {
                      self->writing_ = false;
                      if (self->phase_ == Phase::kClosed) return;
                      if (ec) return self->CloseQuietly("writing 100 Continue", ec);
                      if (self->timed_out_) return self->OnReadError(asio::error::timed_out);
                      self->ReadBody();
                    });
}

template <typename Stream>
void HttpConnection<Stream>::ReadBody() {
  http::async_read(stream_, buffer_, *parser_,
                   [self = this->shared_from_this()](error_code ec, size_t) {
                     if (self->phase_ == Phase::kClosed) return;
                     if (ec || self->timed_out_) return self->OnReadError(ec);
                     self->Dispatch();
                   });
}

template <typename Stream>
void HttpConnection<Stream>::OnReadError(error_code ec) {
  reading_ = Reading::kNone;
  if (timed_out_) {
    NetLog().warn("{}: request not complete within {} ms", info_.peer,
                  limits_.read_timeout.count());
    return Fail(
        408, "request not received within " + std::to_string(limits_.read_timeout.count()) + " ms");
  }
  switch (ClassifyReadError(ec)) {
    case ReadFailure::kHeaderTooLarge:
      NetLog().warn("{}: request header over {} bytes", info_.peer, limits_.max_header_bytes);
      return Fail(431,
                  "request header exceeds " + std::to_string(limits_.max_header_bytes) + " bytes");
    case ReadFailure::kBodyTooLarge:
      NetLog().warn("{}: request body over {} bytes", info_.peer, limits_.max_body_bytes);
      return Fail(413, "request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
    case ReadFailure::kMalformed:
      NetLog().debug("{}: malformed request: {}", info_.peer, ec.message());
      return QueueError(
          api::ErrorResponse(400, "VALIDATION_ERROR", "malformed HTTP request: " + ec.message()));
    case ReadFailure::kPeerGone: return OnPeerGone("reading request", ec);
  }
}

// The client closed or reset the connection. A client that only closed its sending side
// (EOF) between requests still gets the replies due; anything else closes at once.
template <typename Stream>
void HttpConnection<Stream>::OnPeerGone(const char* what, error_code ec) {
  const bool eof = ec == asio::error::eof || ec == http::error::end_of_stream ||
                   ec == http::error::partial_message;
  if (!eof || pending_.empty() || streaming_) return CloseQuietly(what, ec);
  peer_eof_ = true;
  read_open_ = false;
}

template <typename Stream>
void HttpConnection<Stream>::Fail(int status, const std::string& message) {
  QueueError(api::ErrorResponse(status, "LIMIT_ERROR", message));
}

// Queues an error reply behind the replies already due; nothing more is read, and once it is
// written the connection lingers and closes.
template <typename Stream>
void HttpConnection<Stream>::QueueError(api::Response response) {
  ++counters_->refused_requests[response.status];
  CancelDeadline(Side::kRead);
  read_open_ = false;
  PendingReply entry;
  entry.sequence = ++request_sequence_;
  entry.version = request_version_;
  entry.linger = true;
  entry.answered = true;
  entry.response = std::move(response);
  pending_.push_back(std::move(entry));
  WriteNext();
}

// Hands the request to the handler. It may reply now or later; the reply function holds
// this connection alive until then and is dropped if the connection has closed meanwhile.
// Nothing after a request that closes the connection is read.
template <typename Stream>
void HttpConnection<Stream>::Dispatch() {
  CancelDeadline(Side::kRead);
  reading_ = Reading::kNone;
  BeastRequest message = parser_->release();
  parser_.reset();
  PendingReply entry;
  entry.sequence = ++request_sequence_;
  entry.version = message.version();
  entry.keep_alive = message.keep_alive();
  if (!entry.keep_alive) read_open_ = false;
  pending_.push_back(std::move(entry));
  const uint64_t sequence = request_sequence_;
  api::Request request = ToApiRequest(std::move(message));
  request.peer = info_.credentials;
  request.remote_ip = info_.remote_ip;
  // Encoded for each request from the certificate the TLS session holds anyway, rather than
  // kept beside it for as long as the connection lives (every parked agent holds one).
  request.client_certificate_der = PeerCertificateDer(stream_);
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
  ReadNext();
}

template <typename Stream>
api::ReplyFn HttpConnection<Stream>::MakeReply(uint64_t sequence) {
  return [self = this->shared_from_this(), sequence](api::Response response) {
    // dispatch runs inline on the loop thread and hops there from any other thread.
    asio::dispatch(self->stream_.get_executor(),
                   [self, sequence, response = std::move(response)]() mutable {
                     self->OnReply(sequence, std::move(response));
                   });
  };
}

}  // namespace orch::net
