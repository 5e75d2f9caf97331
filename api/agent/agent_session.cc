// POST /KeyfactorAgents/Session/Heartbeat (SPEC §6.5) and POST /api/v2/agent/secrets/exchange
// (SPEC §6.7): keeping a session alive, and trading an agent secret for an access token.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "api/agent/agent_api.h"
#include "api/agent/agent_wire.h"
#include "api/agent/session_touches.h"
#include "api/json_body.h"
#include "common/logging.h"
#include "pki/hash.h"
#include "pki/token.h"
#include "store/agent_repository.h"
#include "store/repositories.h"
#include "store/secret_repository.h"

namespace orch::api {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kMinTokenTtl{60'000};
constexpr milliseconds kMaxTokenTtl{15'552'000'000};  // 180 days
constexpr milliseconds kDefaultTokenTtl{1'800'000};   // 30 minutes

StatusOr<json> Heartbeat(const AgentApi::Context& context, const Request& request) {
  ORCH_ASSIGN_OR_RETURN(json body, ParseJsonBody(request));
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  ORCH_ASSIGN_OR_RETURN(std::string token, fields.RequiredString("SessionToken"));
  ORCH_ASSIGN_OR_RETURN(auto session, agent_wire::FindLiveSession(context, token));
  if (session) agent_wire::TouchSession(context, *session);
  return json{{"HeartbeatInterval", context.settings.heartbeat.count()},
              {"SessionValid", session.has_value()}};
}

// The secret value, checked for shape without ever echoing it.
StatusOr<std::string> SecretOf(const JsonFields& fields) {
  const json* value = fields.Find("secret");
  if (value == nullptr || !value->is_string() || value->get_ref<const std::string&>().empty()) {
    return FieldError("secret", "is required and must be a string");
  }
  return value->get<std::string>();
}

StatusOr<milliseconds> TtlOf(const JsonFields& fields) {
  ORCH_ASSIGN_OR_RETURN(std::optional<int64_t> ttl, fields.OptionalInt("ttl"));
  if (!ttl) return kDefaultTokenTtl;
  if (*ttl < kMinTokenTtl.count() || *ttl > kMaxTokenTtl.count()) {
    return FieldError("ttl", "must be between 60000 and 15552000000 milliseconds");
  }
  return milliseconds(*ttl);
}

Response Exchange(const AgentApi::Context& context, const Request& request) {
  StatusOr<json> body = ParseJsonBody(request);
  if (!body.ok()) return ErrorReply(body.status());
  StatusOr<JsonFields> fields = JsonFields::Of(*body);
  if (!fields.ok()) return ErrorReply(fields.status());
  StatusOr<std::string> secret = SecretOf(*fields);
  if (!secret.ok()) return ErrorReply(secret.status());
  StatusOr<milliseconds> ttl = TtlOf(*fields);
  if (!ttl.ok()) return ErrorReply(ttl.status());
  const std::string hash = pki::TokenHash(*secret);
  pki::Cleanse(*secret);
  store::SecretRepository& secrets = context.deps.store->secrets();
  StatusOr<std::optional<store::SecretRecord>> found = secrets.FindSecretByHash(hash);
  if (!found.ok()) return ErrorReply(found.status());
  if (!*found || (*found)->status != store::SecretStatus::kActive) {
    GetLogger("api")->info("secret exchange from {} refused", request.remote_ip);
    return ErrorResponse(400, "SECURITY_ERROR", "the secret is not valid or has been revoked");
  }
  const WallTime now = context.deps.clock->WallNow();
  std::string token = pki::NewToken();
  Status added = secrets.AddAccessToken(pki::TokenHash(token), (*found)->id, now + *ttl, now);
  if (!added.ok()) return ErrorReply(added);
  GetLogger("api")->info("agent secret \"{}\" exchanged for an access token valid {} ms",
                         (*found)->name, ttl->count());
  json answer = {{"access_token", token},
                 {"name", (*found)->name},
                 {"new_secret", nullptr},
                 {"ttl", ttl->count()}};
  pki::Cleanse(token);
  return agent_wire::Reply(answer);
}

}  // namespace

void RegisterHeartbeatAndExchangeRoutes(Router& router, const AgentApi::Context& context) {
  router.Add("POST", "/KeyfactorAgents/Session/Heartbeat",
             [&context](const Request& request, const PathParams&) {
               StatusOr<json> answer = Heartbeat(context, request);
               if (!answer.ok()) return ErrorReply(answer.status());
               return agent_wire::Reply(*answer);
             });
  router.Add(
      "POST", "/api/v2/agent/secrets/exchange",
      [&context](const Request& request, const PathParams&) { return Exchange(context, request); });
}

}  // namespace orch::api
