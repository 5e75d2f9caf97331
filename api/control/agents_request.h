// The bodies of the agents' control calls (SPEC §7.1), parsed and checked before anything is
// looked up or written. Internal to api/control/.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orch::api {

/// POST /Agents/Approve, /Disapprove and /Reset: a JSON array of at most kMaxIdsPerCall agent
/// GUIDs, lowercased. FIELD_ERROR "body" or "[i]" otherwise.
StatusOr<std::vector<std::string>> ParseAgentIdsRequest(const nlohmann::json& body);

/// POST /Agents/SetAuthCertificateReenrollment.
struct ReenrollmentRequest {
  std::vector<std::string> ids;  // lowercase GUIDs, at most kMaxIdsPerCall
  int status = 0;                // 0 None, 1 Requested, 2 Required
};

/// `{OrchestratorIds: [guid], Status: 0|1|2}`; InvalidArgument naming the member otherwise.
StatusOr<ReenrollmentRequest> ParseReenrollmentRequest(const nlohmann::json& body);

}  // namespace orch::api
