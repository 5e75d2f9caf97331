// HttpServer: HTTP/1.1 over Unix and TCP sockets, with limits, timeouts, a connection cap and a
// draining shutdown. Turns bytes into api::Request values and api::Response values into bytes;
// what a request means is the api::Handler's business.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "api/http.h"
#include "common/status.h"
#include "net/event_loop.h"

namespace orch::net {

/// Per-connection limits (SPEC §8). Over a limit → the matching ErrorBody, then close.
struct ServerLimits {
  /// Request line plus header fields; more → 431.
  size_t max_header_bytes = 16 * 1024;
  /// Request body (declared or chunked); more → 413.
  uint64_t max_body_bytes = 8 << 20;
  /// A started request (header and body) must arrive within this, else 408 and close. Also
  /// bounds a new connection's wait for its first byte and the client's taking of a reply.
  std::chrono::milliseconds read_timeout{30000};
  /// A keep-alive connection with no request for this long is closed silently.
  std::chrono::milliseconds idle_timeout{60000};
  /// Connections beyond this get 503 RESOURCE_EXHAUSTED and are closed.
  size_t max_connections = 256;
  /// Shutdown force-closes connections still busy after this.
  std::chrono::milliseconds drain_timeout{10000};
  /// A streamed reply's bytes waiting for a slow client; more → the stream is stopped and the
  /// connection closed. A single chunk larger than this closes it too.
  size_t max_stream_queue_bytes = 1 << 20;
  /// Requests of one connection handed to the handler whose replies are not yet written
  /// (HTTP/1.1 pipelining); replies are written in request order. 1: the next request is read
  /// only after the reply to the one before it is written. 0 counts as 1.
  size_t max_pipelined = 16;
};

/// What a server's connections went through since it was created, for GET /metrics.
struct ServerCounters {
  /// Connections served (not turned away at the cap).
  uint64_t connections_accepted = 0;
  /// Connections closed without a word because even the 503s at the cap were saturated.
  uint64_t connections_dropped = 0;
  /// Error replies the server gave itself, without the handler, by status: 400 (malformed
  /// HTTP), 408, 413, 431, and 503 at the connection cap.
  std::map<int, uint64_t> refused_requests;
};

/// TLS for a TCP listener, as PEM text.
struct TlsServerOptions {
  std::string cert_chain_pem;  // the server certificate, then its issuers
  std::string key_pem;         // its unencrypted private key
  /// CA certificate(s) client certificates must chain to; empty: none are requested. A client
  /// without a certificate is admitted; its requests carry no client_certificate_der.
  std::string client_ca_pem;
};

/// An HTTP/1.1 server feeding one api::Handler. All methods run on the loop's thread (or
/// before the loop runs). The handler may keep a ReplyFn and call it later; a ReplyFn must not
/// outlive the loop. A reply is a whole body with Content-Length, or, when it has a
/// BodyStream, streamed: chunked (HTTP/1.0: ended by closing), with no timeout while the
/// client waits for the next chunk, stopped when the client leaves, the server drains or
/// max_stream_queue_bytes is exceeded. A connection's pipelined requests (up to max_pipelined)
/// are handed to the handler without waiting for the replies before them; the replies go out
/// in request order, those due together in one write. A whole reply's on_sent is told, later
/// on the loop, whether it was sent (see api::Response).
class HttpServer {
 public:
  /// REQUIRES: `loop` and `handler` outlive the server.
  HttpServer(EventLoop& loop, api::Handler& handler, ServerLimits limits);
  /// Closes listeners and connections at once and removes owned socket files. Prefer Shutdown.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds a Unix stream socket at `path` with `mode` (and `group`, when given). A stale socket
  /// file is replaced; a live one ("another process is serving <path>") or a non-socket file
  /// is refused and left in place.
  Status ListenUnix(const std::string& path, unsigned mode, std::optional<gid_t> group);
  /// Serves an inherited, already listening Unix socket (socket activation). On success takes
  /// ownership of `fd` (on failure leaves it open); its socket file is never removed.
  Status AdoptUnixFd(int fd);
  /// Binds plain TCP on `host` (an IPv4 or IPv6 literal) and `port` (0 picks a free one);
  /// returns the bound port.
  StatusOr<uint16_t> ListenTcp(const std::string& host, uint16_t port);
  /// As ListenTcp, with TLS (1.2 or newer) on every connection: the handshake must finish
  /// within read_timeout; a failed one closes the connection. InvalidArgument when the
  /// certificate, key or client CA in `tls` do not load.
  StatusOr<uint16_t> ListenTls(const std::string& host, uint16_t port, const TlsServerOptions& tls);

  /// Replaces the limits; applies to connections accepted from now on.
  void SetLimits(ServerLimits limits);
  /// Stops accepting, closes idle connections, lets in-flight requests finish (up to
  /// drain_timeout, then force-closes), removes owned socket files and then calls `done` once,
  /// on the loop. Streamed replies are stopped; what they queued is written before the close.
  void Shutdown(std::function<void()> done);
  /// The number of open connections (not counting ones being turned away at the cap).
  size_t connection_count() const;
  /// What the connections went through so far.
  const ServerCounters& counters() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

/// Ok when HttpServer::ListenUnix(path, ...) would not be refused for what is at `path`:
/// nothing, or a socket file no process serves (a live one: "another process is serving
/// <path>"). Creates, removes and changes nothing, so a start can refuse before it creates
/// anything; ListenUnix checks again when it binds.
Status CheckUnixListenPath(const std::string& path);

/// Ok when HttpServer::ListenTcp(host, port) could bind now: nothing else listens there.
/// Binds a socket for a moment and closes it; port 0 always passes.
Status CheckTcpListenAddress(const std::string& host, uint16_t port);

}  // namespace orch::net
