// HttpServer::ListenTls against a real OpenSSL client: server verification, client
// certificates handed to the handler, and refusals that leave the server serving.
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/fake_clock.h"
#include "net/http_server.h"
#include "net/http_server_test_support.h"
#include "pki/ca.h"
#include "pki/csr.h"
#include "pki/test_keys.h"
#include "tests/testing/tls_client.h"

namespace orch::net {
namespace {

using orch::testing::TlsClient;
using orch::testing::TlsClientOptions;
using orch::testing::TlsReply;
using pki::testing::GenerateTestKey;
using pki::testing::TestKeyType;

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class TlsListenerTest : public test::HttpServerFixture {
 protected:
  // A CA in the temp dir, a server certificate from it, and a TLS listener on 127.0.0.1:0.
  void StartTls() {
    ca_ = MakeCa("ca");
    ASSERT_OK_AND_ASSIGN(pki::ServerCredential server,
                         ca_->IssueServerCertificate({"localhost"}, std::chrono::hours(1)));
    server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
    TlsServerOptions tls{server.cert_chain_pem, server.key_pem, ca_->CertificatePem()};
    ASSERT_OK_AND_ASSIGN(tcp_port_, server_->ListenTls("127.0.0.1", 0, tls));
    StartLoop();
  }

  std::unique_ptr<pki::CertificateAuthority> MakeCa(const std::string& name) {
    auto ca = pki::CertificateAuthority::LoadOrCreate(
        {dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key", true}, clock_);
    EXPECT_TRUE(ca.ok()) << ca.status().ToString();
    return std::move(ca).value();
  }

  // Writes a client certificate from `ca` and its key; returns the certificate's DER.
  std::string ClientCredential(const pki::CertificateAuthority& ca, const std::string& name) {
    pki::testing::TestKey key = GenerateTestKey(TestKeyType::kEcP256);
    auto csr = pki::VerifyCsr(pki::testing::MakeCsrDer(key, name));
    EXPECT_TRUE(csr.ok());
    auto cert = ca.SignAgentCertificate(*csr, name, std::chrono::hours(1));
    EXPECT_TRUE(cert.ok());
    Write(dir_ + "/" + name + ".crt", pki::testing::DerToPem(cert->der, "CERTIFICATE"));
    Write(dir_ + "/" + name + ".key", key.pkcs8_pem);
    return cert->der;
  }

  TlsClientOptions Options(const std::string& client = "") const {
    TlsClientOptions options;
    options.ca_file = dir_ + "/ca.crt";
    if (!client.empty()) {
      options.cert_file = dir_ + "/" + client + ".crt";
      options.key_file = dir_ + "/" + client + ".key";
    }
    return options;
  }

  FakeClock clock_{std::chrono::system_clock::now()};
  std::unique_ptr<pki::CertificateAuthority> ca_;
};

TEST_F(TlsListenerTest, ClientCertificateReachesTheHandler) {
  // Given a client presenting a certificate from the CA, the handler sees its DER and IP.
  StartTls();
  const std::string der = ClientCredential(*ca_, "agent01");
  ASSERT_OK_AND_ASSIGN(TlsClient client,
                       TlsClient::Connect("127.0.0.1", tcp_port_, Options("agent01")));
  ASSERT_OK_AND_ASSIGN(TlsReply reply, client.Request("POST", "/x", "{}"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "POST /x {}");
  // The same connection serves a second request with the same identity.
  ASSERT_OK_AND_ASSIGN(reply, client.Request("GET", "/y"));
  EXPECT_EQ(reply.status, 200);
  ASSERT_EQ(handler_.requests().size(), 2u);
  EXPECT_EQ(handler_.requests()[1].client_certificate_der, der);
  EXPECT_EQ(handler_.requests()[1].remote_ip, "127.0.0.1");
}

TEST_F(TlsListenerTest, LargeBodiesCrossManyRecordsBothWays) {
  // Given a 3 MiB request whose 3 MiB echo outgrows the socket buffers (the server waits for
  // the client to read, record by record), both arrive whole, and the connection serves on.
  StartTls();
  std::string body(3 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + (i * 7919) % 26);
  ASSERT_OK_AND_ASSIGN(TlsClient client, TlsClient::Connect("127.0.0.1", tcp_port_, Options()));
  ASSERT_OK_AND_ASSIGN(TlsReply reply, client.Request("POST", "/big", body));
  EXPECT_EQ(reply.status, 200);
  ASSERT_EQ(reply.body.size(), body.size() + 10);
  EXPECT_TRUE(reply.body == "POST /big " + body);
  ASSERT_OK_AND_ASSIGN(reply, client.Request("GET", "/after"));
  EXPECT_EQ(reply.body, "GET /after ");
}

TEST_F(TlsListenerTest, PipelinedRequestsAreAnsweredInOrderWhileTheNextAreRead) {
  // Given three requests in one TLS write, a handler that answers the last two first and the
  // first with 2 MiB, and a fourth request sent while those replies arrive, all four replies
  // come back whole and in order.
  std::vector<api::ReplyFn> held;
  handler_.set_behaviour([&](const api::Request& request, api::ReplyFn& reply) {
    if (request.path == "/4") return reply(api::Response{200, "text/plain", {}, "/4"});
    held.push_back(std::move(reply));
    if (held.size() < 3) return;
    held[2](api::Response{200, "text/plain", {}, "/3"});
    held[1](api::Response{200, "text/plain", {}, "/2"});
    held[0](api::Response{200, "text/plain", {}, std::string(2 << 20, 'x')});
    held.clear();
  });
  StartTls();
  ASSERT_OK_AND_ASSIGN(TlsClient client, TlsClient::Connect("127.0.0.1", tcp_port_, Options()));
  const std::string get = " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  ASSERT_OK(client.SendRaw("GET /1" + get + "GET /2" + get + "GET /3" + get));
  ASSERT_OK(client.SendRaw("GET /4" + get));
  ASSERT_OK_AND_ASSIGN(TlsReply first, client.ReadReply());
  EXPECT_EQ(first.body.size(), size_t{2} << 20);
  for (const char* path : {"/2", "/3", "/4"}) {
    ASSERT_OK_AND_ASSIGN(TlsReply reply, client.ReadReply());
    EXPECT_EQ(reply.body, path);
  }
}

TEST_F(TlsListenerTest, ClientWithoutCertificateIsServedWithoutOne) {
  // Given a TLS client with no certificate, its request arrives with none.
  StartTls();
  ASSERT_OK_AND_ASSIGN(TlsClient client, TlsClient::Connect("127.0.0.1", tcp_port_, Options()));
  ASSERT_OK_AND_ASSIGN(TlsReply reply, client.Request("GET", "/z"));
  EXPECT_EQ(reply.status, 200);
  ASSERT_EQ(handler_.requests().size(), 1u);
  EXPECT_TRUE(handler_.requests()[0].client_certificate_der.empty());
}

TEST_F(TlsListenerTest, ForeignClientCertificateAndPlainHttpAreRefused) {
  // Given a certificate from another CA, and plain HTTP on the TLS port, neither reaches the
  // handler, and a good client is served afterwards.
  StartTls();
  std::unique_ptr<pki::CertificateAuthority> other = MakeCa("other");
  ClientCredential(*other, "intruder");
  auto intruder = TlsClient::Connect("127.0.0.1", tcp_port_, Options("intruder"));
  // TLS 1.3 may finish the client's side of the handshake before the server's refusal arrives.
  if (intruder.ok()) {
    EXPECT_FALSE(intruder->Request("GET", "/in").ok());
  }
  TlsClientOptions plain = Options();
  plain.tls = false;
  ASSERT_OK_AND_ASSIGN(TlsClient http, TlsClient::Connect("127.0.0.1", tcp_port_, plain));
  EXPECT_FALSE(http.Request("GET", "/plain", "", {}, std::chrono::seconds(3)).ok());
  EXPECT_TRUE(handler_.requests().empty());
  ASSERT_OK_AND_ASSIGN(TlsClient good, TlsClient::Connect("127.0.0.1", tcp_port_, Options()));
  ASSERT_OK_AND_ASSIGN(TlsReply reply, good.Request("GET", "/ok"));
  EXPECT_EQ(reply.status, 200);
}

TEST_F(TlsListenerTest, UnloadableCredentialsAreRefused) {
  // Given a certificate that is not PEM, or a key that does not match, ListenTls refuses.
  ca_ = MakeCa("ca");
  ASSERT_OK_AND_ASSIGN(pki::ServerCredential a,
                       ca_->IssueServerCertificate({"a"}, std::chrono::hours(1)));
  ASSERT_OK_AND_ASSIGN(pki::ServerCredential b,
                       ca_->IssueServerCertificate({"b"}, std::chrono::hours(1)));
  server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
  EXPECT_EQ(server_->ListenTls("127.0.0.1", 0, {"garbage", a.key_pem, ""}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(server_->ListenTls("127.0.0.1", 0, {a.cert_chain_pem, b.key_pem, ""}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orch::net
