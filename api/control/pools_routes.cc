// Agent pools on the control socket (SPEC §3, §7.1, seed 000): list, show, create, replace,
// delete, and the Default Agent Pool's members.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/control/control_api.h"
#include "api/control/route_text.h"
#include "api/errors.h"
#include "api/json_body.h"
#include "common/claims.h"
#include "common/guid.h"
#include "common/logging.h"
#include "store/pool_store.h"

namespace orch::api {
namespace {

using nlohmann::json;
using store::PoolMember;
using store::PoolRecord;
using store::PoolSpec;

constexpr std::string_view kRead = claims::kSslRead;
constexpr std::string_view kModify = claims::kSslModify;
constexpr size_t kMaxNameBytes = 255;

Status RequireModify(const ControlDeps& deps, const Request& request) {
  ORCH_RETURN_IF_ERROR(deps.authorizer->Require(request, kRead));
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

StatusOr<std::string> NameOf(const JsonFields& fields) {
  ORCH_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("Name"));
  const bool control =
      std::any_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; });
  if (name.size() > kMaxNameBytes || control) {
    return FieldError("Name", "must have at most 255 bytes and no control characters");
  }
  return name;
}

StatusOr<std::vector<store::PoolMemberSpec>> MembersOf(const JsonFields& fields) {
  std::vector<store::PoolMemberSpec> members;
  const json* agents = fields.Find("Agents");
  if (agents == nullptr) return members;
  if (!agents->is_array()) return FieldError("Agents", "must be an array");
  std::set<std::string> seen;
  for (size_t i = 0; i < agents->size(); ++i) {
    const std::string path = "Agents[" + std::to_string(i) + "]";
    ORCH_ASSIGN_OR_RETURN(JsonFields member, JsonFields::Of((*agents)[i], path));
    store::PoolMemberSpec spec;
    ORCH_ASSIGN_OR_RETURN(spec.agent_id, member.RequiredGuid("AgentId"));
    ORCH_ASSIGN_OR_RETURN(spec.enable_discover, member.Bool("EnableDiscover", false));
    ORCH_ASSIGN_OR_RETURN(spec.enable_monitor, member.Bool("EnableMonitor", false));
    if (!seen.insert(spec.agent_id).second) {
      return FieldError(path + ".AgentId", "lists agent " + spec.agent_id + " a second time");
    }
    members.push_back(std::move(spec));
  }
  return members;
}

// The body of POST (`with_id` false: a new id) or PUT (`with_id`: AgentPoolId required).
StatusOr<PoolSpec> SpecOf(const Request& request, bool with_id) {
  ORCH_ASSIGN_OR_RETURN(json body, ParseJsonBody(request));
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  PoolSpec spec;
  if (with_id) {
    ORCH_ASSIGN_OR_RETURN(spec.pool_id, fields.RequiredGuid("AgentPoolId"));
  } else {
    spec.pool_id = NewGuid();
  }
  ORCH_ASSIGN_OR_RETURN(spec.name, NameOf(fields));
  ORCH_ASSIGN_OR_RETURN(spec.agents, MembersOf(fields));
  return spec;
}

Response List(const ControlDeps& deps, const Request& request) {
  if (Status allowed = deps.authorizer->Require(request, kRead); !allowed.ok()) {
    return ErrorReply(allowed);
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::PoolQueryFields(), "Name");
  if (!paging.ok()) return ErrorReply(paging.status());
  StatusOr<store::Page<PoolRecord>> page = store::PoolStore(*deps.store).ListPools(*paging);
  if (!page.ok()) return ErrorReply(page.status());
  json rows = json::array();
  for (const PoolRecord& pool : page->rows) rows.push_back(PoolJson(pool));
  return ListReply(std::move(rows), page->total, page->total_exact);
}

Response DefaultMembers(const ControlDeps& deps, const Request& request) {
  if (Status allowed = deps.authorizer->Require(request, kRead); !allowed.ok()) {
    return ErrorReply(allowed);
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::PoolAgentQueryFields(), "ClientMachine");
  if (!paging.ok()) return ErrorReply(paging.status());
  auto page = store::PoolStore(*deps.store).ListDefaultPoolMembers(*paging);
  if (!page.ok()) return ErrorReply(page.status());
  json rows = json::array();
  for (const PoolMember& member : page->rows) rows.push_back(MemberJson(member));
  return ListReply(std::move(rows), page->total, page->total_exact);
}

Response Show(const ControlDeps& deps, const Request& request, const std::string& id) {
  if (Status allowed = deps.authorizer->Require(request, kRead); !allowed.ok()) {
    return ErrorReply(allowed);
  }
  if (!IsGuid(id)) return ErrorReply(FieldError("id", "must be an agent pool GUID"));
  StatusOr<PoolRecord> pool = store::PoolStore(*deps.store).GetPool(id);
  if (!pool.ok()) return ErrorReply(pool.status());
  return PoolReply(*pool);
}

Response Write(const ControlDeps& deps, const Request& request, bool replace) {
  if (Status allowed = RequireModify(deps, request); !allowed.ok()) return ErrorReply(allowed);
  StatusOr<PoolSpec> spec = SpecOf(request, replace);
  if (!spec.ok()) return ErrorReply(spec.status());
  store::PoolStore pools(*deps.store);
  const WallTime now = deps.clock->WallNow();
  StatusOr<PoolRecord> pool =
      replace ? pools.ReplacePool(*spec, now) : pools.CreatePool(*spec, now);
  if (!pool.ok()) return ErrorReply(pool.status());
  GetLogger("api")->info("agent pool \"{}\" ({}) {} with {} agent(s) by {}", pool->name,
                         pool->pool_id, replace ? "replaced" : "created", pool->agents.size(),
                         CallerText(request));
  return PoolReply(*pool);
}

Response Delete(const ControlDeps& deps, const Request& request, const std::string& id) {
  if (Status allowed = RequireModify(deps, request); !allowed.ok()) return ErrorReply(allowed);
  if (!IsGuid(id)) return ErrorReply(FieldError("id", "must be an agent pool GUID"));
  if (Status deleted = store::PoolStore(*deps.store).DeletePool(id); !deleted.ok()) {
    return ErrorReply(deleted);
  }
  GetLogger("api")->info("agent pool {} deleted by {}", id, CallerText(request));
  return NoContentReply();
}

}  // namespace

void RegisterPoolRoutes(Router& router, const ControlDeps& deps) {
  router.Add("GET", "/AgentPools",
             [deps](const Request& request, const PathParams&) { return List(deps, request); });
  router.Add("POST", "/AgentPools", [deps](const Request& request, const PathParams&) {
    return Write(deps, request, false);
  });
  router.Add("PUT", "/AgentPools", [deps](const Request& request, const PathParams&) {
    return Write(deps, request, true);
  });
  // Before /AgentPools/{id}, so "Agents" is never taken for an id.
  router.Add("GET", "/AgentPools/Agents", [deps](const Request& request, const PathParams&) {
    return DefaultMembers(deps, request);
  });
  router.Add("GET", "/AgentPools/{id}", [deps](const Request& request, const PathParams& params) {
    return Show(deps, request, params[0]);
  });
  router.Add("DELETE", "/AgentPools/{id}",
             [deps](const Request& request, const PathParams& params) {
               return Delete(deps, request, params[0]);
             });
}

}  // namespace orch::api
