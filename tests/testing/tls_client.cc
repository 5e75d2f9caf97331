#include "tests/testing/tls_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

namespace orch::testing {
namespace {

std::string OpenSslError(const std::string& what) {
  char text[256] = {};
  ERR_error_string_n(ERR_get_error(), text, sizeof text);
  ERR_clear_error();
  return what + ": " + text;
}

StatusOr<int> ConnectTcp(const std::string& host, uint16_t port, int receive_buffer) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
    return UnavailableError("cannot resolve " + host);
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && receive_buffer > 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return UnavailableError("cannot connect to " + host + ":" + std::to_string(port));
  return fd;
}

// Sets SO_RCVTIMEO or SO_SNDTIMEO.
void SetTimeout(int fd, int option, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

struct TlsClient::Impl {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  std::string buffer;

  ~Impl() {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }

  Status Handshake(const TlsClientOptions& options);
  Status Send(const std::string& bytes);
  // Appends what arrives; false on EOF or error.
  bool Receive();
  StatusOr<TlsReply> ReadReply();
};

Status TlsClient::Impl::Handshake(const TlsClientOptions& options) {
  ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return InternalError(OpenSslError("SSL_CTX_new"));
  if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
    return InvalidArgumentError(OpenSslError("loading CA file " + options.ca_file));
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!options.cert_file.empty() &&
      (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1)) {
    return InvalidArgumentError(OpenSslError("loading client certificate"));
  }
  ssl = SSL_new(ctx);
  if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) return InternalError(OpenSslError("SSL_new"));
  SSL_set_tlsext_host_name(ssl, options.server_name.c_str());
  SSL_set1_host(ssl, options.server_name.c_str());
  if (SSL_connect(ssl) != 1) return UnavailableError(OpenSslError("TLS handshake"));
  return Status::Ok();
}

Status TlsClient::Impl::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const int n =
        ssl != nullptr
            ? SSL_write(ssl, bytes.data() + sent, static_cast<int>(bytes.size() - sent))
            : static_cast<int>(::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL));
    if (n <= 0) return UnavailableError(ssl != nullptr ? OpenSslError("SSL_write") : "send failed");
    sent += static_cast<size_t>(n);
  }
  return Status::Ok();
}

bool TlsClient::Impl::Receive() {
  char chunk[16384];
  const int n = ssl != nullptr ? SSL_read(ssl, chunk, sizeof chunk)
                               : static_cast<int>(::recv(fd, chunk, sizeof chunk, 0));
  if (n <= 0) {
    ERR_clear_error();
    return false;
  }
  buffer.append(chunk, static_cast<size_t>(n));
  return true;
}

StatusOr<TlsReply> TlsClient::Impl::ReadReply() {
  size_t header_end;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!Receive()) return UnavailableError("connection closed before a reply header");
  }
  TlsReply reply;
  const std::string head = buffer.substr(0, header_end);
  if (std::sscanf(head.c_str(), "HTTP/1.%*d %d", &reply.status) != 1) {
    return InternalError("bad status line: " + head.substr(0, 40));
  }
  size_t line = head.find("\r\n");
  while (line != std::string::npos) {
    const size_t next = head.find("\r\n", line + 2);
    const std::string field =
        head.substr(line + 2, next == std::string::npos ? next : next - line - 2);
    const size_t colon = field.find(':');
    if (colon != std::string::npos) {
      size_t start = field.find_first_not_of(' ', colon + 1);
      reply.headers[Lower(field.substr(0, colon))] =
          start == std::string::npos ? "" : field.substr(start);
    }
    line = next;
  }
  const size_t length =
      std::stoul(reply.headers.count("content-length") ? reply.headers["content-length"] : "0");
  while (buffer.size() < header_end + 4 + length) {
    if (!Receive()) return UnavailableError("connection closed inside a reply body");
  }
  reply.body = buffer.substr(header_end + 4, length);
  buffer.erase(0, header_end + 4 + length);
  return reply;
}

TlsClient::TlsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsClient::TlsClient(TlsClient&& other) noexcept = default;
TlsClient& TlsClient::operator=(TlsClient&& other) noexcept = default;
TlsClient::~TlsClient() = default;

StatusOr<TlsClient> TlsClient::Connect(const std::string& host, uint16_t port,
                                       const TlsClientOptions& options) {
  auto impl = std::make_unique<Impl>();
  ORCH_ASSIGN_OR_RETURN(impl->fd, ConnectTcp(host, port, options.receive_buffer));
  if (options.tls) ORCH_RETURN_IF_ERROR(impl->Handshake(options));
  return TlsClient(std::move(impl));
}

StatusOr<TlsReply> TlsClient::Request(const std::string& method, const std::string& target,
                                      const std::string& body,
                                      const std::vector<std::string>& headers,
                                      std::chrono::milliseconds timeout) {
  SetTimeout(impl_->fd, SO_RCVTIMEO, timeout);
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  for (const std::string& header : headers) request += header + "\r\n";
  if (!body.empty()) request += "Content-Type: application/json\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ORCH_RETURN_IF_ERROR(impl_->Send(request));
  return impl_->ReadReply();
}

Status TlsClient::SendRaw(const std::string& bytes, std::chrono::milliseconds timeout) {
  SetTimeout(impl_->fd, SO_SNDTIMEO, timeout);
  return impl_->Send(bytes);
}

int TlsClient::native_handle() const {
  return impl_->fd;
}

StatusOr<TlsReply> TlsClient::ReadReply(std::chrono::milliseconds timeout) {
  SetTimeout(impl_->fd, SO_RCVTIMEO, timeout);
  return impl_->ReadReply();
}

void TlsClient::Abort() {
  if (impl_->ssl != nullptr) SSL_free(std::exchange(impl_->ssl, nullptr));
  if (impl_->fd >= 0) ::close(std::exchange(impl_->fd, -1));
}

std::string BasicAuthHeader(const std::string& user, const std::string& password) {
  const std::string plain = user + ":" + password;
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  encoded.resize(static_cast<size_t>(n));
  return "Authorization: Basic " + encoded;
}

}  // namespace orch::testing
