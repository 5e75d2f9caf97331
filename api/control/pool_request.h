// The body of POST and PUT /AgentPools (SPEC §7.1), parsed and checked before anything is
// looked up or written. Internal to api/control/.
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "store/pool_repository.h"

namespace orch::api {

/// `{AgentPoolId (PUT only), Name, Agents: [{AgentId, EnableDiscover, EnableMonitor}]}`:
/// Name 1 to kMaxNameBytes bytes without control characters, at most kMaxIdsPerCall agents,
/// none twice. With `with_id` false the pool_id is left empty for the caller to assign.
/// InvalidArgument naming the member otherwise ("Agents[2].AgentId").
StatusOr<store::PoolSpec> ParsePoolRequest(const nlohmann::json& body, bool with_id);

}  // namespace orch::api
