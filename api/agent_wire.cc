#include "api/agent_wire.h"

#include <charconv>

#include "api/errors.h"
#include "pki/token.h"

namespace orch::api::agent_wire {

int64_t ErrorCodeNumber(std::string_view code_string) {
  uint32_t value = 0;
  std::from_chars(code_string.data(), code_string.data() + code_string.size(), value, 16);
  return static_cast<int32_t>(value);
}

nlohmann::json ResultJson(int status, const std::optional<AgentError>& error) {
  nlohmann::json error_json = nullptr;
  if (error) {
    error_json = {{"Code", ErrorCodeNumber(error->code)},
                  {"CodeString", std::string(error->code)},
                  {"Message", error->message}};
  }
  return {{"Status", status}, {"Error", std::move(error_json)}};
}

Response Reply(const nlohmann::json& body) {
  return JsonResponse(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response Unauthenticated(const Status& status) {
  Response response = ErrorResponse(401, "SECURITY_ERROR", status.message());
  response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"orchd agents\"");
  return response;
}

StatusOr<std::optional<store::SessionRecord>> FindLiveSession(const AgentApi::Context& context,
                                                              std::string_view token) {
  store::AgentStore agents(*context.deps.store);
  const std::string hash = pki::TokenHash(token);
  StatusOr<std::optional<store::SessionRecord>> found = agents.FindSession(hash);
  if (!found.ok() || !found->has_value()) return found;
  const auto idle = context.deps.clock->WallNow() - found->value().last_call_at;
  if (idle <= 2 * context.settings.heartbeat) return found;
  ORCH_RETURN_IF_ERROR(agents.DeleteSession(hash));
  return std::optional<store::SessionRecord>();
}

}  // namespace orch::api::agent_wire
