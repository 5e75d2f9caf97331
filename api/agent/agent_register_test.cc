// Session registration (SPEC §6.2, §6.6) through the AgentApi, without sockets.
#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/guid.h"
#include "pki/hash.h"
#include "tests/testing/agent_api_fixture.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::AgentApiFixture;
using testing::Answer;
using ::testing::HasSubstr;
using testing::Secret;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";

using RegisterTest = AgentApiFixture;

TEST_F(RegisterTest, FirstRegistrationCreatesTheAgentAndSignsItsCsr) {
  // Given a secret and a CSR, a first registration answers a new AgentId, a session token and
  // a certificate from the CA; the agent is New, named after the secret, with its thumbprint.
  Secret secret = CreateSecret("bootstrap");
  Answer answer =
      Agent(kRegister, RegisterBody("", "web01", NewEnrollment().csr_der), {Basic(secret)});
  ASSERT_EQ(answer.status, 200) << answer.raw;
  EXPECT_EQ(answer.body["Result"]["Status"], 1);
  EXPECT_TRUE(answer.body["Result"]["Error"].is_null());
  const json& session = answer.body["Session"];
  EXPECT_TRUE(IsGuid(session["AgentId"].get<std::string>()));
  EXPECT_TRUE(IsGuid(session["Token"].get<std::string>()));
  EXPECT_EQ(session["HeartbeatInterval"], 5);
  EXPECT_EQ(session["Jobs"], json::array());
  EXPECT_EQ(session["ClientParameters"]["RegistrationRequest"], "registration-enroll-stores");
  const std::string der = CertificateOf(answer);
  EXPECT_OK(ca_->VerifyClientCertificate(der));
  json agent = GetAgent(session["AgentId"]);
  EXPECT_EQ(agent["Status"], 1);
  EXPECT_EQ(agent["Username"], "bootstrap");
  EXPECT_EQ(agent["Version"], "10.4.0.0");
  EXPECT_EQ(agent["Thumbprint"], pki::DescribeCertificate(der)->thumbprint);
  EXPECT_EQ(agent["LastSeen"], "2026-01-01T00:00:00Z");
}

TEST_F(RegisterTest, SecondRegistrationByCertificateFindsTheSameAgent) {
  // Given an enrolled agent, registering with its client certificate and no password (and an
  // empty AgentId) reaches the same agent and records the certificate used.
  Secret secret = CreateSecret("bootstrap");
  auto [id, der] = Enroll(secret, "web01");
  Answer answer = Agent(kRegister, RegisterBody("", "web01", std::nullopt), {}, der);
  EXPECT_EQ(answer.body["Result"]["Status"], 1) << answer.raw;
  EXPECT_EQ(answer.body["Session"]["AgentId"], id);
  EXPECT_TRUE(answer.body["Session"]["Certificate"].is_null());
  answer = Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {}, der);
  EXPECT_EQ(answer.body["Result"]["Status"], 1) << answer.raw;
  EXPECT_EQ(GetAgent(id)["LastThumbprintUsed"], pki::DescribeCertificate(der)->thumbprint);
}

TEST_F(RegisterTest, AutoApproveRuleApprovesOnlyMatchingAgents) {
  // Given a rule for "*.lab" machines using secret "lab", a lab machine starts Approved and
  // another machine with the same secret starts New.
  AgentSettings settings;
  settings.auto_approve = {{"*.lab", "lab"}};
  Configure(settings);
  Secret secret = CreateSecret("lab");
  EXPECT_EQ(GetAgent(Enroll(secret, "db1.lab").first)["Status"], 2);
  EXPECT_EQ(GetAgent(Enroll(secret, "db1.prod").first)["Status"], 1);
}

TEST_F(RegisterTest, DisapprovedAgentIsRefusedAndTheAttemptRecorded) {
  // Given a disapproved agent, its registration is Result 3 without a session, and the agent
  // shows the refusal in LastErrorCode/LastErrorMessage.
  Secret secret = CreateSecret("bootstrap");
  auto [id, der] = Enroll(secret, "web01");
  ASSERT_EQ(Control("POST", "/Agents/Disapprove", json::array({id}).dump()).status, 204);
  Answer answer = Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {}, der);
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body["Result"]["Status"], 3);
  EXPECT_EQ(answer.body["Result"]["Error"]["CodeString"], "A0110001");
  EXPECT_TRUE(answer.body["Session"].is_null());
  json agent = GetAgent(id);
  EXPECT_EQ(agent["LastErrorCode"], answer.body["Result"]["Error"]["Code"]);
  EXPECT_THAT(agent["LastErrorMessage"].get<std::string>(), HasSubstr("disapproved"));
}

TEST_F(RegisterTest, RequestedReenrollmentWarnsThenRotatesTheCertificate) {
  // Given reenrollment Requested, a registration without CSR is Result 2 A0100007 with a
  // token; one with a CSR gets a new certificate, the flag returns to 0 and the old
  // thumbprint becomes the legacy one.
  Secret secret = CreateSecret("bootstrap");
  auto [id, old_der] = Enroll(secret, "web01");
  const std::string old_thumbprint = pki::DescribeCertificate(old_der)->thumbprint;
  Answer set = Control("POST", "/Agents/SetAuthCertificateReenrollment",
                       json{{"OrchestratorIds", {id}}, {"Status", 1}}.dump());
  ASSERT_EQ(set.status, 200) << set.raw;
  Answer warned = Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {}, old_der);
  EXPECT_EQ(warned.body["Result"]["Status"], 2);
  EXPECT_EQ(warned.body["Result"]["Error"]["CodeString"], "A0100007");
  EXPECT_EQ(warned.body["Result"]["Error"]["Code"], -1609564153);
  EXPECT_TRUE(IsGuid(warned.body["Session"]["Token"].get<std::string>()));
  Answer renewed =
      Agent(kRegister, RegisterBody(id, "web01", NewEnrollment().csr_der), {}, old_der);
  EXPECT_EQ(renewed.body["Result"]["Status"], 1) << renewed.raw;
  const std::string new_der = CertificateOf(renewed);
  ASSERT_FALSE(new_der.empty());
  json agent = GetAgent(id);
  EXPECT_EQ(agent["AuthCertificateReenrollment"], 0);
  EXPECT_EQ(agent["LegacyThumbprint"], old_thumbprint);
  EXPECT_EQ(agent["Thumbprint"], pki::DescribeCertificate(new_der)->thumbprint);
  // The old certificate no longer identifies the agent once the flag is back to 0.
  Answer stale = Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {}, old_der);
  EXPECT_EQ(stale.body["Result"]["Status"], 3);
}

TEST_F(RegisterTest, RequiredReenrollmentRefusesWithoutCsrAndSucceedsWithOne) {
  // Given reenrollment Required, a registration without CSR is Result 3 A0100008 with no
  // token; with a CSR it succeeds with a new certificate.
  Secret secret = CreateSecret("bootstrap");
  auto [id, der] = Enroll(secret, "web01");
  ASSERT_EQ(Control("POST", "/Agents/SetAuthCertificateReenrollment",
                    json{{"OrchestratorIds", {id}}, {"Status", 2}}.dump())
                .status,
            200);
  Answer refused = Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {}, der);
  EXPECT_EQ(refused.body["Result"]["Status"], 3);
  EXPECT_EQ(refused.body["Result"]["Error"]["CodeString"], "A0100008");
  EXPECT_TRUE(refused.body["Session"]["Token"].is_null());
  EXPECT_EQ(refused.body["Session"]["Jobs"], json::array());
  Answer renewed = Agent(kRegister, RegisterBody(id, "web01", NewEnrollment().csr_der), {}, der);
  EXPECT_EQ(renewed.body["Result"]["Status"], 1) << renewed.raw;
  EXPECT_FALSE(CertificateOf(renewed).empty());
  EXPECT_EQ(GetAgent(id)["AuthCertificateReenrollment"], 0);
}

TEST_F(RegisterTest, BadCsrsAreRefusedAndCreateNothing) {
  // Given an oversized CSR, one with a bad signature, a 1024-bit RSA one and non-base64 text,
  // each first registration is Result 3 A0110002 and no agent exists afterwards.
  Secret secret = CreateSecret("bootstrap");
  const std::string good = NewEnrollment().csr_der;
  const std::string cases[] = {
      std::string(20000, '\x30'),
      pki::testing::CorruptCsrSignature(good),
      NewEnrollment(pki::testing::TestKeyType::kRsa1024).csr_der,
  };
  for (const std::string& csr : cases) {
    Answer answer = Agent(kRegister, RegisterBody("", "web01", csr), {Basic(secret)});
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body["Result"]["Status"], 3) << answer.raw;
    EXPECT_EQ(answer.body["Result"]["Error"]["CodeString"], "A0110002");
    EXPECT_FALSE(answer.body["Result"]["Error"]["Message"].get<std::string>().empty());
  }
  json body = RegisterBody("", "web01", std::nullopt);
  body["CSR"] = "%%% not base64";
  EXPECT_EQ(Agent(kRegister, body, {Basic(secret)}).body["Result"]["Status"], 3);
  Answer list = Control("GET", "/Agents");
  EXPECT_EQ(list.Header("x-total-count"), "0");
}

TEST_F(RegisterTest, BadCredentialsAre401AndChangeNothing) {
  // Given a wrong secret value, an unknown secret, a garbage header, an unknown scheme and no
  // credentials at all, each registration is 401 SECURITY_ERROR and no agent is created.
  Secret secret = CreateSecret("bootstrap");
  Secret wrong = secret;
  wrong.value = "not-the-value";
  Secret unknown{"", "nobody", secret.value};
  const std::vector<std::vector<std::pair<std::string, std::string>>> cases = {
      {Basic(wrong)},
      {Basic(unknown)},
      {{"authorization", "Basic !!!!"}},
      {{"authorization", "Digest abc"}},
      {{"authorization", "Bearer nope"}},
      {},
  };
  for (const auto& headers : cases) {
    Answer answer = Agent(kRegister, RegisterBody("", "web01", NewEnrollment().csr_der), headers);
    EXPECT_EQ(answer.status, 401) << answer.raw;
    EXPECT_EQ(answer.body["errorCode"], "SECURITY_ERROR");
    EXPECT_THAT(answer.raw, ::testing::Not(HasSubstr(secret.value)));
  }
  EXPECT_EQ(Control("GET", "/Agents").Header("x-total-count"), "0");
}

TEST_F(RegisterTest, SecretSpeaksOnlyForAgentsItEnrolled) {
  // Given an agent enrolled with secret a, secret b cannot register as it; a random id and a
  // certificate of no agent are refused too.
  Secret a = CreateSecret("a");
  Secret b = CreateSecret("b");
  auto [id, der] = Enroll(a, "web01");
  Answer answer = Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {Basic(b)});
  EXPECT_EQ(answer.body["Result"]["Error"]["CodeString"], "A0110003");
  answer = Agent(kRegister, RegisterBody(NewGuid(), "web01", std::nullopt), {Basic(a)});
  EXPECT_EQ(answer.body["Result"]["Error"]["CodeString"], "A0110003");
  answer = Agent(kRegister, RegisterBody(id, "web01", std::nullopt), {Basic(a)});
  EXPECT_EQ(answer.body["Result"]["Status"], 1) << answer.raw;
  ASSERT_EQ(Control("POST", "/Agents/Reset", json::array({id}).dump()).status, 204);
  answer = Agent(kRegister, RegisterBody("", "web01", std::nullopt), {}, der);
  EXPECT_EQ(answer.body["Result"]["Error"]["CodeString"], "A0110003");
}

TEST_F(RegisterTest, ProxiedCertificateCountsOnlyFromTrustedProxies) {
  // Given X-ARR-ClientCert with an agent's certificate, it authenticates when the peer is a
  // trusted proxy and is ignored from anyone else.
  Secret secret = CreateSecret("bootstrap");
  auto [id, der] = Enroll(secret, "web01");
  AgentSettings settings;
  settings.trusted_proxies = {"10.0.0.5"};
  Configure(settings);
  const std::pair<std::string, std::string> header{"x-arr-clientcert", pki::Base64Encode(der)};
  Answer answer =
      Agent(kRegister, RegisterBody("", "web01", std::nullopt), {header}, "", "10.0.0.5");
  EXPECT_EQ(answer.body["Session"]["AgentId"], id) << answer.raw;
  answer = Agent(kRegister, RegisterBody("", "web01", std::nullopt), {header}, "", "10.0.0.6");
  EXPECT_EQ(answer.status, 401);
}

TEST_F(RegisterTest, MalformedBodiesAreFieldErrors) {
  // Given a body that is not JSON and one without ClientMachine, the answers are 400
  // JSON_FORMAT_ERROR and FIELD_ERROR naming the member.
  Secret secret = CreateSecret("bootstrap");
  Answer answer = Agent(kRegister, json("{not json"), {Basic(secret)});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["errorCode"], "JSON_FORMAT_ERROR");
  json body = RegisterBody("", "web01", std::nullopt);
  body.erase("ClientMachine");
  answer = Agent(kRegister, body, {Basic(secret)});
  EXPECT_EQ(answer.body["errorCode"], "FIELD_ERROR");
  EXPECT_EQ(answer.body["errorDetails"]["field"], "ClientMachine");
  // Member names match without regard to case.
  json lower = {{"agentid", ""}, {"clientmachine", "web02"}};
  EXPECT_EQ(Agent(kRegister, lower, {Basic(secret)}).body["Result"]["Status"], 1);
}

}  // namespace
}  // namespace orch::api
