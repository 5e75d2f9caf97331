// Test-only: a small blocking HTTP/1.1 client over TCP, with or without TLS (OpenSSL), that
// verifies the server against a CA file and can present a client certificate.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace orch::testing {

/// How to connect.
struct TlsClientOptions {
  bool tls = true;                        // false: plain HTTP
  std::string ca_file;                    // PEM; the server certificate must chain to it
  std::string server_name = "localhost";  // SNI and the name checked in the certificate
  std::string cert_file;                  // client certificate PEM; empty: none presented
  std::string key_file;                   // its private key PEM
  int receive_buffer = 0;                 // SO_RCVBUF set before connecting; 0: the default
};

/// One reply as read from the wire (Content-Length framed).
struct TlsReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
};

/// One kept-alive connection. Move-only.
class TlsClient {
 public:
  /// Connects to host:port and, with TLS, completes the handshake (verifying the server).
  static StatusOr<TlsClient> Connect(const std::string& host, uint16_t port,
                                     const TlsClientOptions& options);
  TlsClient(TlsClient&& other) noexcept;
  TlsClient& operator=(TlsClient&& other) noexcept;
  ~TlsClient();

  /// Sends a request with Host and Content-Length (and `headers`, "Name: value" each) and
  /// reads the reply, waiting at most `timeout`.
  StatusOr<TlsReply> Request(const std::string& method, const std::string& target,
                             const std::string& body = "",
                             const std::vector<std::string>& headers = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Writes bytes as they are (several requests at once, for pipelining); Unavailable when
  /// the server takes none of them for `timeout` or has closed the connection.
  Status SendRaw(const std::string& bytes,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Reads the next reply, waiting at most `timeout`.
  StatusOr<TlsReply> ReadReply(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Drops the connection as a client process that dies would: the socket is closed with no
  /// TLS close_notify. Nothing can be sent or read afterwards.
  void Abort();

  /// The TCP socket, for polling it without reading.
  int native_handle() const;

  struct Impl;

 private:
  explicit TlsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// "Authorization: Basic <base64(user:password)>".
std::string BasicAuthHeader(const std::string& user, const std::string& password);

}  // namespace orch::testing
