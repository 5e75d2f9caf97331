#include "agent/https_transport.h"

#include <deque>
#include <map>
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "agent/agent_loop_internal.h"
#include "common/version.h"
#include "pki/base64.h"

namespace orch::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Idle keep-alive connections kept per credential.
constexpr size_t kMaxIdlePerCredential = 2;
// Largest answer read: a registration or poll with a full batch of jobs fits easily.
constexpr uint64_t kMaxAnswerBytes = 16u << 20;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection, plain or TLS.
struct Connection {
  std::variant<std::monostate, beast::tcp_stream, TlsStream> stream;
  beast::flat_buffer buffer;
  bool reused = false;

  beast::tcp_stream& Tcp() {
    if (auto* plain = std::get_if<beast::tcp_stream>(&stream)) return *plain;
    // REQUIRES: a stream was emplaced.
    return beast::get_lowest_layer(std::get<TlsStream>(stream));
  }
};

// Which pool a credential's connections go to: a certificate, a secret name, or nothing.
std::string PoolKey(const Credential& credential) {
  if (credential.HasCertificate()) return "cert:" + credential.cert_pem;
  if (!credential.basic_user.empty()) return "basic:" + credential.basic_user;
  return "none";
}

std::string Describe(const boost::system::error_code& error) {
  if (error.category() == asio::error::get_ssl_category() ||
      error.category() == ssl::error::get_stream_category()) {
    return "TLS: " + error.message() +
           " (is ca_file orchd's CA certificate, and server the name in its certificate?)";
  }
  if (error == beast::error::timeout) return "no answer in time";
  return error.message();
}

// Presents the client certificate and key of `credential` on `stream`.
Status UseClientCertificate(TlsStream& stream, const Credential& credential) {
  SSL* handle = stream.native_handle();
  BIO* cert_bio =
      BIO_new_mem_buf(credential.cert_pem.data(), static_cast<int>(credential.cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO* key_bio =
      BIO_new_mem_buf(credential.key_pem.data(), static_cast<int>(credential.key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  const bool ok = cert != nullptr && key != nullptr && SSL_use_certificate(handle, cert) == 1 &&
                  SSL_use_PrivateKey(handle, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok) return InvalidArgumentError("the agent's certificate or key is unreadable");
  return Status::Ok();
}

}  // namespace

struct HttpsTransport::Impl : std::enable_shared_from_this<HttpsTransport::Impl> {
  Impl(AgentLoop& loop, ServerUrl server, std::string ca_pem, std::chrono::seconds timeout)
      : io(loop.impl().io),
        server(std::move(server)),
        ca_pem(std::move(ca_pem)),
        timeout(timeout),
        tls(ssl::context::tls_client),
        resolver(io) {}

  asio::io_context& io;
  ServerUrl server;
  std::string ca_pem;
  std::chrono::seconds timeout;
  ssl::context tls;
  tcp::resolver resolver;
  std::map<std::string, std::deque<std::shared_ptr<Connection>>> idle;

  Status Configure() {
    if (!server.tls) return Status::Ok();
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code error;
    tls.add_certificate_authority(asio::buffer(ca_pem), error);
    if (error) return InvalidArgumentError("ca_file is not a PEM certificate: " + error.message());
    tls.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_mode(tls.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    return Status::Ok();
  }

  std::shared_ptr<Connection> NewConnection() {
    auto connection = std::make_shared<Connection>();
    if (server.tls) {
      connection->stream.emplace<TlsStream>(io, tls);
    } else {
      connection->stream.emplace<beast::tcp_stream>(io);
    }
    return connection;
  }

  void Post(std::string path, std::string body, Credential credential, AnswerFn done,
            bool retried) {
    const std::string key = PoolKey(credential);
    auto& pool = idle[key];
    if (!pool.empty()) {
      std::shared_ptr<Connection> connection = std::move(pool.front());
      pool.pop_front();
      connection->reused = true;
      Send(std::move(connection), std::move(path), std::move(body), std::move(credential),
           std::move(done), retried);
      return;
    }
    Connect(std::move(path), std::move(body), std::move(credential), std::move(done), retried);
  }

  void Connect(std::string path, std::string body, Credential credential, AnswerFn done,
               bool retried) {
    auto self = shared_from_this();
    resolver.async_resolve(
        server.host, std::to_string(server.port),
        [self, path = std::move(path), body = std::move(body), credential = std::move(credential),
         done = std::move(done), retried](const boost::system::error_code& error,
                                          tcp::resolver::results_type results) mutable {
          if (error) {
            done(UnavailableError("cannot resolve " + self->server.host + ": " + error.message()));
            return;
          }
          std::shared_ptr<Connection> connection = self->NewConnection();
          connection->Tcp().expires_after(self->timeout);
          connection->Tcp().async_connect(
              results, [self, connection, path = std::move(path), body = std::move(body),
                        credential = std::move(credential), done = std::move(done), retried](
                           const boost::system::error_code& error, const tcp::endpoint&) mutable {
                if (error) {
                  done(UnavailableError("cannot connect to " + self->Where() + ": " +
                                        Describe(error)));
                  return;
                }
                self->Handshake(connection, std::move(path), std::move(body), std::move(credential),
                                std::move(done), retried);
              });
        });
  }

  void Handshake(std::shared_ptr<Connection> connection, std::string path, std::string body,
                 Credential credential, AnswerFn done, bool retried) {
    auto* tls_stream = std::get_if<TlsStream>(&connection->stream);
    if (tls_stream == nullptr) {
      Send(connection, std::move(path), std::move(body), std::move(credential), std::move(done),
           retried);
      return;
    }
    SSL_set_tlsext_host_name(tls_stream->native_handle(), server.host.c_str());
    tls_stream->set_verify_callback(ssl::host_name_verification(server.host));
    if (credential.HasCertificate()) {
      if (Status s = UseClientCertificate(*tls_stream, credential); !s.ok()) {
        done(s);
        return;
      }
    }
    auto self = shared_from_this();
    tls_stream->async_handshake(
        ssl::stream_base::client, [self, connection, path = std::move(path), body = std::move(body),
                                   credential = std::move(credential), done = std::move(done),
                                   retried](const boost::system::error_code& error) mutable {
          if (error) {
            done(UnavailableError("TLS with " + self->Where() + " failed: " + Describe(error)));
            return;
          }
          self->Send(connection, std::move(path), std::move(body), std::move(credential),
                     std::move(done), retried);
        });
  }

  void Send(std::shared_ptr<Connection> connection, std::string path, std::string body,
            Credential credential, AnswerFn done, bool retried) {
    auto request = std::make_shared<http::request<http::string_body>>(
        http::verb::post, EndpointTarget(server, path), 11);
    request->set(http::field::host, server.host);
    request->set(http::field::user_agent, std::string("orch-agent/") + kVersion);
    request->set(http::field::content_type, "application/json");
    if (!credential.HasCertificate() && !credential.basic_user.empty()) {
      request->set(
          http::field::authorization,
          "Basic " + pki::Base64Encode(credential.basic_user + ":" + credential.basic_password));
    }
    request->body() = std::move(body);
    request->keep_alive(true);
    request->prepare_payload();
    connection->Tcp().expires_after(timeout);
    auto self = shared_from_this();
    auto on_written = [self, connection, request, path = std::move(path),
                       credential = std::move(credential), done = std::move(done),
                       retried](const boost::system::error_code& error, size_t) mutable {
      if (error) {
        self->Failed(connection, request, std::move(path), std::move(credential), std::move(done),
                     retried, error);
        return;
      }
      self->Read(connection, request, std::move(path), std::move(credential), std::move(done),
                 retried);
    };
    if (auto* tls_stream = std::get_if<TlsStream>(&connection->stream)) {
      http::async_write(*tls_stream, *request, std::move(on_written));
    } else {
      http::async_write(std::get<beast::tcp_stream>(connection->stream), *request,
                        std::move(on_written));
    }
  }

  void Read(std::shared_ptr<Connection> connection,
            std::shared_ptr<http::request<http::string_body>> request, std::string path,
            Credential credential, AnswerFn done, bool retried) {
    auto parser = std::make_shared<http::response_parser<http::string_body>>();
    parser->body_limit(kMaxAnswerBytes);
    auto self = shared_from_this();
    auto on_read = [self, connection, request, parser, path = std::move(path),
                    credential = std::move(credential), done = std::move(done),
                    retried](const boost::system::error_code& error, size_t) mutable {
      if (error) {
        self->Failed(connection, request, std::move(path), std::move(credential), std::move(done),
                     retried, error);
        return;
      }
      http::response<http::string_body> response = parser->release();
      Answer answer{static_cast<int>(response.result_int()), std::move(response.body())};
      if (response.keep_alive()) {
        auto& pool = self->idle[PoolKey(credential)];
        if (pool.size() < kMaxIdlePerCredential) {
          connection->Tcp().expires_never();
          pool.push_back(connection);
        }
      }
      done(std::move(answer));
    };
    if (auto* tls_stream = std::get_if<TlsStream>(&connection->stream)) {
      http::async_read(*tls_stream, connection->buffer, *parser, std::move(on_read));
    } else {
      http::async_read(std::get<beast::tcp_stream>(connection->stream), connection->buffer, *parser,
                       std::move(on_read));
    }
  }

  // A reused connection the server had closed gets one retry on a new connection.
  void Failed(std::shared_ptr<Connection> connection,
              std::shared_ptr<http::request<http::string_body>> request, std::string path,
              Credential credential, AnswerFn done, bool retried,
              const boost::system::error_code& error) {
    if (connection->reused && !retried && error != beast::error::timeout) {
      Post(std::move(path), std::move(request->body()), std::move(credential), std::move(done),
           true);
      return;
    }
    done(UnavailableError("call to " + Where() + " failed: " + Describe(error)));
  }

  std::string Where() const { return server.host + ":" + std::to_string(server.port); }
};

HttpsTransport::HttpsTransport(AgentLoop& loop, ServerUrl server, std::string ca_pem,
                               std::chrono::seconds timeout)
    : impl_(std::make_shared<Impl>(loop, std::move(server), std::move(ca_pem), timeout)) {}

HttpsTransport::~HttpsTransport() {
  impl_->idle.clear();
}

Status HttpsTransport::Start() {
  return impl_->Configure();
}

void HttpsTransport::Post(const std::string& path, const std::string& body,
                          const Credential& credential, AnswerFn done) {
  impl_->Post(path, body, credential, std::move(done), false);
}

void HttpsTransport::CloseIdle() {
  impl_->idle.clear();
}

}  // namespace orch::agent
