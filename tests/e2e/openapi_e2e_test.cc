// docs/openapi.yaml checked against the code both ways: every route the control and agent
// routers register is documented and every documented path and method is registered; every
// example validates against its schema; and the control request examples, sent to a live
// orchd, are answered with a documented status and a body that validates.
#include <algorithm>
#include <cctype>
#include <functional>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "api/agent/agent_api.h"
#include "api/control/control_api.h"
#include "api/router.h"
#include "common/clock.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/json_schema.h"
#include "tests/e2e/openapi_document.h"

namespace orch::e2e {
namespace {

using nlohmann::json;

const std::vector<std::string> kMethods = {"get", "put", "post", "delete", "patch", "head", "options"};

using openapi::Document;
using openapi::Resolved;

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

// "control GET /Agents/{id}" for every route of both listeners, from the routers themselves.
std::set<std::string> RegisteredRoutes() {
  SystemClock clock;
  api::ControlDeps deps;
  deps.clock = &clock;
  api::Router control(api::ControlRouterPrefixes());
  api::RegisterControlRoutes(control, deps);
  api::AgentApi::Context context;
  api::Router agent;
  api::RegisterAgentApiRoutes(agent, context);
  std::set<std::string> out;
  for (const auto& route : control.Routes()) out.insert("control " + route.method + " " + route.pattern);
  for (const auto& route : agent.Routes()) out.insert("agent " + route.method + " " + route.pattern);
  return out;
}

// The same form for every path and method of the document.
std::set<std::string> DocumentedRoutes() {
  std::set<std::string> out;
  for (const auto& [path, item] : Document()["paths"].items()) {
    const std::string listener = item.value("x-orchd-listener", "(no x-orchd-listener)");
    for (const std::string& method : kMethods) {
      if (item.contains(method)) out.insert(listener + " " + Upper(method) + " " + path);
    }
  }
  return out;
}

std::vector<std::string> Minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

struct Operation {
  std::string path;
  std::string method;  // lower case, as the document writes it
  const json* body;
};

std::vector<Operation> Operations() {
  std::vector<Operation> out;
  for (const auto& [path, item] : Document()["paths"].items()) {
    for (const std::string& method : kMethods) {
      if (item.contains(method)) out.push_back({path, method, &item[method]});
    }
  }
  return out;
}

TEST(OpenApi, EveryRegisteredRouteIsDocumentedAndNothingElse) {
  // Given the routers built as orchd builds them, the document lists exactly their routes.
  const std::set<std::string> registered = RegisteredRoutes();
  const std::set<std::string> documented = DocumentedRoutes();
  ASSERT_GE(registered.size(), 40u);
  for (const std::string& route : Minus(registered, documented)) ADD_FAILURE() << "not documented: " << route;
  for (const std::string& route : Minus(documented, registered)) ADD_FAILURE() << "not registered: " << route;
}

TEST(OpenApi, ControlPathsAreAlsoServedUnderKeyfactorApiAndTheDocumentSaysSo) {
  // Given the control router's prefixes, the document's description names each one.
  const std::vector<std::string> prefixes = api::ControlRouterPrefixes();
  ASSERT_EQ(prefixes, std::vector<std::string>{"/KeyfactorAPI"});
  const std::string description = Document()["info"]["description"];
  for (const std::string& prefix : prefixes) EXPECT_NE(description.find(prefix), std::string::npos) << prefix;
  EXPECT_TRUE(api::Router().prefixes().empty());
}

TEST(OpenApi, EveryRefResolvesAndEveryErrorIsAnErrorBody) {
  // Given every operation, its errors are ErrorBody answers and every $ref names something.
  std::vector<std::string> refs;
  std::function<void(const json&)> collect = [&](const json& node) {
    if (node.is_object() && node.contains("$ref") && node["$ref"].is_string()) refs.push_back(node["$ref"]);
    if (node.is_structured()) {
      for (const auto& child : node) collect(child);
    }
  };
  collect(Document());
  ASSERT_GT(refs.size(), 50u);
  for (const std::string& ref : refs) {
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
    EXPECT_TRUE(Document().contains(json::json_pointer(ref.substr(1)))) << ref;
  }
  const json error_ref = {{"$ref", "#/components/schemas/ErrorBody"}};
  for (const Operation& op : Operations()) {
    const std::string name = Upper(op.method) + " " + op.path;
    ASSERT_TRUE(op.body->contains("responses")) << name;
    EXPECT_TRUE((*op.body)["responses"].contains("default")) << name << ": no default error answer";
    for (const auto& [code, response] : (*op.body)["responses"].items()) {
      if (code != "default" && std::stoi(code) < 400) continue;
      // An unhealthy store is still answered with the Status body (docs/api.md, GET /Status).
      if (name == "GET /Status" && code == "503") continue;
      EXPECT_EQ(Resolved(response)["content"]["application/json"]["schema"], error_ref) << name << " " << code;
    }
  }
}

TEST(OpenApi, EveryExampleValidatesAgainstItsSchema) {
  // Given every example of a request, an answer or a parameter, it validates against its schema.
  int examples = 0;
  auto check_media = [&](const json& media, const std::string& where) {
    if (!media.contains("examples")) return;
    for (const auto& [name, example] : media["examples"].items()) {
      ++examples;
      for (const std::string& fault : schema::Validate(example["value"], media["schema"], Document())) {
        ADD_FAILURE() << where << " example " << name << ": " << fault;
      }
    }
  };
  for (const Operation& op : Operations()) {
    const std::string name = Upper(op.method) + " " + op.path;
    if (op.body->contains("requestBody")) {
      for (const auto& [type, media] : (*op.body)["requestBody"]["content"].items()) {
        check_media(media, name + " request " + type);
      }
    }
    for (const auto& [code, response] : (*op.body)["responses"].items()) {
      const json content = Resolved(response).value("content", json::object());
      for (const auto& [type, media] : content.items()) {
        check_media(media, name + " " + code + " " + type);
      }
    }
  }
  for (const auto& [name, parameter] : Document()["components"]["parameters"].items()) {
    check_media(parameter, "parameter " + name);
  }
  EXPECT_GE(examples, 30);
}

TEST(OpenApi, ExamplesOutsideTheirSchemaAreFound) {
  // Given examples broken on purpose, the check of the examples finds each.
  const json& schemas = Document()["components"]["schemas"];
  EXPECT_FALSE(schema::Validate({{"errorCode", "NO_SUCH_CODE"}, {"errorMessage", ""}, {"errorDetails", json::object()}},
                                schemas["ErrorBody"], Document())
                   .empty());
  EXPECT_FALSE(schema::Validate({{"SessionToken", "t"}, {"JobId", "j"}, {"AuditId", 17}, {"Status", 1}},
                                schemas["CompletionRequest"], Document())
                   .empty());
  EXPECT_FALSE(schema::Validate({{"HeartbeatInterval", 5}}, schemas["HeartbeatAnswer"], Document()).empty());
}

TEST(OpenApi, RequestsFindTheirOperation) {
  // Given concrete paths, the operation found is the most literal template of that listener.
  auto id_of = [](const std::string& method, const std::string& path, bool agent) -> std::string {
    const json* op = openapi::FindOperation(method, path, agent);
    return op == nullptr ? "(none)" : op->value("operationId", "(no id)");
  };
  EXPECT_EQ(id_of("GET", "/KeyfactorAPI/AgentPools/Agents", false), "listDefaultPoolAgents");
  EXPECT_EQ(id_of("GET", "/AgentPools/7bb56d3f-592c-45ab-9ba1-cf658822de60", false), "getPool");
  EXPECT_EQ(id_of("delete", "/AgentPools/7bb56d3f-592c-45ab-9ba1-cf658822de60", false), "deletePool");
  EXPECT_EQ(id_of("POST", "/api/v2/agent/secrets/bootstrap/revoke", false), "revokeSecret");
  EXPECT_EQ(id_of("POST", "/api/v2/agent/secrets/exchange", true), "exchangeSecret");
  EXPECT_EQ(id_of("POST", "/KeyfactorAgents/Jobs/Poll", true), "poll");
  EXPECT_EQ(id_of("POST", "/KeyfactorAgents/Jobs/Poll", false), "(none)");
  EXPECT_EQ(id_of("PUT", "/Status", false), "(none)");
}

TEST(OpenApi, AnswersOutsideTheDocumentAreFound) {
  // Given real-looking answers that break the document, each is reported.
  const json& heartbeat = *openapi::FindOperation("POST", "/KeyfactorAgents/Session/Heartbeat", true);
  EXPECT_TRUE(openapi::CheckAnswer(heartbeat, 200, R"({"HeartbeatInterval": 5, "SessionValid": true})").empty());
  EXPECT_FALSE(openapi::CheckAnswer(heartbeat, 200, R"({"HeartbeatInterval": "5", "SessionValid": true})").empty());
  EXPECT_FALSE(openapi::CheckAnswer(heartbeat, 200, "not json").empty());
  EXPECT_FALSE(openapi::CheckAnswer(heartbeat, 201, "{}").empty());
  EXPECT_TRUE(openapi::CheckAnswer(heartbeat, 401,
                                   R"({"errorCode": "SECURITY_ERROR", "errorDetails": {}, "errorMessage": "x"})")
                  .empty());
  EXPECT_FALSE(openapi::CheckAnswer(heartbeat, 401, R"({"errorCode": "SECURITY_ERROR"})").empty());
  const json& remove = *openapi::FindOperation("DELETE", "/CertificateStores/x", false);
  EXPECT_TRUE(openapi::CheckAnswer(remove, 204, "").empty());
  EXPECT_FALSE(openapi::CheckAnswer(remove, 204, "{}").empty());
}

class OpenApiLive : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(orchd_.Start().ok()) << orchd_.process().Log(); }

  // Sends `method path body` and checks the answer against the operation's documented
  // responses; returns the status.
  int SendAndCheck(const Operation& op, const std::string& target, const std::string& body) {
    const std::string name = Upper(op.method) + " " + target;
    auto client = orchd_.Connect();
    EXPECT_TRUE(client.ok()) << name;
    if (!client.ok()) return 0;
    auto reply = client->Request(Upper(op.method), target, body, {"Content-Type: application/json"});
    EXPECT_TRUE(reply.ok()) << name;
    if (!reply.ok()) return 0;
    for (const std::string& fault : openapi::CheckAnswer(*op.body, reply->status, reply->body)) {
      ADD_FAILURE() << name << ": " << fault;
    }
    const json* response = openapi::ResponseFor(*op.body, reply->status);
    if (response != nullptr && response->contains("headers") && reply->status < 400 &&
        (*response)["headers"].contains("x-total-count")) {
      EXPECT_TRUE(reply->headers.count("x-total-count")) << name << ": no x-total-count";
    }
    return reply->status;
  }

  // Sends every control request example of the document (in the order of its paths) and
  // checks each answer; those that need nothing stored must succeed. Returns how many were sent.
  int SendRequestExamples() {
    const std::set<std::string> succeed = {"post /CertificateCollections", "post /CertificateStoreContainers",
                                           "post /Agents/SetAuthCertificateReenrollment",
                                           "post /api/v2/agent/secrets"};
    int sent = 0;
    for (const Operation& op : Operations()) {
      if (Document()["paths"][op.path]["x-orchd-listener"] != "control" || !op.body->contains("requestBody")) continue;
      const json& media = (*op.body)["requestBody"]["content"]["application/json"];
      if (!media.contains("examples")) continue;
      for (const auto& [name, example] : media["examples"].items()) {
        const int status = SendAndCheck(op, op.path, example["value"].dump());
        ++sent;
        if (succeed.count(op.method + " " + op.path)) {
          EXPECT_TRUE(status == 200 || status == 201) << op.path << " " << name << ": " << status;
        }
      }
    }
    return sent;
  }

  OrchdFixture orchd_;
};

TEST_F(OpenApiLive, ControlRequestExamplesAreAnsweredAsDocumented) {
  // Given a fresh orchd, each control request example is answered with a documented status and
  // a body of that answer's schema; those that need nothing stored succeed.
  EXPECT_GE(SendRequestExamples(), 12);
}

TEST_F(OpenApiLive, EveryControlReadWithoutParametersAnswersItsSchema) {
  // Given an orchd holding what the request examples create, every documented GET without
  // path parameters answers 200 in its schema (lists with x-total-count, rows included); GETs
  // of unknown ids answer a documented ErrorBody 404.
  SendRequestExamples();
  int reads = 0;
  for (const Operation& op : Operations()) {
    if (op.method != "get" || Document()["paths"][op.path]["x-orchd-listener"] != "control") continue;
    if (op.path.find("/Stream") != std::string::npos) continue;  // never ends; not a JSON answer
    std::string target = op.path;
    const size_t brace = target.find('{');
    if (brace != std::string::npos) {
      target.replace(brace, target.find('}') - brace + 1,
                     target.rfind("/Certificate", 0) == 0 && target.find("Stores") == std::string::npos
                         ? "987654"
                         : "0b8c2e4a-9d8e-4f7a-8c6b-5a4d3e2f1a0b");
      EXPECT_EQ(SendAndCheck(op, target, ""), 404) << target;
    } else {
      EXPECT_EQ(SendAndCheck(op, target, ""), 200) << target;
    }
    ++reads;
  }
  EXPECT_GE(reads, 15);
}

}  // namespace
}  // namespace orch::e2e
