#include "api/agent/agent_calls_request.h"

#include "api/json_body.h"

namespace orch::api {
namespace {

using nlohmann::json;

StatusOr<std::string> TokenOf(const JsonFields& fields) {
  return fields.RequiredString("SessionToken", kMaxSessionTokenBytes);
}

StatusOr<store::RunResult> ResultOf(const JsonFields& body) {
  ORCH_ASSIGN_OR_RETURN(int64_t status, body.RequiredInt("Status"));
  switch (status) {
    case 2: return store::RunResult::kSuccess;
    case 3: return store::RunResult::kWarning;
    case 4: return store::RunResult::kFailure;
    default:
      return FieldError(body.Field("Status"), "must be 2 (success), 3 (warning) or 4 (error)");
  }
}

// The message as stored: at most kMaxCompletionMessageBytes, cut on a UTF-8 character
// boundary. An agent's report is kept even when it is long.
std::string MessageOf(const JsonFields& body) {
  const json* message = body.Find("Message");
  if (message == nullptr || !message->is_string()) return "";
  std::string text = message->get<std::string>();
  if (text.size() <= kMaxCompletionMessageBytes) return text;
  size_t cut = kMaxCompletionMessageBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "…";
}

}  // namespace

StatusOr<std::string> ParseHeartbeatRequest(const json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  return TokenOf(fields);
}

StatusOr<PollRequest> ParsePollRequest(const json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  PollRequest request;
  ORCH_ASSIGN_OR_RETURN(std::optional<int64_t> wait, fields.OptionalInt("WaitSeconds"));
  if (wait.value_or(0) < 0 || wait.value_or(0) > kMaxPollWaitSeconds) {
    return FieldError(fields.Field("WaitSeconds"), "must be between 0 and 60");
  }
  request.wait = std::chrono::seconds(wait.value_or(0));
  ORCH_ASSIGN_OR_RETURN(request.token, TokenOf(fields));
  return request;
}

StatusOr<ConfigurationRequest> ParseConfigurationRequest(const json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  ConfigurationRequest request;
  ORCH_ASSIGN_OR_RETURN(request.job_id, fields.RequiredGuid("JobId"));
  ORCH_ASSIGN_OR_RETURN(request.token, TokenOf(fields));
  return request;
}

StatusOr<CompletionRequest> ParseCompletionRequest(const json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  CompletionRequest request;
  ORCH_ASSIGN_OR_RETURN(request.job_id, fields.RequiredGuid("JobId"));
  ORCH_ASSIGN_OR_RETURN(request.audit_id, fields.RequiredId("AuditId"));
  ORCH_ASSIGN_OR_RETURN(request.result, ResultOf(fields));
  ORCH_ASSIGN_OR_RETURN(request.token, TokenOf(fields));
  request.message = MessageOf(fields);
  return request;
}

StatusOr<ExchangeRequest> ParseExchangeRequest(const json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  ExchangeRequest request;
  const json* secret = fields.Find("secret");
  if (secret == nullptr || !secret->is_string() || secret->get_ref<const std::string&>().empty() ||
      secret->get_ref<const std::string&>().size() > kMaxTextBytes) {
    return FieldError("secret", "is required and must be a string of at most " +
                                    std::to_string(kMaxTextBytes) + " bytes");
  }
  ORCH_ASSIGN_OR_RETURN(std::optional<int64_t> ttl, fields.OptionalInt("ttl"));
  if (ttl && (*ttl < kMinTokenTtl.count() || *ttl > kMaxTokenTtl.count())) {
    return FieldError("ttl", "must be between 60000 and 15552000000 milliseconds");
  }
  if (ttl) request.ttl = std::chrono::milliseconds(*ttl);
  request.secret = secret->get<std::string>();
  return request;
}

}  // namespace orch::api
