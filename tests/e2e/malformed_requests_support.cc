#include "tests/e2e/malformed_requests_support.h"

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

namespace certs = pki::testing;

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string NestedObjects(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += "{\"a\":";
  return text + "1" + std::string(depth, '}');
}

std::string RawRequest(const std::string& method, const std::string& path,
                       const std::string& content_type, const std::string& body,
                       const std::vector<std::string>& headers) {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n";
  if (!content_type.empty()) request += "Content-Type: " + content_type + "\r\n";
  for (const std::string& header : headers) request += header + "\r\n";
  return request + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

MalformedCase ControlCall(std::string name, std::string method, std::string path, std::string body,
                          int status, std::string code, std::string field) {
  return {std::move(name), Target::kControl, std::move(method), std::move(path),
          std::move(body), status,           std::move(code),   std::move(field)};
}

MalformedCase ControlPost(std::string name, std::string path, std::string body, int status,
                          std::string code, std::string field) {
  return ControlCall(std::move(name), "POST", std::move(path), std::move(body), status,
                     std::move(code), std::move(field));
}

void PrintTo(const MalformedCase& c, std::ostream* out) {
  *out << c.name;
}

void MalformedRequestsE2E::SetUp() {
  StartOrchd();
  secret_ = CreateSecret("bootstrap");
  // Certificate 1 has no private key, for the Add cases that ask for one; $CERT64 is another.
  const std::string imported_der = certs::EcChain().root.cert_der;
  auto [imported, certificate] =
      Control("POST", "/Certificates/Import",
              json{{"Certificate", pki::Base64Encode(imported_der)}}.dump());
  ASSERT_EQ(imported, 200) << certificate.dump();
  auto [created, store] = Control("POST", "/CertificateStores",
                                  json{{"ClientMachine", "web01"},
                                       {"Storepath", "/etc/ssl/web01.pem"},
                                       {"CertStoreType", 2},
                                       {"AgentPoolId", "00000000-0000-0000-0000-000000000000"}}
                                      .dump());
  ASSERT_EQ(created, 200) << store.dump();
  store_id_ = store.value("Id", "");
  cert64_ = pki::Base64Encode(certs::RsaChain().root.cert_der);
}

std::string MalformedRequestsE2E::Expand(const std::string& text) const {
  std::string out = text;
  ReplaceAll(out, "$STORE", store_id_);
  ReplaceAll(out, "$BASIC", testing::BasicAuthHeader(secret_.first, secret_.second));
  ReplaceAll(out, "$SECRET", secret_.second);
  ReplaceAll(out, "$CERT64", cert64_);
  return out;
}

testing::TlsReply MalformedRequestsE2E::Send(const MalformedCase& c) {
  const std::string path = Expand(c.path);
  const std::string body = Expand(c.body);
  std::vector<std::string> headers;
  for (const std::string& header : c.headers) headers.push_back(Expand(header));
  if (c.target == Target::kControl || c.target == Target::kControlRaw) {
    StatusOr<UnixClient> client = orchd_.Connect();
    EXPECT_OK(client);
    if (!client.ok()) return {};
    if (c.target == Target::kControlRaw) {
      EXPECT_OK(client->SendRaw(body));
    }
    StatusOr<HttpReply> reply = c.target == Target::kControl
                                    ? client->Request(c.method, path, body, headers)
                                    : client->ReadReply();
    EXPECT_OK(reply);
    if (!reply.ok()) return {};
    return {reply->status, reply->headers, reply->body};
  }
  StatusOr<testing::TlsClient> client = AgentConnection();
  EXPECT_OK(client);
  if (!client.ok()) return {};
  if (c.target == Target::kAgentRaw) {
    EXPECT_OK(client->SendRaw(body));
  }
  StatusOr<testing::TlsReply> reply = c.target == Target::kAgent
                                          ? client->Request(c.method, path, body, headers)
                                          : client->ReadReply();
  EXPECT_OK(reply);
  return reply.ok() ? *reply : testing::TlsReply{};
}

}  // namespace orch::e2e
