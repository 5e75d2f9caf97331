#include "tests/e2e/agents_e2e_support.h"

#include <signal.h>

#include "pki/base64.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

std::string Yaml(const OrchdFixture& orchd, bool tls, const std::string& agents_extra,
                 const std::string& top_extra, const std::string& control_extra,
                 const std::string& listen = "127.0.0.1:0") {
  return "state_dir: " + orchd.dir().path() +
         "\n"
         "logging:\n"
         "  level: debug\n"
         "agents:\n"
         "  listen: \"" +
         listen + "\"\n" + (tls ? "  tls:\n    names: [localhost, 127.0.0.1]\n" : "  tls: off\n") +
         agents_extra + top_extra +
         "control:\n"
         "  socket: " +
         orchd.socket_path() + "\n" + control_extra;
}

}  // namespace

void AgentsHarness::StartOrchd(const std::string& agents_extra, const std::string& top_extra,
                               const std::string& listen) {
  WriteFile(orchd_.config_path(),
            Yaml(orchd_, agent_tls_, agents_extra, top_extra, control_extra_, listen));
  ASSERT_OK(orchd_.Start());
  auto [status, body] = Control("GET", "/Status");
  ASSERT_EQ(status, 200);
  ASSERT_EQ(body["AgentListener"]["Tls"], agent_tls_) << body.dump();
  agent_port_ = body["AgentListener"]["Port"].get<uint16_t>();
  ASSERT_NE(agent_port_, 0);
}

void AgentsHarness::Reload(const std::string& agents_extra, const std::string& top_extra) {
  WriteFile(orchd_.config_path(),
            Yaml(orchd_, agent_tls_, agents_extra, top_extra, control_extra_));
  orchd_.process().Signal(SIGHUP);
  ASSERT_TRUE(orchd_.notify().WaitFor("configuration reloaded")) << orchd_.process().Log();
}

std::pair<int, json> AgentsHarness::Control(const std::string& method, const std::string& target,
                                            const std::string& body) {
  StatusOr<UnixClient> client = orchd_.Connect();
  EXPECT_OK(client);
  if (!client.ok()) return {0, nullptr};
  StatusOr<HttpReply> reply = client->Request(method, target, body);
  EXPECT_OK(reply);
  if (!reply.ok()) return {0, nullptr};
  return {reply->status, reply->Json()};
}

void AgentsHarness::CreatePoolTargets(const std::string& cert_der, int stores) {
  auto [imported, cert] = Control("POST", "/Certificates/Import",
                                  json{{"Certificate", pki::Base64Encode(cert_der)}}.dump());
  ASSERT_EQ(imported, 200) << cert.dump();
  certificate_id_ = cert["Id"];
  for (int i = 0; i < stores; ++i) {
    json store = {{"ClientMachine", "host" + std::to_string(i)},
                  {"Storepath", "/etc/ssl/s.pem"},
                  {"CertStoreType", 2},
                  {"AgentPoolId", "00000000-0000-0000-0000-000000000000"}};
    auto [created, answer] = Control("POST", "/CertificateStores", store.dump());
    ASSERT_EQ(created, 200) << answer.dump();
    stores_.push_back(answer["Id"]);
  }
}

std::string AgentsHarness::TotalCount(const std::string& target) {
  StatusOr<UnixClient> client = orchd_.Connect();
  if (!client.ok()) return "";
  StatusOr<HttpReply> reply = client->Request("GET", target);
  return reply.ok() ? reply->headers["x-total-count"] : "";
}

StatusOr<testing::TlsClient> AgentsHarness::AgentConnection(const AgentCredential* credential) {
  testing::TlsClientOptions options;
  options.tls = agent_tls_;
  options.ca_file = CaFile();
  if (credential != nullptr) {
    options.cert_file = credential->cert_file;
    options.key_file = credential->key_file;
  }
  return testing::TlsClient::Connect("127.0.0.1", agent_port_, options);
}

StatusOr<testing::TlsReply> AgentsHarness::AgentPost(const std::string& path, const json& body,
                                                     const std::vector<std::string>& headers,
                                                     const AgentCredential* credential) {
  return AgentPostRaw(path, body.dump(), headers, credential);
}

StatusOr<testing::TlsReply> AgentsHarness::AgentPostRaw(const std::string& path,
                                                        const std::string& body,
                                                        const std::vector<std::string>& headers,
                                                        const AgentCredential* credential) {
  ORCH_ASSIGN_OR_RETURN(testing::TlsClient client, AgentConnection(credential));
  return client.Request("POST", path, body, headers);
}

std::pair<std::string, std::string> AgentsHarness::CreateSecret(const std::string& name) {
  auto [status, body] = Control("POST", "/api/v2/agent/secrets", json{{"name", name}}.dump());
  EXPECT_EQ(status, 201) << body.dump();
  return {body.value("name", ""), body.value("secret", "")};
}

KeyAndCsr AgentsHarness::NewKeyAndCsr(pki::testing::TestKeyType type) {
  KeyAndCsr out{pki::testing::GenerateTestKey(type), ""};
  out.csr_der = pki::testing::MakeCsrDer(out.key, "agent");
  return out;
}

json AgentsHarness::RegisterBody(const std::string& agent_id, const std::string& machine,
                                 const std::optional<std::string>& csr_der,
                                 const std::string& registration_request) {
  json parameters = json::object();
  if (!registration_request.empty()) parameters["RegistrationRequest"] = registration_request;
  return {{"AgentId", agent_id},
          {"ClientMachine", machine},
          {"AgentPlatform", 7},
          {"AgentVersion", (uint64_t{10} << 48) | (uint64_t{4} << 32)},
          {"Capabilities", {"CertStores.PEM.Management"}},
          {"ClientParameters", parameters},
          {"CSR", csr_der ? json(pki::Base64Encode(*csr_der)) : json(nullptr)},
          {"TenantId", "00000000-0000-0000-0000-000000000000"}};
}

AgentCredential AgentsHarness::SaveCredential(const json& answer, const pki::testing::TestKey& key,
                                              const std::string& name) {
  AgentCredential credential;
  const json& cert = answer["Session"]["Certificate"];
  EXPECT_TRUE(cert.is_string()) << answer.dump();
  if (!cert.is_string()) return credential;
  StatusOr<std::string> der = pki::Base64Decode(cert.get<std::string>());
  EXPECT_OK(der);
  credential.cert_der = der.ok() ? *der : "";
  credential.cert_file = orchd_.dir().File(name + ".crt");
  credential.key_file = orchd_.dir().File(name + ".key");
  WriteFile(credential.cert_file, pki::testing::DerToPem(credential.cert_der, "CERTIFICATE"));
  WriteFile(credential.key_file, key.pkcs8_pem);
  return credential;
}

std::string AgentsHarness::EnrollAgent(const std::pair<std::string, std::string>& secret,
                                       const std::string& machine, AgentCredential* credential,
                                       const json& capabilities) {
  KeyAndCsr enrollment = NewKeyAndCsr();
  json body = RegisterBody("", machine, enrollment.csr_der);
  if (!capabilities.empty()) body["Capabilities"] = capabilities;
  StatusOr<testing::TlsReply> reply =
      AgentPost("/KeyfactorAgents/Session/Register", body,
                {testing::BasicAuthHeader(secret.first, secret.second)});
  EXPECT_OK(reply);
  if (!reply.ok()) return "";
  json answer = json::parse(reply->body, nullptr, false);
  EXPECT_EQ(answer["Result"]["Status"], 1) << reply->body;
  if (credential != nullptr) *credential = SaveCredential(answer, enrollment.key, machine);
  return answer["Session"].value("AgentId", "");
}

std::string AgentsHarness::OpenSession(const EnrolledAgent& agent) {
  StatusOr<testing::TlsReply> reply =
      AgentPost("/KeyfactorAgents/Session/Register",
                RegisterBody(agent.id, agent.machine, std::nullopt), {}, &agent.credential);
  if (!reply.ok()) return "";
  const json answer = json::parse(reply->body, nullptr, false);
  if (!answer.is_object() || answer["Result"]["Status"] != 1) return "";
  return answer["Session"].value("Token", "");
}

json AgentsHarness::GetAgent(const std::string& id) {
  return Control("GET", "/Agents/" + id).second;
}

int AgentsHarness::OpensslVerify(const std::string& cert_file, std::string* output) {
  const std::string log = cert_file + ".verify.log";
  StatusOr<Process> verify =
      Process::Start({"/usr/bin/openssl", "verify", "-CAfile", CaFile(), cert_file}, {}, log);
  EXPECT_OK(verify);
  if (!verify.ok()) return -1;
  std::optional<int> code = verify->WaitExit();
  *output = verify->Log();
  return code.value_or(-1);
}

}  // namespace orch::e2e
