// The bodies that name jobs or runs by id or by query: POST /OrchestratorJobs/Unschedule
// `{JobIds | Query}`, and /Acknowledge and /Reschedule `{JobAuditIds | Query}` (SPEC §7.1).
// Parsed, and the query compiled, before the store is touched. Internal to api/control/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "jobs/query.h"

namespace orch::api {

/// Most ids one call may name, and most runs a query may match.
inline constexpr size_t kMaxTargetIds = 10000;

/// The jobs an Unschedule names: their ids, or the query that matches them.
struct JobTargets {
  std::vector<std::string> ids;  // lowercase GUIDs
  std::optional<jobs::SqlFilter> query;
};

/// The runs an Acknowledge or a Reschedule names: their ids, or the query that matches them.
struct RunTargets {
  std::vector<int64_t> ids;  // 1..kMaxJsonId
  std::optional<jobs::SqlFilter> query;
};

/// Exactly one of JobIds (1 to kMaxTargetIds job GUIDs) and Query (a job query, at most
/// jobs::kMaxQueryLength bytes); InvalidArgument naming the member otherwise.
StatusOr<JobTargets> ParseJobTargetsRequest(const nlohmann::json& body);

/// Exactly one of JobAuditIds (1 to kMaxTargetIds positive ids) and Query (a run query, at most
/// jobs::kMaxQueryLength bytes); InvalidArgument naming the member otherwise.
StatusOr<RunTargets> ParseRunTargetsRequest(const nlohmann::json& body);

}  // namespace orch::api
