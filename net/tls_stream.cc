#include "net/tls_stream.h"

#include <errno.h>

#include <algorithm>
#include <cstring>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace orch::net {
namespace {

using boost::system::error_code;

// Identifies this server's sessions, which OpenSSL requires before it resumes sessions of
// clients that authenticated with a certificate.
constexpr unsigned char kSessionIdContext[] = "orchd-agents";

Status LoadError(std::string_view what, const error_code& ec) {
  return InvalidArgumentError("TLS " + std::string(what) + ": " + ec.message());
}

// Adds every certificate of `pem` to the verification store and to the CA names the server
// sends in its certificate request (clients pick their certificate by them).
Status AddClientCa(asio::ssl::context& context, const std::string& pem) {
  error_code ec;
  context.add_certificate_authority(asio::buffer(pem), ec);
  if (ec) return LoadError("client CA", ec);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return InternalError("TLS client CA: out of memory");
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add_client_CA(context.native_handle(), cert) == 1) ++added;
    X509_free(cert);
  }
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on "no start line", which is not an error here
  if (added == 0) return InvalidArgumentError("TLS client CA: no certificate in the PEM text");
  return Status::Ok();
}

// Where small buffers are gathered into one TLS record: a whole record's plaintext.
constexpr std::size_t kGatherBytes = 16384;

}  // namespace

TlsStream::TlsStream(Tcp::socket socket, asio::ssl::context& context)
    : socket_(std::move(socket)), ssl_(SSL_new(context.native_handle())) {
  error_code ec;
  socket_.non_blocking(true, ec);
  if (ec || ssl_ == nullptr || SSL_set_fd(ssl_.get(), socket_.native_handle()) != 1) {
    ERR_clear_error();
    ssl_.reset();
    return;
  }
  SSL_set_accept_state(ssl_.get());
}

TlsStream::Step TlsStream::StepAfter(SSL* ssl, int result, std::size_t bytes, int saved_errno) {
  using Next = Step::Next;
  if (result == 1) return {Next::kDone, {}, bytes};
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_READ: return {Next::kWaitRead, {}, 0};
    case SSL_ERROR_WANT_WRITE: return {Next::kWaitWrite, {}, 0};
    // A close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) the peer closing TCP without one.
    case SSL_ERROR_ZERO_RETURN: return {Next::kDone, asio::error::eof, 0};
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      if (saved_errno == 0) return {Next::kDone, asio::error::eof, 0};
      return {Next::kDone, error_code(saved_errno, boost::system::system_category()), 0};
    default: {
      const unsigned long code = ERR_get_error();
      ERR_clear_error();
      return {Next::kDone, error_code(static_cast<int>(code), asio::error::get_ssl_category()), 0};
    }
  }
}

TlsStream::Step TlsStream::Handshake() {
  if (ssl_ == nullptr) return {Step::Next::kDone, asio::error::no_memory, 0};
  ERR_clear_error();
  errno = 0;
  const int result = SSL_do_handshake(ssl_.get());
  return StepAfter(ssl_.get(), result, 0, errno);
}

TlsStream::Step TlsStream::Read(void* data, std::size_t size) {
  if (ssl_ == nullptr) return {Step::Next::kDone, asio::error::no_memory, 0};
  ERR_clear_error();
  errno = 0;
  std::size_t read = 0;
  const int result = SSL_read_ex(ssl_.get(), data, size, &read);
  return StepAfter(ssl_.get(), result, read, errno);
}

TlsStream::Step TlsStream::Write(const asio::const_buffer* buffers, std::size_t count) {
  if (ssl_ == nullptr) return {Step::Next::kDone, asio::error::no_memory, 0};
  const void* data = buffers[0].data();
  std::size_t size = buffers[0].size();
  // An HTTP reply comes as a header and a body: gathered, they go out as one record in one
  // send. A retry after WANT_WRITE gathers the same bytes again (the buffer may move:
  // SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
  thread_local char gathered[kGatherBytes];
  if (count > 1 && size < kGatherBytes) {
    size = 0;
    for (std::size_t i = 0; i < count && size < kGatherBytes; ++i) {
      const std::size_t take = std::min(buffers[i].size(), kGatherBytes - size);
      std::memcpy(gathered + size, buffers[i].data(), take);
      size += take;
    }
    data = gathered;
  }
  ERR_clear_error();
  errno = 0;
  std::size_t written = 0;
  const int result = SSL_write_ex(ssl_.get(), data, size, &written);
  return StepAfter(ssl_.get(), result, written, errno);
}

void CancelIo(TlsStream& stream) {
  error_code ignored;
  stream.socket().cancel(ignored);
}

void ShutdownSend(TlsStream& stream) {
  error_code ignored;
  stream.socket().shutdown(asio::socket_base::shutdown_send, ignored);
}

void CloseStream(TlsStream& stream) {
  error_code ignored;
  stream.socket().shutdown(asio::socket_base::shutdown_both, ignored);
  stream.socket().close(ignored);
}

std::string PeerCertificateDer(TlsStream& stream) {
  SSL* ssl = stream.native_handle();
  if (ssl == nullptr) return "";
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return "";
  // A certificate that failed verification never completes the handshake, so one that is
  // here verified; the check is kept in case the verify mode ever changes.
  if (SSL_get_verify_result(ssl) != X509_V_OK) return "";
  unsigned char* buffer = nullptr;
  const int length = i2d_X509(cert, &buffer);
  if (length <= 0) return "";
  std::string der(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
  OPENSSL_free(buffer);
  return der;
}

StatusOr<std::shared_ptr<asio::ssl::context>> MakeServerTlsContext(
    const TlsServerOptions& options) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return InternalError("TLS: cannot require TLS 1.2");
  }
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::single_dh_use |
                       asio::ssl::context::no_compression);
  // An idle connection (a parked long poll) then holds no read or write buffer; writes may
  // be partial (a record at a time) and retried from a gathered copy.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // A peer closing TCP without close_notify ends the stream like a close_notify: HTTP frames
  // its own messages, so a cut inside one is still noticed.
  SSL_CTX_set_options(native, SSL_OP_IGNORE_UNEXPECTED_EOF);
  // A record's header and body come in one read (the buffer is released when drained).
  SSL_CTX_set_read_ahead(native, 1);
  error_code ec;
  context->use_certificate_chain(asio::buffer(options.cert_chain_pem), ec);
  if (ec) return LoadError("server certificate", ec);
  context->use_private_key(asio::buffer(options.key_pem), asio::ssl::context::pem, ec);
  if (ec) return LoadError("server key", ec);
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return InvalidArgumentError("TLS: the server key does not match its certificate");
  }
  SSL_CTX_set_session_id_context(native, kSessionIdContext, sizeof kSessionIdContext - 1);
  if (options.client_ca_pem.empty()) return context;
  ORCH_RETURN_IF_ERROR(AddClientCa(*context, options.client_ca_pem));
  context->set_verify_mode(asio::ssl::verify_peer, ec);
  if (ec) return LoadError("client verification", ec);
  context->set_verify_depth(4, ec);
  return context;
}

}  // namespace orch::net
