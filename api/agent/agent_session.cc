// POST /KeyfactorAgents/Session/Heartbeat (SPEC §6.5) and POST /api/v2/agent/secrets/exchange
// (SPEC §6.7): keeping a session alive, and trading an agent secret for an access token.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/agent/agent_api.h"
#include "api/agent/agent_auth.h"
#include "api/agent/agent_calls_request.h"
#include "api/agent/agent_wire.h"
#include "api/agent/session_touches.h"
#include "api/json_body.h"
#include "common/logging.h"
#include "pki/hash.h"
#include "pki/token.h"
#include "store/agent_repository.h"
#include "store/repositories.h"
#include "store/secret_repository.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

Response HeartbeatAnswer(const AgentApi::Context& context, bool valid) {
  return agent_wire::Reply(
      json{{"HeartbeatInterval", context.settings.heartbeat.count()}, {"SessionValid", valid}});
}

// A live session is kept alive, unless the call presents another agent's certificate.
void KeepAlive(const AgentApi::Context& context, const store::SessionRecord& session,
               const std::string& presented, ReplyFn reply) {
  if (presented.empty()) {
    agent_wire::TouchSession(context, session);
    return reply(HeartbeatAnswer(context, true));
  }
  const AgentApi::Context* ctx = &context;
  agent_wire::GetAgent(
      context, session.agent_id,
      [ctx, session, presented, reply = std::move(reply)](StatusOr<store::Agent> agent) {
        if (!agent.ok()) return reply(ErrorReply(agent.status()));
        Status owned = CheckPresentedCertificate(presented, *agent);
        if (!owned.ok()) {
          return reply(ErrorResponse(403, "SECURITY_ERROR", owned.message()));
        }
        agent_wire::TouchSession(*ctx, session);
        reply(HeartbeatAnswer(*ctx, true));
      });
}

void Heartbeat(const AgentApi::Context& context, const Request& request, ReplyFn reply) {
  StatusOr<std::string> token = [&]() -> StatusOr<std::string> {
    ORCH_ASSIGN_OR_RETURN(json body, ParseJsonBody(request));
    return ParseHeartbeatRequest(body);
  }();
  if (!token.ok()) return reply(ErrorReply(token.status()));
  StatusOr<std::string> presented = PresentedThumbprint(request, context);
  if (!presented.ok()) return reply(agent_wire::Unauthenticated(presented.status()));
  const AgentApi::Context* ctx = &context;
  agent_wire::FindLiveSession(context, *token,
                              [ctx, presented = *std::move(presented), reply = std::move(reply)](
                                  StatusOr<std::optional<store::SessionRecord>> session) {
                                if (!session.ok()) return reply(ErrorReply(session.status()));
                                if (!*session) return reply(HeartbeatAnswer(*ctx, false));
                                KeepAlive(*ctx, **session, presented, reply);
                              });
}

// A new access token's value, wiped when its last holder lets it go (answered or not).
struct TokenValue {
  std::string text;
  ~TokenValue() { pki::Cleanse(text); }
};

// The secret's lookup and the token's insert are one write: a secret revoked meanwhile gets
// no token, and a failed insert leaves none. nullopt: no active secret has that hash.
StatusOr<std::optional<std::string>> AddTokenForSecret(store::Repositories& db,
                                                       const std::string& secret_hash,
                                                       const std::string& token_hash,
                                                       WallTime expires_at, WallTime now) {
  store::SecretRepository& secrets = db.secrets();
  ORCH_ASSIGN_OR_RETURN(std::optional<store::SecretRecord> found,
                        secrets.FindSecretByHash(secret_hash));
  if (!found || found->status != store::SecretStatus::kActive) {
    return std::optional<std::string>();
  }
  ORCH_RETURN_IF_ERROR(secrets.AddAccessToken(token_hash, found->id, expires_at, now));
  return std::optional<std::string>(found->name);
}

void Exchange(const AgentApi::Context& context, const Request& request, ReplyFn reply) {
  StatusOr<json> body = ParseJsonBody(request);
  if (!body.ok()) return reply(ErrorReply(body.status()));
  StatusOr<ExchangeRequest> exchange = ParseExchangeRequest(*body);
  if (!exchange.ok()) return reply(ErrorReply(exchange.status()));
  std::string hash = pki::TokenHash(exchange->secret);
  pki::Cleanse(exchange->secret);
  const milliseconds ttl = exchange->ttl;
  const WallTime now = context.deps.clock->WallNow();
  auto token = std::make_shared<TokenValue>();
  token->text = pki::NewToken();
  context.deps.writer->Submit<std::optional<std::string>>(
      [hash = std::move(hash), token_hash = pki::TokenHash(token->text), expires = now + ttl,
       now](store::Repositories& db) {
        return AddTokenForSecret(db, hash, token_hash, expires, now);
      },
      [token, ttl, ip = request.remote_ip,
       reply = std::move(reply)](StatusOr<std::optional<std::string>> name) {
        if (!name.ok()) return reply(ErrorReply(name.status()));
        if (!*name) {
          GetLogger("api")->info("secret exchange from {} refused", ip);
          return reply(
              ErrorResponse(400, "SECURITY_ERROR", "the secret is not valid or has been revoked"));
        }
        GetLogger("api")->info("agent secret \"{}\" exchanged for an access token valid {} ms",
                               **name, ttl.count());
        json answer = {{"access_token", token->text},
                       {"name", **name},
                       {"new_secret", nullptr},
                       {"ttl", ttl.count()}};
        pki::Cleanse(token->text);
        reply(agent_wire::Reply(answer));
      });
}

}  // namespace

void RegisterHeartbeatAndExchangeRoutes(Router& router, const AgentApi::Context& context) {
  const AgentApi::Context* ctx = &context;
  router.AddAsync("POST", "/KeyfactorAgents/Session/Heartbeat",
                  [ctx](const Request& request, const PathParams&, ReplyFn reply) {
                    Heartbeat(*ctx, request, std::move(reply));
                  });
  router.AddAsync("POST", "/api/v2/agent/secrets/exchange",
                  [ctx](const Request& request, const PathParams&, ReplyFn reply) {
                    Exchange(*ctx, request, std::move(reply));
                  });
}

}  // namespace orch::api
