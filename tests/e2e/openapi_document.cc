#include "tests/e2e/openapi_document.h"

#include <strings.h>

#include <yaml-cpp/yaml.h>

#include "tests/e2e/harness.h"
#include "tests/e2e/json_schema.h"

namespace orch::e2e::openapi {
namespace {

using nlohmann::json;

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    const size_t end = std::min(path.find('/', i), path.size());
    if (end > i) out.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

// The number of literal segments of `pattern` when `path` fits it; -1 otherwise.
int Fit(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  if (pattern.size() != path.size()) return -1;
  int literals = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i].front() == '{') continue;
    if (strcasecmp(pattern[i].c_str(), path[i].c_str()) != 0) return -1;
    ++literals;
  }
  return literals;
}

}  // namespace

const json& Document() {
  static const json document = schema::YamlToJson(YAML::LoadFile(SourceDir() + "/docs/openapi.yaml"));
  return document;
}

const json& Resolved(const json& object) {
  if (!object.is_object() || !object.contains("$ref")) return object;
  return Document().at(json::json_pointer(object["$ref"].get<std::string>().substr(1)));
}

const json* FindOperation(const std::string& method, const std::string& path, bool agent_listener) {
  std::vector<std::string> segments = Segments(path);
  if (!agent_listener && !segments.empty() && strcasecmp(segments[0].c_str(), "KeyfactorAPI") == 0) {
    segments.erase(segments.begin());
  }
  std::string lower = method;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const json* best = nullptr;
  int best_literals = -1;
  for (const auto& [pattern, item] : Document()["paths"].items()) {
    if ((item.value("x-orchd-listener", "") == "agent") != agent_listener || !item.contains(lower)) continue;
    const int literals = Fit(Segments(pattern), segments);
    if (literals > best_literals) {
      best = &item[lower];
      best_literals = literals;
    }
  }
  return best;
}

const json* ResponseFor(const json& operation, int status) {
  const json& responses = operation["responses"];
  const std::string code = std::to_string(status);
  if (responses.contains(code)) return &Resolved(responses[code]);
  if (status >= 400 && responses.contains("default")) return &Resolved(responses["default"]);
  return nullptr;
}

std::vector<std::string> CheckAnswer(const json& operation, int status, const std::string& body) {
  const json* response = ResponseFor(operation, status);
  if (response == nullptr) return {"status " + std::to_string(status) + " is not documented: " + body};
  if (!response->contains("content")) {
    if (body.empty()) return {};
    return {"status " + std::to_string(status) + " documents no body, got: " + body};
  }
  const json& content = (*response)["content"];
  if (!content.contains("application/json")) return {};  // a stream: read and checked elsewhere
  const json answer = json::parse(body, nullptr, false);
  if (answer.is_discarded()) return {"the answer is not JSON: " + body};
  std::vector<std::string> faults =
      schema::Validate(answer, content["application/json"]["schema"], Document());
  for (std::string& fault : faults) fault = "status " + std::to_string(status) + " " + fault + " in " + body;
  return faults;
}

}  // namespace orch::e2e::openapi
