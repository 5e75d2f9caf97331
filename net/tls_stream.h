// TlsStream: a TCP connection under TLS, with the stream operations HttpConnection needs.
// Internal to net/ (includes Asio and OpenSSL); only net/*.cc files include it.
//
// OpenSSL reads and writes the non-blocking socket itself, and the stream waits for the socket
// with Asio's reactor whenever OpenSSL wants to read or write. Unlike asio::ssl::stream, which
// keeps a BIO pair and two 17 KiB buffers of its own for every connection for as long as it
// lives, nothing is buffered here beyond OpenSSL's own record buffers, and those are released
// while the connection is idle (SSL_MODE_RELEASE_BUFFERS): a parked long poll holds no buffer.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

#include "common/status.h"
#include "net/http_server.h"

namespace orch::net {

namespace asio = boost::asio;

/// A server-side TLS stream over an accepted TCP socket. Models Asio's AsyncReadStream and
/// AsyncWriteStream, so Beast reads and writes HTTP through it. One operation of each kind
/// (read, write) may be outstanding at a time, as for a socket.
class TlsStream {
 public:
  using Tcp = asio::ip::tcp;
  using executor_type = Tcp::socket::executor_type;

  /// A stream in the server role of `context`. A stream whose SSL object could not be made
  /// fails every operation.
  TlsStream(Tcp::socket socket, asio::ssl::context& context);
  TlsStream(TlsStream&&) noexcept = default;
  TlsStream& operator=(TlsStream&&) noexcept = default;
  ~TlsStream() = default;

  executor_type get_executor() { return socket_.get_executor(); }

  /// Runs the server side of the handshake, then `handler(error_code)`.
  template <typename Handler>
  auto async_handshake(Handler&& handler) {
    return asio::async_compose<Handler, void(boost::system::error_code)>(
        Op<Kind::kHandshake, asio::mutable_buffer>{this, {}}, handler, socket_);
  }

  template <typename MutableBuffers, typename Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return asio::async_compose<Handler, void(boost::system::error_code, std::size_t)>(
        Op<Kind::kRead, MutableBuffers>{this, buffers}, handler, socket_);
  }

  template <typename ConstBuffers, typename Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return asio::async_compose<Handler, void(boost::system::error_code, std::size_t)>(
        Op<Kind::kWrite, ConstBuffers>{this, buffers}, handler, socket_);
  }

  /// Calls `handler(error_code)` once a read would find something: OpenSSL holds bytes it
  /// has not handed out, or the socket has bytes, its end, or an error. Posted when OpenSSL
  /// holds bytes already.
  template <typename Handler>
  void async_wait_readable(Handler&& handler) {
    if (ssl_ != nullptr && SSL_has_pending(ssl_.get()) == 1) {
      return asio::post(socket_.get_executor(),
                        [handler = std::forward<Handler>(handler)]() mutable {
                          handler(boost::system::error_code());
                        });
    }
    socket_.async_wait(Tcp::socket::wait_read, std::forward<Handler>(handler));
  }

  /// The OpenSSL connection (null when it could not be made).
  SSL* native_handle() { return ssl_.get(); }
  /// The TCP socket under it.
  Tcp::socket& socket() { return socket_; }

 private:
  enum class Kind { kHandshake, kRead, kWrite };
  /// What one OpenSSL call came to.
  struct Step {
    enum class Next { kDone, kWaitRead, kWaitWrite } next = Next::kDone;
    boost::system::error_code ec;
    std::size_t bytes = 0;
  };

  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };

  // What an OpenSSL call that returned `result` asks for; `saved_errno` is errno right after.
  static Step StepAfter(SSL* ssl, int result, std::size_t bytes, int saved_errno);
  // One call of SSL_do_handshake, SSL_read_ex or SSL_write_ex, and what it asks for.
  Step Handshake();
  Step Read(void* data, std::size_t size);
  // Writes the first bytes of `buffers`, gathered into one record when they are small.
  Step Write(const asio::const_buffer* buffers, std::size_t count);

  // An operation: calls OpenSSL, waits for the socket while OpenSSL wants it, then completes.
  // A result ready on the first call is posted, so the handler never runs inside the
  // initiating function.
  template <Kind kind, typename Buffers>
  struct Op {
    TlsStream* stream;
    Buffers buffers;
    bool waited = false;

    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      if (ec) return Complete(self, ec, 0);
      const Step step = Attempt();
      switch (step.next) {
        case Step::Next::kWaitRead:
          waited = true;
          return stream->socket_.async_wait(Tcp::socket::wait_read, std::move(self));
        case Step::Next::kWaitWrite:
          waited = true;
          return stream->socket_.async_wait(Tcp::socket::wait_write, std::move(self));
        case Step::Next::kDone: break;
      }
      if (waited) return Complete(self, step.ec, step.bytes);
      // Posted: the handler runs on the loop, never inside the initiating call.
      auto executor = stream->socket_.get_executor();
      asio::post(executor, [self = std::move(self), step]() mutable {
        Complete(self, step.ec, step.bytes);
      });
    }

    Step Attempt() {
      if constexpr (kind == Kind::kHandshake) {
        return stream->Handshake();
      } else if constexpr (kind == Kind::kRead) {
        for (auto it = asio::buffer_sequence_begin(buffers);
             it != asio::buffer_sequence_end(buffers); ++it) {
          const asio::mutable_buffer buffer(*it);
          if (buffer.size() > 0) return stream->Read(buffer.data(), buffer.size());
        }
        return Step{};  // nothing asked: nothing read
      } else {
        asio::const_buffer gathered[kMaxGather];
        std::size_t count = 0;
        for (auto it = asio::buffer_sequence_begin(buffers);
             it != asio::buffer_sequence_end(buffers) && count < kMaxGather; ++it) {
          const asio::const_buffer buffer(*it);
          if (buffer.size() > 0) gathered[count++] = buffer;
        }
        if (count == 0) return Step{};
        return stream->Write(gathered, count);
      }
    }

    template <typename Self>
    static void Complete(Self& self, boost::system::error_code ec, std::size_t bytes) {
      if constexpr (kind == Kind::kHandshake) {
        self.complete(ec);
      } else {
        self.complete(ec, bytes);
      }
    }

  };

  static constexpr std::size_t kMaxGather = 16;

  Tcp::socket socket_;
  std::unique_ptr<SSL, SslFree> ssl_;
};

// The stream operations HttpConnection calls (found by argument-dependent lookup). Cancel and
// close act on the TCP socket; a half-close sends TCP FIN without waiting for TLS close_notify.
void CancelIo(TlsStream& stream);
template <typename Handler>
void AsyncWaitReadable(TlsStream& stream, Handler&& handler) {
  stream.async_wait_readable(std::forward<Handler>(handler));
}
void ShutdownSend(TlsStream& stream);
void CloseStream(TlsStream& stream);

/// Runs the server side of the TLS handshake and then calls `handler(error_code)`.
template <typename Handler>
void StartStream(TlsStream& stream, Handler&& handler) {
  stream.async_handshake(std::forward<Handler>(handler));
}

/// The DER of the client certificate the handshake verified, or "" when none was presented.
std::string PeerCertificateDer(TlsStream& stream);

/// A TLS server context: TLS 1.2 or newer, the server certificate chain and key, and, when
/// `options.client_ca_pem` is set, client certificates requested and verified against it (a
/// client without one is still admitted; one whose certificate fails is refused).
/// InvalidArgument naming what did not load.
StatusOr<std::shared_ptr<asio::ssl::context>> MakeServerTlsContext(const TlsServerOptions& options);

}  // namespace orch::net
