// Agent secrets on the control socket (SPEC §6.7, seed 004): list, create, revoke. A secret's
// value leaves orchd once, in the create answer; only its SHA-256 is stored.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/control/control_api.h"
#include "api/control/off_loop.h"
#include "api/control/route_text.h"
#include "api/control/secret_request.h"
#include "api/errors.h"
#include "api/json_body.h"
#include "common/claims.h"
#include "common/guid.h"
#include "common/logging.h"
#include "jobs/iso_time.h"
#include "pki/hash.h"
#include "pki/token.h"
#include "store/secret_repository.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

using nlohmann::json;

constexpr std::string_view kClaim = claims::kSecretsModify;
StatusOr<std::string> NameOf(const Request& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return "agent-secret-" + HexEncode(RandomBytes(4));
  }
  ORCH_ASSIGN_OR_RETURN(json body, ParseJsonBody(request));
  ORCH_ASSIGN_OR_RETURN(std::optional<std::string> name, ParseSecretRequest(body));
  if (!name) return "agent-secret-" + HexEncode(RandomBytes(4));
  return *name;
}

json SecretJson(const store::SecretRecord& secret) {
  return {{"id", secret.id},
          {"name", secret.name},
          {"status", std::string(store::SecretStatusName(secret.status))},
          {"modificationTime", jobs::FormatIsoTime(secret.modified_at)}};
}

void List(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kClaim); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  ReadAndReply(
      *deps.reader,
      [](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(std::vector<store::SecretRecord> secrets,
                              db.secrets().ListSecrets());
        json rows = json::array();
        for (const store::SecretRecord& secret : secrets) rows.push_back(SecretJson(secret));
        return JsonResponse(rows.dump());
      },
      std::move(reply));
}

// A secret's value, wiped when its last holder lets it go (answered or not).
struct SecretValue {
  std::string text;
  ~SecretValue() { pki::Cleanse(text); }
};

// The value is drawn on the loop and only its hash goes to the writer; the value is answered
// once the hash is committed.
void Create(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kClaim); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<std::string> name = NameOf(request);
  if (!name.ok()) return reply(ErrorReply(name.status()));
  auto value = std::make_shared<SecretValue>();
  value->text = pki::NewToken();
  store::SecretRecord secret{NewGuid(), *name, pki::TokenHash(value->text),
                             store::SecretStatus::kActive, deps.clock->WallNow()};
  const std::string id = secret.id;
  deps.writer->Submit(
      [secret = std::move(secret)](store::Repositories& db) {
        return db.secrets().CreateSecret(secret);
      },
      [id, name = *name, value, who = CallerText(request),
       reply = std::move(reply)](const Status& created) {
        if (!created.ok()) return reply(ErrorReply(created));
        GetLogger("api")->info("agent secret \"{}\" ({}) created by {}", name, id, who);
        json answer = {{"id", id}, {"name", name}, {"secret", value->text}, {"status", "ACTIVE"}};
        pki::Cleanse(value->text);
        Response response = JsonResponse(answer.dump(), 201);
        response.headers.emplace_back("Cache-Control", "no-store");
        reply(std::move(response));
      });
}

void Revoke(const ControlDeps& deps, const Request& request, const std::string& name,
            ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kClaim); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  deps.writer->Submit<store::SecretRecord>(
      [name, now = deps.clock->WallNow()](store::Repositories& db) {
        return db.secrets().RevokeSecret(name, now);
      },
      [who = CallerText(request), reply = std::move(reply)](StatusOr<store::SecretRecord> revoked) {
        if (!revoked.ok()) return reply(ErrorReply(revoked.status()));
        GetLogger("api")->info(
            "agent secret \"{}\" ({}) revoked by {}; its access tokens and sessions ended",
            revoked->name, revoked->id, who);
        json answer = {{"id", revoked->id}, {"name", revoked->name}, {"status", "REVOKED"}};
        reply(JsonResponse(answer.dump()));
      });
}

}  // namespace

void RegisterSecretRoutes(Router& router, const ControlDeps& deps) {
  router.AddAsync("GET", "/api/v2/agent/secrets",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    List(deps, request, std::move(reply));
                  });
  router.AddAsync("POST", "/api/v2/agent/secrets",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    Create(deps, request, std::move(reply));
                  });
  router.AddAsync("POST", "/api/v2/agent/secrets/{name}/revoke",
                  [deps](const Request& request, const PathParams& params, ReplyFn reply) {
                    Revoke(deps, request, params[0], std::move(reply));
                  });
}

}  // namespace orch::api
