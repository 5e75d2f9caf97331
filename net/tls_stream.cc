#include "net/tls_stream.h"

#include <boost/asio/buffer.hpp>
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

}  // namespace

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
  X509* cert = SSL_get0_peer_certificate(stream.ssl().native_handle());
  if (cert == nullptr) return "";
  // A certificate that failed verification never completes the handshake, so one that is
  // here verified; the check is kept in case the verify mode ever changes.
  if (SSL_get_verify_result(stream.ssl().native_handle()) != X509_V_OK) return "";
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
  // An idle session (a parked long poll) then holds no 34 KiB of read and write buffers.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
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
