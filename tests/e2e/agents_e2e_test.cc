// End-to-end: agents against the real orchd over real TLS — enrollment, mTLS registration,
// approval, heartbeats, reenrollment, secrets and their revocation.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/base64.h"
#include "pki/certificate.h"
#include "tests/e2e/agents_e2e_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using testing::BasicAuthHeader;
using ::testing::HasSubstr;
using testing::TlsReply;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kHeartbeat[] = "/KeyfactorAgents/Session/Heartbeat";

json Body(const TlsReply& reply) {
  return json::parse(reply.body, nullptr, false);
}

// An ISO 8601 instant with milliseconds always shown, so that text order is time order.
std::string WithMillis(std::string time) {
  if (time.find('.') == std::string::npos && !time.empty()) time.insert(time.size() - 1, ".000");
  return time;
}

std::string Thumbprint(const std::string& der) {
  StatusOr<pki::CertificateInfo> info = pki::DescribeCertificate(der);
  return info.ok() ? info->thumbprint : "";
}

TEST_F(AgentsE2E, EnrollRegisterOverMutualTlsApproveAndHeartbeat) {
  // Given a secret, a new agent enrolls with Basic auth and a CSR, gets a certificate that
  // openssl verifies against the CA, registers again over mTLS without a password, is
  // approved, and its heartbeats keep the session valid and move LastSeen.
  StartOrchd();
  auto secret = CreateSecret("bootstrap");
  KeyAndCsr enrollment = NewKeyAndCsr();
  ASSERT_OK_AND_ASSIGN(
      TlsReply first,
      AgentPost(kRegister, RegisterBody("", "web01.example.com", enrollment.csr_der),
                {BasicAuthHeader(secret.first, secret.second)}));
  ASSERT_EQ(first.status, 200) << first.body;
  json answer = Body(first);
  ASSERT_EQ(answer["Result"]["Status"], 1) << first.body;
  const std::string id = answer["Session"]["AgentId"];
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(answer["Session"]["Token"].get<std::string>().size(), 36u);
  AgentCredential credential = SaveCredential(answer, enrollment.key, "web01");
  std::string verify_output;
  EXPECT_EQ(OpensslVerify(credential.cert_file, &verify_output), 0) << verify_output;
  EXPECT_THAT(verify_output, HasSubstr("OK"));

  // The second registration of a new agent: client certificate, no password, no CSR.
  ASSERT_OK_AND_ASSIGN(
      TlsReply second,
      AgentPost(kRegister,
                RegisterBody(id, "web01.example.com", std::nullopt, "registration-enroll-stores"),
                {}, &credential));
  answer = Body(second);
  ASSERT_EQ(answer["Result"]["Status"], 1) << second.body;
  EXPECT_EQ(answer["Session"]["AgentId"], id);
  const std::string session = answer["Session"]["Token"];
  EXPECT_EQ(GetAgent(id)["LastThumbprintUsed"], Thumbprint(credential.cert_der));
  EXPECT_EQ(GetAgent(id)["Status"], 1);

  ASSERT_EQ(Control("POST", "/Agents/Approve", json::array({id}).dump()).first, 204);
  EXPECT_EQ(GetAgent(id)["Status"], 2);

  // Each heartbeat is a call that moves LastSeen; keep beating until the clock shows it.
  const std::string seen_before = GetAgent(id)["LastSeen"];
  std::string seen_after = seen_before;
  for (int i = 0; i < 200 && seen_after == seen_before; ++i) {
    ASSERT_OK_AND_ASSIGN(TlsReply beat,
                         AgentPost(kHeartbeat, {{"SessionToken", session}}, {}, &credential));
    EXPECT_EQ(Body(beat)["SessionValid"], true) << beat.body;
    EXPECT_EQ(Body(beat)["HeartbeatInterval"], 5);
    seen_after = GetAgent(id)["LastSeen"];
  }
  EXPECT_GT(WithMillis(seen_after), WithMillis(seen_before));
}

TEST_F(AgentsE2E, ReenrollmentRequestedAndRequired) {
  // Given an enrolled agent, Requested reenrollment warns with A0100007 and a token until a
  // CSR brings a new certificate (flag back to 0, old thumbprint kept as legacy); Required
  // refuses with A0100008 and no token until a CSR comes; an unknown id is listed as failed.
  StartOrchd();
  auto secret = CreateSecret("bootstrap");
  AgentCredential old_credential;
  const std::string id = EnrollAgent(secret, "web01", &old_credential);
  const std::string unknown = "3f0c2a71-5b8e-4d2a-9c1e-7a6b5c4d3e2f";
  auto [set_status, set] = Control("POST", "/Agents/SetAuthCertificateReenrollment",
                                   json{{"OrchestratorIds", {id, unknown}}, {"Status", 1}}.dump());
  ASSERT_EQ(set_status, 200) << set.dump();
  EXPECT_EQ(set["FailedOrchestratorIds"], json::array({unknown}));
  EXPECT_EQ(GetAgent(id)["AuthCertificateReenrollment"], 1);

  ASSERT_OK_AND_ASSIGN(
      TlsReply warned,
      AgentPost(kRegister, RegisterBody(id, "web01", std::nullopt), {}, &old_credential));
  json answer = Body(warned);
  EXPECT_EQ(answer["Result"]["Status"], 2) << warned.body;
  EXPECT_EQ(answer["Result"]["Error"]["CodeString"], "A0100007");
  EXPECT_EQ(answer["Session"]["Token"].get<std::string>().size(), 36u);

  KeyAndCsr renewal = NewKeyAndCsr();
  ASSERT_OK_AND_ASSIGN(
      TlsReply renewed,
      AgentPost(kRegister, RegisterBody(id, "web01", renewal.csr_der), {}, &old_credential));
  answer = Body(renewed);
  ASSERT_EQ(answer["Result"]["Status"], 1) << renewed.body;
  AgentCredential new_credential = SaveCredential(answer, renewal.key, "web01-renewed");
  std::string output;
  EXPECT_EQ(OpensslVerify(new_credential.cert_file, &output), 0) << output;
  json agent = GetAgent(id);
  EXPECT_EQ(agent["AuthCertificateReenrollment"], 0);
  EXPECT_EQ(agent["LegacyThumbprint"], Thumbprint(old_credential.cert_der));
  EXPECT_EQ(agent["Thumbprint"], Thumbprint(new_credential.cert_der));

  ASSERT_EQ(Control("POST", "/Agents/SetAuthCertificateReenrollment",
                    json{{"OrchestratorIds", {id}}, {"Status", 2}}.dump())
                .first,
            200);
  ASSERT_OK_AND_ASSIGN(
      TlsReply refused,
      AgentPost(kRegister, RegisterBody(id, "web01", std::nullopt), {}, &new_credential));
  answer = Body(refused);
  EXPECT_EQ(answer["Result"]["Status"], 3) << refused.body;
  EXPECT_EQ(answer["Result"]["Error"]["CodeString"], "A0100008");
  EXPECT_TRUE(answer["Session"]["Token"].is_null());
  ASSERT_OK_AND_ASSIGN(
      TlsReply accepted,
      AgentPost(kRegister, RegisterBody(id, "web01", NewKeyAndCsr().csr_der), {}, &new_credential));
  EXPECT_EQ(Body(accepted)["Result"]["Status"], 1) << accepted.body;
  EXPECT_FALSE(Body(accepted)["Session"]["Certificate"].is_null());
  EXPECT_EQ(GetAgent(id)["AuthCertificateReenrollment"], 0);
}

}  // namespace
}  // namespace orch::e2e
