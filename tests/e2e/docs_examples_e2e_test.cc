// End-to-end: every example of the API reference (docs/api.md) runs against a live orchd, so the
// reference cannot drift from the daemon.
//
// Finding them (docs_examples.h): each ```json or ```sh block of docs/api.md carries a marker on
// the line before it, an HTML comment that the rendered Markdown does not show:
//   <!-- example: POST /CertificateStores -->          a request body (```json) or a curl line
//   <!-- example: POST /OrchestratorJobs/Unschedule 204 -->   ... with the status it expects
//   <!-- answer: POST /CertificateStores 200 -->        the answer of the request right before
//   <!-- answer: GET /OrchestratorJobs/JobHistory 200 row -->  one row of a list, fetched here
// A fenced block without a marker (```yaml and ```text aside), an unknown marker, a curl option
// the test cannot send and a placeholder it has no value for are failures: nothing is skipped
// silently.
//
// Running them: one orchd, examples in document order, each seeing what the ones before it
// made. Examples below "# Agent API" go to the agent listener over TLS; Session/Register uses
// the access token of the exchange example before it, the other agent calls only their session
// token. Before the examples the test makes what they refer to and no example creates: an
// approved agent (documented as 4afb3320-...), the certificate (without its key, which the
// Import example adds), and three runs completed with Success, Warning and Failure (the
// Acknowledge example's 18 and 19); before the Poll example it adds a job due now for the agent
// that the Register example enrolled.
//
// Ids: a documented GUID, `secret` or integer `...Id` member of an answer stands for the value
// at the same place of the real answer from then on (the store's "b249bc40-..." for the GUID
// orchd gave it), and requests carry the real values. Placeholders such as
// "<base64 DER PKCS#10 or null>" are filled from a table of test values.
//
// Checking them (docs_answers.h): a request must answer the expected status; an answer must have
// exactly the documented members, each of the documented JSON type (placeholders match anything).
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/e2e/agents_e2e_support.h"
#include "tests/e2e/docs_answers.h"
#include "tests/e2e/docs_examples.h"
#include "tests/e2e/openapi_document.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

namespace certs = pki::testing;
using docs::Example;
using ::testing::HasSubstr;
using testing::TlsReply;

constexpr char kDocumentedAgent[] = "4afb3320-4149-40f0-8368-ab4e50519e39";
constexpr char kDefaultPool[] = "00000000-0000-0000-0000-000000000000";
constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kExchange[] = "/api/v2/agent/secrets/exchange";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";
constexpr char kConfiguration[] = "/KeyfactorAgents/Management/Configuration";
constexpr char kComplete[] = "/KeyfactorAgents/Management/Complete";
constexpr char kPkcs12Password[] = "p12-password";

// One answer as the test saw it.
struct Answer {
  int status = 0;
  std::string body;
};

std::string PathOf(const std::string& target) {
  return target.substr(0, target.find('?'));
}

std::string Describe(const Example& example) {
  return "docs/api.md:" + std::to_string(example.line) + " " +
         (example.kind == Example::Kind::kRequest ? "example " : "answer ") + example.method + " " +
         example.target;
}

class DocsExamplesE2E : public AgentsE2E {
 protected:
  void SetUp() override {
    // Agents of the secret "bootstrap" (the secrets example) start Approved; a failure is final.
    StartOrchd("  auto_approve:\n    - secret: bootstrap\n", "scheduler:\n  max_attempts: 1\n");
    ASSERT_NO_FATAL_FAILURE(EnrollTheDocumentedAgent());
    ASSERT_NO_FATAL_FAILURE(CompleteThreeRuns());
    subs_.SetString("<base64 of a PEM, DER or PKCS#12 file>",
                    pki::Base64Encode(certs::MakePkcs12(
                        certs::EcChain().leaf, {&certs::EcChain().issuing, &certs::EcChain().root},
                        kPkcs12Password)));
    subs_.SetString("<for a PKCS#12 or an encrypted PEM key>", kPkcs12Password);
    subs_.SetString("<base64 DER PKCS#10 or null>", pki::Base64Encode(NewKeyAndCsr().csr_der));
    prepare_["POST " + std::string(kPoll)] = [this] { AddJobDueNowForTheDefaultPool(); };
  }

  // The agent the control examples name: enrolled, approved, with a session for its runs.
  void EnrollTheDocumentedAgent() {
    const json capabilities = {"CertStores.PEM.Management", "SSL.Discovery", "SSL.Monitoring"};
    AgentCredential credential;
    agent_id_ = EnrollAgent(CreateSecret("fleet"), "web01.example.com", &credential, capabilities);
    ASSERT_EQ(agent_id_.size(), 36u);
    ASSERT_EQ(Control("POST", "/Agents/Approve", json{agent_id_}.dump()).first, 204);
    json body =
        RegisterBody(agent_id_, "web01.example.com", std::nullopt, "registration-enroll-stores");
    body["Capabilities"] = capabilities;
    ASSERT_OK_AND_ASSIGN(TlsReply reply, AgentPost(kRegister, body, {}, &credential));
    json answer = json::parse(reply.body, nullptr, false);
    ASSERT_EQ(answer["Result"]["Status"], 1) << reply.body;
    agent_token_ = answer["Session"]["Token"];
    subs_.SetString(kDocumentedAgent, agent_id_);
  }

  // Three runs of the agent, completed with Success, Warning and Failure, for the history.
  void CompleteThreeRuns() {
    // The leaf and its chain, without the key: the Import example adds the key.
    const certs::TestChain& chain = certs::EcChain();
    const std::string pem = chain.leaf.cert_pem + chain.issuing.cert_pem + chain.root.cert_pem;
    auto [imported, certificate] = Control("POST", "/Certificates/Import",
                                           json{{"Certificate", pki::Base64Encode(pem)}}.dump());
    ASSERT_EQ(imported, 200) << certificate.dump();
    certificate_id_ = certificate["Id"];
    json store = {{"ClientMachine", "web01.example.com"},
                  {"Storepath", "/etc/ssl/old.pem"},
                  {"CertStoreType", 2},
                  {"AgentId", agent_id_}};
    auto [created, store_json] = Control("POST", "/CertificateStores", store.dump());
    ASSERT_EQ(created, 200) << store_json.dump();
    for (int i = 0; i < 3; ++i) {
      json add = {{"CertificateId", certificate_id_},
                  {"CertificateStores", {{{"CertificateStoreId", store_json["Id"]}}}},
                  {"Schedule", {{"ExactlyOnce", {{"Time", "2026-01-01T00:00:00Z"}}}}}};
      auto [added, ids] = Control("POST", "/CertificateStores/Certificates/Add", add.dump());
      ASSERT_EQ(added, 200) << ids.dump();
    }
    std::vector<std::string> jobs;
    for (int poll = 0; poll < 10 && jobs.size() < 3; ++poll) {
      json answer = AgentCall(kPoll, {{"SessionToken", agent_token_}, {"WaitSeconds", 5}});
      for (const json& job : answer["Jobs"]) jobs.push_back(job["JobId"]);
    }
    ASSERT_EQ(jobs.size(), 3u);
    std::vector<int64_t> audits;
    for (size_t i = 0; i < jobs.size(); ++i) {
      json config = AgentCall(kConfiguration, {{"SessionToken", agent_token_}, {"JobId", jobs[i]}});
      ASSERT_TRUE(config["AuditId"].is_number_integer()) << config.dump();
      audits.push_back(config["AuditId"]);
      json done = AgentCall(kComplete, {{"SessionToken", agent_token_},
                                        {"JobId", jobs[i]},
                                        {"AuditId", audits.back()},
                                        {"Status", 2 + i},
                                        {"Message", i == 0 ? "" : "see the agent's log"}});
      ASSERT_EQ(done["Result"]["Status"], 1) << done.dump();
    }
    subs_.SetNumber(18, audits[1]);  // Warning
    subs_.SetNumber(19, audits[2]);  // Failure
  }

  // A job due now on a store of the Default Agent Pool, for the agent of the Register example.
  void AddJobDueNowForTheDefaultPool() {
    json store = {{"ClientMachine", "web01.example.com"},
                  {"Storepath", "/etc/ssl/web.pem"},
                  {"CertStoreType", 2},
                  {"AgentPoolId", kDefaultPool},
                  {"Properties", {{"separatePrivateKey", false}}}};
    auto [created, store_json] = Control("POST", "/CertificateStores", store.dump());
    ASSERT_EQ(created, 200) << store_json.dump();
    json add = {
        {"CertificateId", certificate_id_},
        {"CertificateStores", {{{"CertificateStoreId", store_json["Id"]}, {"Alias", "web"}}}},
        {"Schedule", {{"Immediate", true}}}};
    auto [added, ids] = Control("POST", "/CertificateStores/Certificates/Add", add.dump());
    ASSERT_EQ(added, 200) << ids.dump();
  }

  // One agent call with its session token only; the parsed answer.
  json AgentCall(const std::string& path, const json& body) {
    StatusOr<TlsReply> reply = AgentPost(path, body);
    EXPECT_OK(reply);
    return reply.ok() ? json::parse(reply->body, nullptr, false) : json();
  }

  // Sends one call of `example` as the documentation writes it, with the real values.
  Answer Send(const Example& example, const std::string& method, const std::string& target,
              const std::string& body, std::vector<std::string> headers) {
    if (example.agent_listener) {
      if (method != "POST") {
        ADD_FAILURE() << "the agent listener takes POST only";
        return {};
      }
      if (PathOf(target) == kRegister) {
        if (access_token_.empty()) ADD_FAILURE() << "no exchange example before the Register one";
        headers.push_back("Authorization: Bearer " + access_token_);
      }
      StatusOr<TlsReply> reply = AgentPostRaw(target, body, headers);
      EXPECT_OK(reply);
      return reply.ok() ? Answer{reply->status, reply->body} : Answer{};
    }
    StatusOr<UnixClient> client = orchd_.Connect();
    EXPECT_OK(client);
    if (!client.ok()) return {};
    if (example.stream) return StreamHead(*client, target);
    StatusOr<HttpReply> reply = client->Request(method, target, body, headers);
    EXPECT_OK(reply);
    return reply.ok() ? Answer{reply->status, reply->body} : Answer{};
  }

  // curl -N: the answer streams for as long as the client stays; its head is what is checked.
  Answer StreamHead(UnixClient& client, const std::string& target) {
    EXPECT_OK(client.SendRaw("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    StatusOr<std::string> head = client.ReadUntil("\r\n\r\n");
    EXPECT_OK(head);
    if (!head.ok() || head->size() < 12) return {};
    return {std::atoi(head->substr(9, 3).c_str()), *head};
  }

  void RunRequest(const Example& example) {
    last_.reset();
    if (auto hook = prepare_.find(example.method + " " + example.target); hook != prepare_.end()) {
      ASSERT_NO_FATAL_FAILURE(hook->second());
    }
    std::string body = example.request_body;
    std::vector<std::string> problems;
    json parsed = json::parse(body, nullptr, false);
    if (!body.empty() && !parsed.is_discarded()) body = subs_.Apply(parsed, &problems).dump();
    for (const std::string& problem : problems) ADD_FAILURE() << problem;
    if (!problems.empty()) return;
    Answer answer = Send(example, example.method, subs_.ApplyToTarget(example.request_target), body,
                         example.request_headers);
    EXPECT_EQ(answer.status, example.status) << answer.body;
    CheckAgainstOpenApi(example, example.method, PathOf(example.request_target), answer);
    if (answer.status != example.status) return;
    if (example.agent_listener && PathOf(example.request_target) == kExchange) {
      access_token_ = json::parse(answer.body, nullptr, false).value("access_token", "");
    }
    last_ = answer;
  }

  void RunAnswer(const Example& example) {
    Answer real;
    if (example.paired) {
      if (!last_) {
        ADD_FAILURE() << "its request example did not run as documented";
        return;
      }
      real = *last_;
    } else {
      const std::string target = subs_.ApplyToTarget(example.target);
      real = Send(example, "GET", target, "", {});
      EXPECT_EQ(real.status, example.status) << real.body;
      CheckAgainstOpenApi(example, "GET", PathOf(target), real);
    }
    const json documented = json::parse(example.text);
    const json answer = json::parse(real.body, nullptr, false);
    if (answer.is_discarded()) {
      ADD_FAILURE() << "the real answer is not JSON: " << real.body;
      return;
    }
    std::vector<docs::Difference> differences = example.row
                                                    ? docs::CompareRows(documented, answer)
                                                    : docs::CompareAnswer(documented, answer);
    for (const docs::Difference& difference : differences) ADD_FAILURE() << difference.text;
    if (!example.row) subs_.Learn(documented, answer);
  }

  // Every real answer is also one that docs/openapi.yaml documents for its call.
  static void CheckAgainstOpenApi(const Example& example, const std::string& method, const std::string& path,
                                  const Answer& answer) {
    if (example.stream) return;  // the head of a stream, not an answer body
    const json* operation = openapi::FindOperation(method, path, example.agent_listener);
    if (operation == nullptr) {
      ADD_FAILURE() << "docs/openapi.yaml documents no " << method << " " << path;
      return;
    }
    for (const std::string& fault : openapi::CheckAnswer(*operation, answer.status, answer.body)) {
      ADD_FAILURE() << "docs/openapi.yaml, " << method << " " << path << ": " << fault;
    }
  }

  void Run(const Example& example) {
    SCOPED_TRACE(Describe(example));
    if (example.kind == Example::Kind::kRequest) {
      RunRequest(example);
    } else {
      RunAnswer(example);
    }
  }

  std::string agent_id_;
  std::string agent_token_;
  int64_t certificate_id_ = 0;
  docs::Substitutions subs_;
  std::map<std::string, std::function<void()>> prepare_;
  std::optional<Answer> last_;
  std::string access_token_;
};

TEST_F(DocsExamplesE2E, EveryExampleOfTheApiReferenceRunsAsDocumented) {
  // Given the API reference and a live orchd with the agent, certificate and runs the examples
  // name, every request example answers its status and every answer example its members.
  const std::string markdown = ReadFile(SourceDir() + "/docs/api.md");
  ASSERT_FALSE(markdown.empty()) << SourceDir() + "/docs/api.md";
  docs::ParsedExamples parsed = docs::ParseExamples(markdown);
  for (const std::string& problem : parsed.problems) ADD_FAILURE() << "docs/api.md " << problem;
  size_t requests = 0;
  size_t agent_calls = 0;
  for (const Example& example : parsed.examples) {
    requests += example.kind == Example::Kind::kRequest;
    agent_calls += example.agent_listener;
    Run(example);
  }
  // A marker syntax that stopped matching would otherwise let the test pass on nothing.
  EXPECT_GE(requests, 20u);
  EXPECT_GE(agent_calls, 10u);
}

TEST(DocsExamples, MarkersNameEachBlockAndUnmarkedOrUnknownOnesFail) {
  // Given a page with a marked request and answer, an unmarked JSON block, a misspelt marker,
  // a curl option the test cannot send and an answer of a POST without its request, the
  // examples are found and each of the others is a problem naming its line.
  const std::string page =
      "<!-- example: POST /CertificateStoreContainers -->\n"
      "```json\n{\"Name\": \"Web\"}\n```\n\n"
      "<!-- answer: POST /CertificateStoreContainers 200 -->\n"
      "```json\n{\"Id\": 1, \"Name\": \"Web\"}\n```\n"
      "```json\n{\"unmarked\": true}\n```\n"
      "<!-- exmaple: GET /Status -->\n"
      "<!-- example: GET /Status -->\n"
      "```sh\ncurl --unix-socket s --compressed http://localhost/Status\n```\n"
      "<!-- answer: POST /Agents/Reset 204 -->\n"
      "```json\n{}\n```\n";
  docs::ParsedExamples parsed = docs::ParseExamples(page);
  ASSERT_EQ(parsed.examples.size(), 3u);
  EXPECT_EQ(parsed.examples[0].status, 200);
  EXPECT_TRUE(parsed.examples[1].paired);
  EXPECT_THAT(parsed.problems,
              ::testing::ElementsAre(HasSubstr("line 10: a ```json block without"),
                                     HasSubstr("line 13: unknown marker \"exmaple\""),
                                     HasSubstr("line 14: the test does not know the curl "
                                               "argument \"--compressed\""),
                                     HasSubstr("line 18: the answer of POST /Agents/Reset")));
}

TEST(DocsExamples, CurlLinesReadAsTheShellWouldPassThem) {
  // Given a curl line with continuations, -G and --data-urlencode, the request is a GET whose
  // query values are encoded; -d makes a POST with curl's default form content type.
  ASSERT_OK_AND_ASSIGN(
      docs::CurlCommand get,
      docs::ParseCurl("curl --unix-socket ./var/orchd.sock -G http://localhost/Agents \\\n"
                      "  --data-urlencode 'pq.queryString=Status -eq \"New\"'\n"));
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.target, "/Agents?pq.queryString=Status%20-eq%20%22New%22");
  EXPECT_TRUE(get.unix_socket);
  ASSERT_OK_AND_ASSIGN(docs::CurlCommand post,
                       docs::ParseCurl("curl --unix-socket s http://localhost/Agents/Approve "
                                       "-d '[\"a\"]'"));
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.body, "[\"a\"]");
  EXPECT_THAT(post.headers,
              ::testing::ElementsAre("Content-Type: application/x-www-form-urlencoded"));
}

TEST(DocsExamples, AnswersDifferInMembersAndTypesButNotInPlaceholders) {
  // Given a documented answer, a real one lacking a member, adding one, and answering a string
  // for a number, each is a difference; placeholders and values of the same type are not.
  const json documented = json::parse(
      R"({"Id": 1, "Name": "Web", "Token": "<guid>", "Jobs": [{"JobId": "x"}], "Error": null})");
  EXPECT_TRUE(docs::CompareAnswer(documented, json::parse(R"({"Id": 7, "Name": "Db",
      "Token": null, "Jobs": [{"JobId": "y"}, {"JobId": "z"}], "Error": null})"))
                  .empty());
  std::vector<docs::Difference> differences = docs::CompareAnswer(
      documented,
      json::parse(R"({"Id": "7", "Token": 1, "Jobs": [{"JobId": "y", "Extra": 1}], "Error": null,
                    "Added": true})"));
  std::vector<std::string> texts;
  texts.reserve(differences.size());
  for (const docs::Difference& difference : differences) texts.push_back(difference.text);
  EXPECT_THAT(texts, ::testing::UnorderedElementsAre(
                         HasSubstr("Id is an integer in the example but a string"),
                         HasSubstr("Name is documented but not answered"),
                         HasSubstr("Jobs[0].Extra is answered"), HasSubstr("Added is answered")));
  EXPECT_FALSE(docs::CompareAnswer(documented["Jobs"], json::array()).empty());
}

TEST(DocsExamples, IdsOfAnswersStandForTheRealOnesInLaterRequests) {
  // Given a documented answer with a GUID and an AuditId, later requests and targets carry the
  // real values; a placeholder with no value is a problem.
  docs::Substitutions subs;
  subs.Learn(json::parse(R"({"Id": "b249bc40-28e6-43b2-b369-0ddb6bbe3d7c", "AuditId": 17})"),
             json::parse(R"({"Id": "11111111-2222-4333-8444-555555555555", "AuditId": 3})"));
  std::vector<std::string> problems;
  json request =
      subs.Apply(json::parse(R"({"StoreId": "b249bc40-28e6-43b2-b369-0ddb6bbe3d7c", "AuditId": 17,
                      "Status": 17, "CSR": "<base64>"})"),
                 &problems);
  EXPECT_EQ(request["StoreId"], "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(request["AuditId"], 3);
  EXPECT_EQ(request["Status"], 17);
  EXPECT_THAT(problems, ::testing::ElementsAre(HasSubstr("\"<base64>\"")));
  EXPECT_EQ(subs.ApplyToTarget("/CertificateStores/b249bc40-28e6-43b2-b369-0ddb6bbe3d7c"),
            "/CertificateStores/11111111-2222-4333-8444-555555555555");
}

}  // namespace
}  // namespace orch::e2e
