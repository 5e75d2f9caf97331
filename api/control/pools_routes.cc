// Agent pools on the control socket (SPEC §3, §7.1, seed 000): list, show, create, replace,
// delete, and the Default Agent Pool's members.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/control/control_api.h"
#include "api/control/off_loop.h"
#include "api/control/pool_request.h"
#include "api/control/route_text.h"
#include "api/errors.h"
#include "api/json_body.h"
#include "common/claims.h"
#include "common/guid.h"
#include "common/logging.h"
#include "scheduler/scheduler.h"
#include "store/pool_repository.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

using nlohmann::json;
using store::PoolMember;
using store::PoolRecord;
using store::PoolSpec;

constexpr std::string_view kRead = claims::kSslRead;
constexpr std::string_view kModify = claims::kSslModify;

// A change needs the modify claim alone (SPEC §8): holding it does not require the read claim.
Status RequireModify(const ControlDeps& deps, const Request& request) {
  return deps.authorizer->Require(request, kModify);
}

json MemberJson(const PoolMember& member) {
  return {{"AgentId", member.agent_id},
          {"EnableDiscover", member.enable_discover},
          {"EnableMonitor", member.enable_monitor},
          {"Version", AgentVersionText(member.version)},
          {"AllowsDiscover", member.allows_discover},
          {"AllowsMonitor", member.allows_monitor},
          {"ClientMachine", member.client_machine}};
}

json PoolJson(const PoolRecord& pool) {
  json agents = json::array();
  int discover = 0;
  int monitor = 0;
  for (const PoolMember& member : pool.agents) {
    agents.push_back(MemberJson(member));
    discover += member.enable_discover ? 1 : 0;
    monitor += member.enable_monitor ? 1 : 0;
  }
  return {{"AgentPoolId", pool.pool_id},     {"Name", pool.name},
          {"DiscoverAgentsCount", discover}, {"MonitorAgentsCount", monitor},
          {"Agents", std::move(agents)},     {"Managed", pool.managed}};
}

Response PoolReply(const PoolRecord& pool) {
  return JsonResponse(PoolJson(pool).dump(-1, ' ', false, json::error_handler_t::replace));
}

// The body of POST (`with_id` false: a new id) or PUT (`with_id`: AgentPoolId required).
StatusOr<PoolSpec> SpecOf(const Request& request, bool with_id) {
  ORCH_ASSIGN_OR_RETURN(json body, ParseJsonBody(request));
  ORCH_ASSIGN_OR_RETURN(PoolSpec spec, ParsePoolRequest(body, with_id));
  if (!with_id) spec.pool_id = NewGuid();
  return spec;
}

// Reads: the claim and the paging are checked on the loop, the rows read by a reader.
void List(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kRead); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::PoolQueryFields(), "Name");
  if (!paging.ok()) return reply(ErrorReply(paging.status()));
  ReadAndReply(
      *deps.reader,
      [paging = std::move(paging).value()](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(store::Page<PoolRecord> page, db.pools().ListPools(paging));
        json rows = json::array();
        for (const PoolRecord& pool : page.rows) rows.push_back(PoolJson(pool));
        return ListReply(std::move(rows), page.total, page.total_exact);
      },
      std::move(reply));
}

void DefaultMembers(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kRead); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::PoolAgentQueryFields(), "ClientMachine");
  if (!paging.ok()) return reply(ErrorReply(paging.status()));
  ReadAndReply(
      *deps.reader,
      [paging = std::move(paging).value()](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(auto page, db.pools().ListDefaultPoolMembers(paging));
        json rows = json::array();
        for (const PoolMember& member : page.rows) rows.push_back(MemberJson(member));
        return ListReply(std::move(rows), page.total, page.total_exact);
      },
      std::move(reply));
}

void Show(const ControlDeps& deps, const Request& request, const std::string& id, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kRead); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  if (!IsGuid(id)) return reply(ErrorReply(FieldError("id", "must be an agent pool GUID")));
  ReadAndReply(
      *deps.reader,
      [id](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(PoolRecord pool, db.pools().GetPool(id));
        return PoolReply(pool);
      },
      std::move(reply));
}

// POST (create) or PUT (replace): the body is checked on the loop; the pool is written by the
// writer (the agents' checks in the same transaction) and answered once committed.
void Write(const ControlDeps& deps, const Request& request, bool replace, ReplyFn reply) {
  if (Status allowed = RequireModify(deps, request); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<PoolSpec> spec = SpecOf(request, replace);
  if (!spec.ok()) return reply(ErrorReply(spec.status()));
  deps.writer->Submit<PoolRecord>(
      [spec = std::move(spec).value(), replace,
       now = deps.clock->WallNow()](store::Repositories& db) {
        store::PoolRepository& pools = db.pools();
        return replace ? pools.ReplacePool(spec, now) : pools.CreatePool(spec, now);
      },
      [replace, scheduler = deps.scheduler, who = CallerText(request),
       reply = std::move(reply)](StatusOr<PoolRecord> pool) {
        if (!pool.ok()) return reply(ErrorReply(pool.status()));
        if (scheduler != nullptr) scheduler->PoolsChanged();
        GetLogger("api")->info("agent pool \"{}\" ({}) {} with {} agent(s) by {}", pool->name,
                               pool->pool_id, replace ? "replaced" : "created", pool->agents.size(),
                               who);
        reply(PoolReply(*pool));
      });
}

void Delete(const ControlDeps& deps, const Request& request, const std::string& id, ReplyFn reply) {
  if (Status allowed = RequireModify(deps, request); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  if (!IsGuid(id)) return reply(ErrorReply(FieldError("id", "must be an agent pool GUID")));
  deps.writer->Submit([id](store::Repositories& db) { return db.pools().DeletePool(id); },
                      [id, scheduler = deps.scheduler, who = CallerText(request),
                       reply = std::move(reply)](const Status& deleted) {
                        if (!deleted.ok()) return reply(ErrorReply(deleted));
                        if (scheduler != nullptr) scheduler->PoolsChanged();
                        GetLogger("api")->info("agent pool {} deleted by {}", id, who);
                        reply(NoContentReply());
                      });
}

}  // namespace

void RegisterPoolRoutes(Router& router, const ControlDeps& deps) {
  router.AddAsync("GET", "/AgentPools",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    List(deps, request, std::move(reply));
                  });
  router.AddAsync("POST", "/AgentPools",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    Write(deps, request, false, std::move(reply));
                  });
  router.AddAsync("PUT", "/AgentPools",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    Write(deps, request, true, std::move(reply));
                  });
  // Before /AgentPools/{id}, so "Agents" is never taken for an id.
  router.AddAsync("GET", "/AgentPools/Agents",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    DefaultMembers(deps, request, std::move(reply));
                  });
  router.AddAsync("GET", "/AgentPools/{id}",
                  [deps](const Request& request, const PathParams& params, ReplyFn reply) {
                    Show(deps, request, params[0], std::move(reply));
                  });
  router.AddAsync("DELETE", "/AgentPools/{id}",
                  [deps](const Request& request, const PathParams& params, ReplyFn reply) {
                    Delete(deps, request, params[0], std::move(reply));
                  });
}

}  // namespace orch::api
