// Plain HTTP request and reply types: what net/ hands to api/ and gets back. No Asio here.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orch::api {

/// Who is on the other end of a Unix-socket connection, from the kernel (SO_PEERCRED).
struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// One parsed HTTP/1.1 request with its whole body.
struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string path;    // the target before '?', percent-encoding kept
  std::string query;   // the target after '?', without it; empty when none
  /// Header fields in arrival order; names lowercased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Set for Unix-socket peers; empty for TCP.
  std::optional<PeerCredentials> peer;
  /// The TCP peer's IP address ("127.0.0.1", "::1"); empty for Unix-socket peers.
  std::string remote_ip;
  /// The client certificate (DER) that the TLS handshake verified against the internal CA;
  /// empty when the client presented none or the connection is not TLS.
  std::string client_certificate_der;

  /// The first header named `lower_name`, or nullptr.
  const std::string* Header(std::string_view lower_name) const;
};

/// Where a streamed reply's chunks go. Used on the loop thread only.
class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  /// Queues `data` as one chunk; false once the client is gone or the server drains (then the
  /// stream should stop writing). Empty data is ignored.
  virtual bool Write(std::string data) = 0;
  /// Ends the reply (the zero-length chunk); the connection may then serve its next request.
  virtual void Finish() = 0;
  /// True once the client has gone away or the server is draining (and after Finish()).
  virtual bool Closed() const = 0;
};

/// A reply body produced over time.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  /// Called once, after the headers have been queued; keep `sink` to write later.
  virtual void Start(std::shared_ptr<ChunkSink> sink) = 0;
  /// Called once if the client disconnects or the server drains before Finish(); stop writing.
  /// Runs from the loop, never from inside Start(), Write() or Finish().
  virtual void Stop() = 0;
};

/// One HTTP reply. `Content-Length` and `Connection` are set by net/.
struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// When set, the body is streamed (chunked, no Content-Length) and `body` is ignored. The
  /// stream is not started when the server is already draining as the reply is written.
  std::shared_ptr<BodyStream> stream;
  /// When set (whole replies only; ignored with `stream`), told once, on the loop and never
  /// from inside the ReplyFn call, whether the reply was sent: true once all its bytes were
  /// written to a client that still had its side open; false when the connection closed or
  /// failed first (the client reset it or did not read in time, the server shut down), or the
  /// client had already ended its side (TCP FIN, TLS close_notify): such a client has most
  /// likely gone, though one that only half-closed may still read the reply. Written bytes may
  /// still be lost with the connection afterwards.
  std::function<void(bool sent)> on_sent;
};

/// Hands the reply back to the connection. Call exactly once, on the connection's thread.
using ReplyFn = std::function<void(Response)>;

/// Turns requests into replies. Implementations never see sockets.
class Handler {
 public:
  virtual ~Handler() = default;
  /// Handles `request` and calls `reply` once, now or later (long polls).
  virtual void Handle(Request request, ReplyFn reply) = 0;
};

/// An ErrorBody reply (SPEC §13): {"errorCode", "errorDetails", "errorMessage"}.
/// `field`, when given, goes into errorDetails as {"field": field}.
Response ErrorResponse(int http_status, std::string_view error_code, std::string_view message,
                       std::string_view field = {});

}  // namespace orch::api
