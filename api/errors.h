// Mapping from Status to the ErrorBody replies of SPEC §13.
#pragma once

#include "api/http.h"
#include "common/status.h"

namespace orch::api {

/// The HTTP status and errorCode for a non-ok Status; internal errors get a generic message
/// (the detail goes to the log, never to the client). REQUIRES: !status.ok()
Response StatusToResponse(const Status& status);

/// A 200 JSON reply with `body` (already serialized).
Response JsonResponse(std::string body, int http_status = 200);

}  // namespace orch::api
