// Internal to api/control/: small texts the agents, pools and secrets route files share.
#pragma once

#include <cstdint>
#include <string>

#include "api/http.h"

namespace orch::api {

/// "major.minor.micro.build" from an AgentVersion's four 16-bit parts.
inline std::string AgentVersionText(uint64_t version) {
  return std::to_string(version >> 48) + "." + std::to_string((version >> 32) & 0xFFFF) + "." +
         std::to_string((version >> 16) & 0xFFFF) + "." + std::to_string(version & 0xFFFF);
}

/// Who made a control call, for the log ("uid 1000").
inline std::string CallerText(const Request& request) {
  return request.peer ? "uid " + std::to_string(request.peer->uid) : "an unknown peer";
}

}  // namespace orch::api
