// TlsStream: a TCP connection under TLS (OpenSSL through Asio), with the stream operations
// HttpConnection needs. Internal to net/ (includes Asio's SSL support); only net/*.cc files
// include it.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "common/status.h"
#include "net/http_server.h"

namespace orch::net {

namespace asio = boost::asio;

/// A server-side TLS stream over an accepted TCP socket. Models Asio's AsyncReadStream and
/// AsyncWriteStream, so Beast reads and writes HTTP through it.
class TlsStream {
 public:
  using Tcp = asio::ip::tcp;
  using executor_type = Tcp::socket::executor_type;

  /// REQUIRES: `context` outlives the handshake (the stream keeps OpenSSL's own reference).
  TlsStream(Tcp::socket socket, asio::ssl::context& context)
      : stream_(std::move(socket), context) {}

  executor_type get_executor() { return stream_.get_executor(); }

  template <typename MutableBuffers, typename Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return stream_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  template <typename ConstBuffers, typename Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return stream_.async_write_some(buffers, std::forward<Handler>(handler));
  }

  /// The TLS layer itself.
  asio::ssl::stream<Tcp::socket>& ssl() { return stream_; }
  /// The TCP socket under it.
  Tcp::socket& socket() { return stream_.next_layer(); }

 private:
  asio::ssl::stream<Tcp::socket> stream_;
};

// The stream operations HttpConnection calls (found by argument-dependent lookup). Cancel and
// close act on the TCP socket; a half-close sends TCP FIN without waiting for TLS close_notify.
void CancelIo(TlsStream& stream);
void ShutdownSend(TlsStream& stream);
void CloseStream(TlsStream& stream);

/// Runs the server side of the TLS handshake and then calls `handler(error_code)`.
template <typename Handler>
void StartStream(TlsStream& stream, Handler&& handler) {
  stream.ssl().async_handshake(asio::ssl::stream_base::server, std::forward<Handler>(handler));
}

/// The DER of the client certificate the handshake verified, or "" when none was presented.
std::string PeerCertificateDer(TlsStream& stream);

/// A TLS server context: TLS 1.2 or newer, the server certificate chain and key, and, when
/// `options.client_ca_pem` is set, client certificates requested and verified against it (a
/// client without one is still admitted; one whose certificate fails is refused).
/// InvalidArgument naming what did not load.
StatusOr<std::shared_ptr<asio::ssl::context>> MakeServerTlsContext(const TlsServerOptions& options);

}  // namespace orch::net
