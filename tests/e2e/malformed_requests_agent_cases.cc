// The catalogue's agent cases: the secrets exchange, Session/Register and Heartbeat, the job
// calls, and paths and methods the agent listener does not serve.
#include "tests/e2e/malformed_requests_support.h"

namespace orch::e2e {
namespace {

constexpr char kExchange[] = "/api/v2/agent/secrets/exchange";
constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kHeartbeat[] = "/KeyfactorAgents/Session/Heartbeat";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";
constexpr char kConfiguration[] = "/KeyfactorAgents/Management/Configuration";
constexpr char kComplete[] = "/KeyfactorAgents/Management/Complete";

MalformedCase Post(std::string name, std::string path, std::string body, int status,
                   std::string code, std::string field = "", std::vector<std::string> headers = {},
                   std::string has = "") {
  return {std::move(name), Target::kAgent,  "POST",           std::move(path), std::move(body),
          status,          std::move(code), std::move(field), std::move(has),  std::move(headers)};
}

// A refused Register: 401 SECURITY_ERROR for the Authorization header given.
MalformedCase Unauthenticated(std::string name, std::vector<std::string> headers) {
  return Post("Register_" + std::move(name), kRegister,
              json{{"AgentId", ""}, {"ClientMachine", "web01"}}.dump(), 401, "SECURITY_ERROR", "",
              std::move(headers));
}

json RegisterBody() {
  return {{"AgentId", ""},     {"ClientMachine", "web01"},      {"AgentPlatform", 7},
          {"AgentVersion", 0}, {"Capabilities", json::array()}, {"CSR", nullptr}};
}

// A Register with the active secret whose one member is `value`.
MalformedCase RegisterWith(std::string name, const std::string& member, const json& value,
                           int status, std::string code, std::string field = "",
                           std::string has = "") {
  json body = RegisterBody();
  body[member] = value;
  return Post("Register_" + std::move(name), kRegister, body.dump(), status, std::move(code),
              std::move(field), {"$BASIC"}, std::move(has));
}

std::vector<MalformedCase> ExchangeCases() {
  const json good = {{"secret", "$SECRET"}, {"ttl", 1800000}};
  auto with = [&](const json& ttl) {
    json body = good;
    body["ttl"] = ttl;
    return body.dump();
  };
  return {
      Post("Exchange_NotJson", kExchange, "{\"secret\":", 400, "JSON_FORMAT_ERROR"),
      Post("Exchange_EmptyBody", kExchange, "", 400, "JSON_FORMAT_ERROR"),
      Post("Exchange_NestedTooDeep", kExchange, NestedObjects(65), 400, "JSON_FORMAT_ERROR"),
      Post("Exchange_InvalidUtf8", kExchange, "{\"secret\":\"\xc0\xaf\"}", 400,
           "JSON_FORMAT_ERROR"),
      Post("Exchange_RawNul", kExchange, std::string("{\"secret\":\"a\0\"}", 15), 400,
           "JSON_FORMAT_ERROR"),
      Post("Exchange_BodyIsArray", kExchange, "[\"$SECRET\"]", 400, "FIELD_ERROR"),
      Post("Exchange_MissingSecret", kExchange, "{}", 400, "FIELD_ERROR", "secret"),
      Post("Exchange_SecretNumber", kExchange, "{\"secret\":5}", 400, "FIELD_ERROR", "secret"),
      Post("Exchange_WrongSecret", kExchange, "{\"secret\":\"not-the-secret\"}", 400,
           "SECURITY_ERROR"),
      Post("Exchange_TtlBelowMinute", kExchange, with(59999), 400, "FIELD_ERROR", "ttl"),
      Post("Exchange_TtlOver180Days", kExchange, with(int64_t{15552000001}), 400, "FIELD_ERROR",
           "ttl"),
      Post("Exchange_TtlNegative", kExchange, with(-1), 400, "FIELD_ERROR", "ttl"),
      Post("Exchange_TtlString", kExchange, with("1800000"), 400, "FIELD_ERROR", "ttl"),
      Post("Exchange_TtlFraction", kExchange, with(60000.5), 400, "FIELD_ERROR", "ttl"),
      Post("Exchange_DuplicateSecret", kExchange, "{\"secret\":\"$SECRET\",\"secret\":\"$SECRET\"}",
           400, "FIELD_ERROR", "secret"),
      Post("Exchange_DuplicateTtlOtherCase", kExchange,
           "{\"secret\":\"$SECRET\",\"ttl\":60000,\"TTL\":70000}", 400, "FIELD_ERROR", "TTL"),
      Post("Exchange_SecretOver4096", kExchange, json{{"secret", std::string(4097, 's')}}.dump(),
           400, "FIELD_ERROR", "secret"),
      Post("Exchange_SecretEscapedNul", kExchange, "{\"secret\":\"$SECRET\\u0000\"}", 400,
           "FIELD_ERROR", "secret"),
      {"Exchange_TextPlainNotJson", Target::kAgentRaw, "", "",
       RawRequest("POST", kExchange, "text/plain", "secret=x"), 400, "JSON_FORMAT_ERROR"},
  };
}

std::vector<MalformedCase> RegisterCases() {
  const std::string garbage_basic = "Authorization: Basic !!!not-base64!!!";
  return {
      Unauthenticated("NoAuthorization", {}),
      Unauthenticated("BasicNotBase64", {garbage_basic}),
      Unauthenticated("BasicEmpty", {"Authorization: Basic "}),
      Unauthenticated("BasicWithoutColon", {"Authorization: Basic Ym9vdHN0cmFw"}),
      Unauthenticated("BasicWrongValue", {testing::BasicAuthHeader("bootstrap", "wrong")}),
      Unauthenticated("BasicUnknownName", {testing::BasicAuthHeader("nobody", "$SECRET")}),
      Unauthenticated("BearerUnknownToken", {"Authorization: Bearer not-a-token"}),
      Unauthenticated("DigestScheme", {"Authorization: Digest username=\"bootstrap\""}),
      Unauthenticated("ClientCertHeaderFromUntrustedPeer", {"X-ARR-ClientCert: AAAA"}),
      Post("Register_NotJson", kRegister, "{\"AgentId\":\"\",}", 400, "JSON_FORMAT_ERROR", "",
           {"$BASIC"}),
      Post("Register_NestedTooDeep", kRegister, NestedObjects(65), 400, "JSON_FORMAT_ERROR", "",
           {"$BASIC"}),
      Post("Register_InvalidUtf8", kRegister, "{\"ClientMachine\":\"web\xff\"}", 400,
           "JSON_FORMAT_ERROR", "", {"$BASIC"}),
      Post("Register_BodyIsArray", kRegister, "[]", 400, "FIELD_ERROR", "", {"$BASIC"}),
      Post("Register_MissingClientMachine", kRegister, "{\"AgentId\":\"\"}", 400, "FIELD_ERROR",
           "ClientMachine", {"$BASIC"}),
      RegisterWith("ClientMachineNumber", "ClientMachine", 7, 400, "FIELD_ERROR", "ClientMachine"),
      RegisterWith("AgentIdNumber", "AgentId", 7, 400, "FIELD_ERROR", "AgentId"),
      RegisterWith("AgentPlatformString", "AgentPlatform", "linux", 400, "FIELD_ERROR",
                   "AgentPlatform"),
      RegisterWith("AgentVersionString", "AgentVersion", "10.4", 400, "FIELD_ERROR",
                   "AgentVersion"),
      RegisterWith("CapabilitiesString", "Capabilities", "CertStores.PEM.Management", 400,
                   "FIELD_ERROR", "Capabilities"),
      RegisterWith("CapabilityNumber", "Capabilities", json::array({5}), 400, "FIELD_ERROR",
                   "Capabilities"),
      RegisterWith("CapabilityTooLong", "Capabilities", json::array({std::string(300, 'C')}), 400,
                   "FIELD_ERROR", "Capabilities"),

      RegisterWith("ClientParametersString", "ClientParameters", "x", 400, "FIELD_ERROR",
                   "ClientParameters"),
      RegisterWith("CsrNumber", "CSR", 5, 400, "FIELD_ERROR", "CSR"),
      RegisterWith("ClientMachineOver255", "ClientMachine", std::string(256, 'm'), 400,
                   "FIELD_ERROR", "ClientMachine"),
      RegisterWith("ClientMachineEscapedNul", "ClientMachine", std::string("web\0", 4), 400,
                   "FIELD_ERROR", "ClientMachine"),
      RegisterWith("CapabilitiesOver1000", "Capabilities", std::vector<std::string>(1001, "PEM"),
                   400, "FIELD_ERROR", "Capabilities"),
      RegisterWith("ClientParameterValueOver4096", "ClientParameters",
                   {{"RegistrationRequest", std::string(4097, 'r')}}, 400, "FIELD_ERROR",
                   "ClientParameters.RegistrationRequest"),
      RegisterWith("CsrOver32KiB", "CSR", std::string(40000, 'A'), 400, "FIELD_ERROR", "CSR"),
      Post("Register_DuplicateClientMachine", kRegister,
           "{\"AgentId\":\"\",\"ClientMachine\":\"a\",\"clientMachine\":\"b\"}", 400, "FIELD_ERROR",
           "clientMachine", {"$BASIC"}),
      Post("Register_DuplicateClientParameter", kRegister,
           "{\"ClientMachine\":\"a\",\"ClientParameters\":{\"k\":\"1\",\"k\":\"2\"}}", 400,
           "FIELD_ERROR", "k", {"$BASIC"}),
      RegisterWith("AgentIdUnknown", "AgentId", kUnknownGuid, 200, "", "", "\"A0110003\""),
      RegisterWith("CsrNotBase64", "CSR", "!!!", 200, "", "", "\"A0110002\""),
      RegisterWith("CsrNotACsr", "CSR", "aGVsbG8gd29ybGQ=", 200, "", "", "\"A0110002\""),
  };
}

std::vector<MalformedCase> SessionAndJobCases() {
  const std::string unknown = std::string("\"") + kUnknownGuid + "\"";
  const std::string token = "{\"SessionToken\":" + unknown;
  const std::string job = ",\"JobId\":" + unknown;
  return {
      Post("Heartbeat_NotJson", kHeartbeat, "SessionToken=x", 400, "JSON_FORMAT_ERROR"),
      Post("Heartbeat_MissingToken", kHeartbeat, "{}", 400, "FIELD_ERROR", "SessionToken"),
      Post("Heartbeat_TokenNumber", kHeartbeat, "{\"SessionToken\":5}", 400, "FIELD_ERROR",
           "SessionToken"),
      Post("Heartbeat_TokenOver255", kHeartbeat,
           json{{"SessionToken", std::string(256, 't')}}.dump(), 400, "FIELD_ERROR",
           "SessionToken"),
      Post("Heartbeat_DuplicateToken", kHeartbeat, token + ",\"sessiontoken\":" + unknown + "}",
           400, "FIELD_ERROR", "sessiontoken"),
      Post("Heartbeat_TokenInvalidUtf8", kHeartbeat, "{\"SessionToken\":\"\xc3\x28\"}", 400,
           "JSON_FORMAT_ERROR"),
      Post("Heartbeat_UnknownToken", kHeartbeat, token + "}", 200, "", "", {},
           "\"SessionValid\":false"),
      Post("Heartbeat_GarbageToken", kHeartbeat, "{\"SessionToken\":\"garbage\"}", 200, "", "", {},
           "\"SessionValid\":false"),
      Post("Poll_NotJson", kPoll, "{\"SessionToken\"", 400, "JSON_FORMAT_ERROR"),
      Post("Poll_NestedTooDeep", kPoll, NestedObjects(65), 400, "JSON_FORMAT_ERROR"),
      Post("Poll_MissingToken", kPoll, "{}", 400, "FIELD_ERROR", "SessionToken"),
      Post("Poll_TokenArray", kPoll, "{\"SessionToken\":[]}", 400, "FIELD_ERROR", "SessionToken"),
      Post("Poll_WaitSeconds61", kPoll, token + ",\"WaitSeconds\":61}", 400, "FIELD_ERROR",
           "WaitSeconds"),
      Post("Poll_WaitSecondsNegative", kPoll, token + ",\"WaitSeconds\":-1}", 400, "FIELD_ERROR",
           "WaitSeconds"),
      Post("Poll_WaitSecondsString", kPoll, token + ",\"WaitSeconds\":\"5\"}", 400, "FIELD_ERROR",
           "WaitSeconds"),
      Post("Poll_UnknownToken", kPoll, token + "}", 401, "SECURITY_ERROR"),
      Post("Configuration_NotJson", kConfiguration, "[", 400, "JSON_FORMAT_ERROR"),
      Post("Configuration_MissingToken", kConfiguration, "{\"JobId\":" + unknown + "}", 400,
           "FIELD_ERROR", "SessionToken"),
      Post("Configuration_MissingJobId", kConfiguration, token + "}", 400, "FIELD_ERROR", "JobId"),
      Post("Configuration_JobIdNotAGuid", kConfiguration, token + ",\"JobId\":\"job\"}", 400,
           "FIELD_ERROR", "JobId"),
      Post("Configuration_UnknownToken", kConfiguration, token + job + "}", 401, "SECURITY_ERROR"),
      Post("Complete_NotJson", kComplete, "{\"Status\":2", 400, "JSON_FORMAT_ERROR"),
      Post("Complete_MissingToken", kComplete,
           "{\"JobId\":" + unknown + ",\"AuditId\":1,\"Status\":2}", 400, "FIELD_ERROR",
           "SessionToken"),
      Post("Complete_MissingJobId", kComplete, token + ",\"AuditId\":1,\"Status\":2}", 400,
           "FIELD_ERROR", "JobId"),
      Post("Complete_StatusFive", kComplete, token + job + ",\"AuditId\":1,\"Status\":5}", 400,
           "FIELD_ERROR", "Status"),
      Post("Complete_StatusOne", kComplete, token + job + ",\"AuditId\":1,\"Status\":1}", 400,
           "FIELD_ERROR", "Status"),
      Post("Complete_StatusString", kComplete,
           token + job + ",\"AuditId\":1,\"Status\":\"Success\"}", 400, "FIELD_ERROR", "Status"),
      Post("Complete_AuditIdString", kComplete, token + job + ",\"AuditId\":\"1\",\"Status\":2}",
           400, "FIELD_ERROR", "AuditId"),
      Post("Complete_AuditIdZero", kComplete, token + job + ",\"AuditId\":0,\"Status\":2}", 400,
           "FIELD_ERROR", "AuditId"),
      Post("Complete_AuditIdPastJsonSafe", kComplete,
           token + job + ",\"AuditId\":9007199254740992,\"Status\":2}", 400, "FIELD_ERROR",
           "AuditId"),
      Post("Complete_DuplicateStatus", kComplete,
           token + job + ",\"AuditId\":1,\"Status\":2,\"Status\":4}", 400, "FIELD_ERROR", "Status"),
      Post("Complete_MessageEscapedNul", kComplete,
           token + job + ",\"AuditId\":1,\"Status\":2,\"Message\":\"ok\\u0000\"}", 400,
           "FIELD_ERROR", "Message"),
      Post("Configuration_DuplicateJobId", kConfiguration, token + job + job + "}", 400,
           "FIELD_ERROR", "JobId"),
      Post("Poll_TokenOver255", kPoll, json{{"SessionToken", std::string(256, 't')}}.dump(), 400,
           "FIELD_ERROR", "SessionToken"),
      Post("Complete_JobIdNotAGuid", kComplete,
           token + ",\"JobId\":\"job\",\"AuditId\":1,\"Status\":2}", 400, "FIELD_ERROR", "JobId"),
      Post("Complete_UnknownToken", kComplete, token + job + ",\"AuditId\":1,\"Status\":2}", 401,
           "SECURITY_ERROR"),
  };
}

std::vector<MalformedCase> AgentPathCases() {
  auto call = [](std::string name, std::string method, std::string path, int status) {
    return MalformedCase{std::move(name), Target::kAgent, std::move(method), std::move(path), "",
                         status,          "API_ERROR"};
  };
  return {
      call("UnknownPath", "POST", "/KeyfactorAgents/Nope", 404),
      call("ControlPathOnAgentListener", "GET", "/Status", 404),
      call("ControlWriteOnAgentListener", "POST", "/Agents/Approve", 404),
      call("RegisterByGet", "GET", kRegister, 405),
      call("HeartbeatByPut", "PUT", kHeartbeat, 405),
      call("PollByGet", "GET", kPoll, 405),
      call("ConfigurationByGet", "GET", kConfiguration, 405),
      call("CompleteByDelete", "DELETE", kComplete, 405),
      call("ExchangeByGet", "GET", kExchange, 405),
  };
}

}  // namespace

std::vector<MalformedCase> AgentCases() {
  std::vector<MalformedCase> cases;
  for (auto* part : {ExchangeCases, RegisterCases, SessionAndJobCases, AgentPathCases}) {
    for (MalformedCase& c : part()) cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace orch::e2e
