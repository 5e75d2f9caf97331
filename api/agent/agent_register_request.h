// Internal to api/agent/: the body of POST /KeyfactorAgents/Session/Register, read and checked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http.h"
#include "common/status.h"

namespace orch::api {

/// A registration request (SPEC §6.2). Member names match case-insensitively.
struct RegisterRequest {
  std::string agent_id;  // lowercase GUID, or "" for a first registration
  std::string client_machine;
  int agent_platform = 0;
  uint64_t agent_version = 0;
  std::vector<std::string> capabilities;
  nlohmann::json client_parameters = nlohmann::json::object();
  std::optional<std::string> csr;  // base64 DER as sent; decoded and verified by the caller
};

/// Reads the request body. JSON_FORMAT_ERROR for a body that is not JSON; FIELD_ERROR naming
/// the member otherwise: AgentId neither "" nor a GUID, ClientMachine missing, empty, over 255
/// bytes or with control characters, AgentPlatform outside 0..255, AgentVersion not a
/// non-negative integer, Capabilities not an array of at most 1000 strings, ClientParameters
/// not an object within CheckProperties(), CSR not a string of at most 32 KiB.
StatusOr<RegisterRequest> ParseRegisterRequest(const Request& request);

}  // namespace orch::api
