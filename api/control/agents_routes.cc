// Agents on the control socket (SPEC §7.1): list, show, approve, disapprove, reset, and the
// auth-certificate reenrollment flag (seed 001).
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/control/agents_request.h"
#include "api/control/control_api.h"
#include "api/control/route_text.h"
#include "api/errors.h"
#include "api/json_body.h"
#include "common/claims.h"
#include "common/guid.h"
#include "common/logging.h"
#include "jobs/ascii.h"
#include "store/agent_repository.h"
#include "store/store_reader.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

using nlohmann::json;
using store::Agent;
using store::AgentStatus;
using store::Reenrollment;

constexpr std::string_view kRead = claims::kAgentsRead;
constexpr std::string_view kModify = claims::kAgentsModify;

// A change needs the modify claim alone (SPEC §8): holding it does not require the read claim.
Status RequireModify(const ControlDeps& deps, const Request& request) {
  return deps.authorizer->Require(request, kModify);
}

json TextOrNull(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

json AgentJson(const Agent& agent) {
  json error_code = agent.last_error_code ? json(*agent.last_error_code) : json(nullptr);
  json error_message = agent.last_error_message ? json(*agent.last_error_message) : json(nullptr);
  return {{"AgentId", agent.agent_id},
          {"ClientMachine", agent.client_machine},
          {"Username", agent.username},
          {"AgentPlatform", agent.agent_platform},
          {"Version", AgentVersionText(agent.version)},
          {"Status", static_cast<int>(agent.status)},
          {"LastSeen", TimeJson(agent.last_seen)},
          {"Capabilities", agent.capabilities},
          {"Thumbprint", TextOrNull(agent.thumbprint)},
          {"LegacyThumbprint", TextOrNull(agent.legacy_thumbprint)},
          {"AuthCertificateReenrollment", static_cast<int>(agent.reenrollment)},
          {"LastThumbprintUsed", TextOrNull(agent.last_thumbprint_used)},
          {"LastErrorCode", std::move(error_code)},
          {"LastErrorMessage", std::move(error_message)}};
}

// A JSON array of agent GUIDs, at `field` ("" for the whole body).
// LastSeen moves with the agents' calls, which are written about once a second: the calls
// not yet written are laid over what is stored.
void OverlaySessionCalls(const ControlDeps& deps, std::vector<Agent>& agents) {
  if (!deps.pending_last_seen) return;
  const std::unordered_map<std::string, WallTime> seen = deps.pending_last_seen();
  for (Agent& agent : agents) {
    const auto it = seen.find(agent.agent_id);
    if (it != seen.end() && (!agent.last_seen || *agent.last_seen < it->second)) {
      agent.last_seen = it->second;
    }
  }
}

// The agents are read by a reader; the session calls not yet written are laid over them on
// the loop, where they are kept, once the read is answered.
void List(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kRead); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::AgentQueryFields(), "ClientMachine");
  if (!paging.ok()) return reply(ErrorReply(paging.status()));
  deps.reader->Read<store::Page<Agent>>(
      [paging = std::move(paging).value()](store::Repositories& store) {
        return store.agents().ListAgents(paging);
      },
      [deps, reply = std::move(reply)](StatusOr<store::Page<Agent>> page) {
        if (!page.ok()) return reply(ErrorReply(page.status()));
        OverlaySessionCalls(deps, page->rows);
        json rows = json::array();
        for (const Agent& agent : page->rows) rows.push_back(AgentJson(agent));
        reply(ListReply(std::move(rows), page->total, page->total_exact));
      });
}

void Show(const ControlDeps& deps, const Request& request, const std::string& id, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kRead); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  if (!IsGuid(id)) return reply(ErrorReply(FieldError("id", "must be an agent GUID")));
  deps.reader->Read<Agent>(
      [id](store::Repositories& store) { return store.agents().GetAgent(id); },
      [deps, reply = std::move(reply)](StatusOr<Agent> agent) {
        if (!agent.ok()) return reply(ErrorReply(agent.status()));
        std::vector<Agent> shown{std::move(agent).value()};
        OverlaySessionCalls(deps, shown);
        reply(JsonResponse(
            AgentJson(shown.front()).dump(-1, ' ', false, json::error_handler_t::replace)));
      });
}

// Approve, Disapprove and Reset: a body of agent GUIDs, all known, changed together on the
// writer (`change` runs there, on its connection) and answered once committed.
void ChangeAgents(const ControlDeps& deps, const Request& request, std::string_view what,
                  std::function<Status(store::AgentRepository&, const std::vector<std::string>&)> change,
                  ReplyFn reply) {
  if (Status allowed = RequireModify(deps, request); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<json> body = ParseJsonBody(request);
  if (!body.ok()) return reply(ErrorReply(body.status()));
  StatusOr<std::vector<std::string>> ids = ParseAgentIdsRequest(*body);
  if (!ids.ok()) return reply(ErrorReply(ids.status()));
  deps.writer->Submit(
      [ids = *ids, change = std::move(change)](store::Repositories& db) {
        store::AgentRepository& agents = db.agents();
        return change(agents, ids);
      },
      [ids = *ids, what = std::string(what), who = CallerText(request),
       reply = std::move(reply)](const Status& changed) {
        if (!changed.ok()) return reply(ErrorReply(changed));
        for (const std::string& id : ids) {
          GetLogger("api")->info("agent {} {} by {}", id, what, who);
        }
        reply(NoContentReply());
      });
}

std::string_view ReenrollmentName(Reenrollment value) {
  switch (value) {
    case Reenrollment::kNone: return "None";
    case Reenrollment::kRequested: return "Requested";
    case Reenrollment::kRequired: return "Required";
  }
  return "None";
}

void SetReenrollment(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = RequireModify(deps, request); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<json> body = ParseJsonBody(request);
  if (!body.ok()) return reply(ErrorReply(body.status()));
  StatusOr<ReenrollmentRequest> parsed = ParseReenrollmentRequest(*body);
  if (!parsed.ok()) return reply(ErrorReply(parsed.status()));
  std::vector<std::string> ids = std::move(parsed->ids);
  const auto value = static_cast<Reenrollment>(parsed->status);
  const size_t count = ids.size();
  deps.writer->Submit<std::vector<std::string>>(
      [ids = std::move(ids), value = value](store::Repositories& db) {
        return db.agents().SetReenrollment(ids, value);
      },
      [count, value = value, who = CallerText(request),
       reply = std::move(reply)](StatusOr<std::vector<std::string>> failed) {
        if (!failed.ok()) return reply(ErrorReply(failed.status()));
        GetLogger("api")->info("AuthCertificateReenrollment {} set on {} of {} agent(s) by {}",
                               ReenrollmentName(value), count - failed->size(), count, who);
        json answer = {{"FailedOrchestratorIds", *failed},
                       {"Status", std::string(ReenrollmentName(value))}};
        reply(JsonResponse(answer.dump()));
      });
}

}  // namespace

void RegisterAgentRoutes(Router& router, const ControlDeps& deps) {
  router.AddAsync("GET", "/Agents",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    List(deps, request, std::move(reply));
                  });
  router.AddAsync("GET", "/Agents/{id}",
                  [deps](const Request& request, const PathParams& params, ReplyFn reply) {
                    Show(deps, request, params[0], std::move(reply));
                  });
  router.AddAsync("POST", "/Agents/Approve",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    ChangeAgents(
                        deps, request, "approved",
                        [](store::AgentRepository& agents, const std::vector<std::string>& ids) {
                          return agents.SetStatus(ids, AgentStatus::kApproved);
                        },
                        std::move(reply));
                  });
  router.AddAsync("POST", "/Agents/Disapprove",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    ChangeAgents(
                        deps, request, "disapproved",
                        [](store::AgentRepository& agents, const std::vector<std::string>& ids) {
                          return agents.SetStatus(ids, AgentStatus::kDisapproved);
                        },
                        std::move(reply));
                  });
  router.AddAsync("POST", "/Agents/Reset",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    ChangeAgents(
                        deps, request, "reset",
                        [](store::AgentRepository& agents, const std::vector<std::string>& ids) {
                          return agents.Reset(ids);
                        },
                        std::move(reply));
                  });
  router.AddAsync("POST", "/Agents/SetAuthCertificateReenrollment",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    SetReenrollment(deps, request, std::move(reply));
                  });
}

}  // namespace orch::api
