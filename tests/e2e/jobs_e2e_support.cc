#include "tests/e2e/jobs_e2e_support.h"

#include "jobs/url.h"
#include "pki/base64.h"

namespace orch::e2e {

std::string UrlEncode(const std::string& text) {
  return jobs::PercentEncode(text);
}

HttpReply JsonClient::Call(const std::string& method, const std::string& target,
                           const nlohmann::json& body) {
  StatusOr<UnixClient> client = orchd_.Connect();
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  if (!client.ok()) return HttpReply{};
  StatusOr<HttpReply> reply =
      client->Request(method, target, body.is_null() ? "" : body.dump(),
                      body.is_null() ? std::vector<std::string>{}
                                     : std::vector<std::string>{"Content-Type: application/json"});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? *reply : HttpReply{};
}

HttpReply JsonClient::Import(const std::string& bytes, const std::string& password) {
  nlohmann::json body = {{"Certificate", pki::Base64Encode(bytes)}};
  if (!password.empty()) body["Password"] = password;
  return Call("POST", "/Certificates/Import", body);
}

std::string JsonClient::CreateStore(const nlohmann::json& body) {
  HttpReply reply = Call("POST", "/CertificateStores", body);
  EXPECT_EQ(reply.status, 200) << reply.body;
  return reply.Json().value("Id", "");
}

HttpReply JsonClient::ScheduledJobs(const std::string& query_string) {
  return Call("GET",
              "/OrchestratorJobs/ScheduledJobs" + (query_string.empty() ? "" : "?" + query_string));
}

nlohmann::json PemStoreBody(const std::string& machine) {
  return {{"ClientMachine", machine},
          {"Storepath", "/etc/ssl/" + machine + ".pem"},
          {"CertStoreType", 2},
          {"AgentPoolId", "00000000-0000-0000-0000-000000000000"},
          {"Properties", {{"separatePrivateKey", false}}}};
}

void ExpectError(const HttpReply& reply, int status, const std::string& code,
                 const std::string& field) {
  EXPECT_EQ(reply.status, status) << reply.body;
  nlohmann::json body = reply.Json();
  EXPECT_EQ(body.value("errorCode", ""), code) << reply.body;
  EXPECT_FALSE(body.value("errorMessage", "").empty()) << reply.body;
  if (!field.empty() && body.contains("errorDetails")) {
    EXPECT_EQ(body["errorDetails"].value("field", ""), field) << reply.body;
  }
}

}  // namespace orch::e2e
