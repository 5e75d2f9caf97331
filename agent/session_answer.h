// Reading orchd's answers to an agent session's calls; shared by session.cc (registration,
// polls, heartbeats) and session_jobs.cc (each job's configuration and completion).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "agent/transport.h"
#include "common/status.h"

namespace orch::agent::answers {

/// The JSON object of `answer`, or an error naming `call`.
StatusOr<nlohmann::json> Parse(const Answer& answer, const std::string& call);
/// "errorMessage" of an ErrorBody, else the HTTP status.
std::string ErrorText(const Answer& answer);

}  // namespace orch::agent::answers
