#include "api/errors.h"

#include "common/logging.h"

namespace orch::api {

Response StatusToResponse(const Status& status) {
  const std::string& msg = status.message();
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return ErrorResponse(400, "FIELD_ERROR", msg, status.field());
    case StatusCode::kFailedPrecondition:
      return ErrorResponse(400, "VALIDATION_ERROR", msg, status.field());
    case StatusCode::kAlreadyExists:
      return ErrorResponse(409, "VALIDATION_ERROR", msg, status.field());
    case StatusCode::kNotFound: return ErrorResponse(404, "API_ERROR", msg);
    case StatusCode::kPermissionDenied: return ErrorResponse(403, "RBAC_COMMON_ERROR", msg);
    case StatusCode::kUnauthenticated: return ErrorResponse(401, "SECURITY_ERROR", msg);
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnavailable: return ErrorResponse(503, "RESOURCE_EXHAUSTED", msg);
    // 507 Insufficient Storage: unlike an overload, retrying does not help until an operator
    // frees space or makes the store writable again.
    case StatusCode::kInsufficientStorage: return ErrorResponse(507, "RESOURCE_EXHAUSTED", msg);
    case StatusCode::kOk:
    case StatusCode::kInternal: break;
  }
  // Internal details may name files or SQL; they belong in the log only.
  GetLogger("api")->error("internal error: {}", status.ToString());
  return ErrorResponse(500, "INTERNAL_SERVER_ERROR", "internal error; see the orchd log");
}

Response JsonResponse(std::string body, int http_status) {
  Response response;
  response.status = http_status;
  response.body = std::move(body);
  return response;
}

}  // namespace orch::api
