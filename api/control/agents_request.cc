#include "api/control/agents_request.h"

#include "api/json_body.h"

namespace orch::api {

StatusOr<std::vector<std::string>> ParseAgentIdsRequest(const nlohmann::json& body) {
  return GuidArray(body, "");
}

StatusOr<ReenrollmentRequest> ParseReenrollmentRequest(const nlohmann::json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  ReenrollmentRequest request;
  const nlohmann::json* ids = fields.Find("OrchestratorIds");
  if (ids == nullptr) return FieldError("OrchestratorIds", "is required");
  ORCH_ASSIGN_OR_RETURN(request.ids, GuidArray(*ids, "OrchestratorIds"));
  ORCH_ASSIGN_OR_RETURN(int64_t status, fields.RequiredInt("Status"));
  if (status < 0 || status > 2) {
    return FieldError("Status", "must be 0 (None), 1 (Requested) or 2 (Required)");
  }
  request.status = static_cast<int>(status);
  return request;
}

}  // namespace orch::api
