#include "api/control/pool_request.h"

#include <set>
#include <string>
#include <vector>

#include "api/json_body.h"

namespace orch::api {
namespace {

StatusOr<std::vector<store::PoolMemberSpec>> MembersOf(const JsonFields& fields) {
  std::vector<store::PoolMemberSpec> members;
  ORCH_ASSIGN_OR_RETURN(const nlohmann::json* agents, fields.OptionalArray("Agents"));
  if (agents == nullptr) return members;
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

}  // namespace

StatusOr<store::PoolSpec> ParsePoolRequest(const nlohmann::json& body, bool with_id) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  store::PoolSpec spec;
  if (with_id) {
    ORCH_ASSIGN_OR_RETURN(spec.pool_id, fields.RequiredGuid("AgentPoolId"));
  }
  ORCH_ASSIGN_OR_RETURN(spec.name, fields.RequiredName("Name"));
  ORCH_ASSIGN_OR_RETURN(spec.agents, MembersOf(fields));
  return spec;
}

}  // namespace orch::api
