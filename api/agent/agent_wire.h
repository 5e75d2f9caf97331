// Internal to api/agent/: parts of the agent protocol's answers (SPEC §6) its route files share.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/agent/agent_api.h"
#include "api/http.h"
#include "common/status.h"
#include "scheduler/scheduler.h"
#include "store/agent_repository.h"
#include "store/run_repository.h"

namespace orch::api::agent_wire {

/// Result.Status values.
inline constexpr int kResultSuccess = 1;
inline constexpr int kResultWarning = 2;
inline constexpr int kResultFailure = 3;

/// Error.CodeString values. The first two are the product family's reenrollment codes that
/// agents act on; the others are orchd's, in the same form.
inline constexpr std::string_view kReenrollmentRequested = "A0100007";
inline constexpr std::string_view kReenrollmentRequired = "A0100008";
inline constexpr std::string_view kAgentDisapproved = "A0110001";
inline constexpr std::string_view kCsrRefused = "A0110002";
inline constexpr std::string_view kIdentityRefused = "A0110003";
inline constexpr std::string_view kJobUnavailable = "A0110004";

/// One Result.Error.
struct AgentError {
  std::string_view code;  // CodeString
  std::string message;
};

/// Error.Code: the CodeString's hex value as a signed 32-bit number, as .NET clients hold it
/// (A0100007 → -1609564153).
int64_t ErrorCodeNumber(std::string_view code_string);

/// {"Status": status, "Error": null | {"Code", "CodeString", "Message"}}.
nlohmann::json ResultJson(int status, const std::optional<AgentError>& error);

/// A 200 reply with `body`.
Response Reply(const nlohmann::json& body);

/// The 401 SECURITY_ERROR for failed authentication, with a Basic challenge.
Response Unauthenticated(const Status& status);

using SessionDone = std::function<void(StatusOr<std::optional<store::SessionRecord>>)>;

/// Answers `done` with the live session for `token`, or nullopt when it is unknown or expired
/// (an expired one is deleted through the writer first). A session lives while calls come at
/// most 2 × heartbeat apart. A cached session is answered before this returns; otherwise it is
/// read through the context's reader and `done` runs later on the loop's thread.
void FindLiveSession(const AgentApi::Context& context, std::string_view token, SessionDone done);

/// Records a call on `session` now: in SessionTouches, and on the cached copy of the session.
void TouchSession(const AgentApi::Context& context, const store::SessionRecord& session);

/// Answers `done` with the agent `id`, through the session cache (before this returns when it
/// holds it) or the context's reader; NotFound naming it otherwise.
void GetAgent(const AgentApi::Context& context, std::string_view id,
              std::function<void(StatusOr<store::Agent>)> done);

/// Where handed-out runs are configured and completed (relative, as agents expect).
inline constexpr std::string_view kConfigurationEndpoint =
    "KeyfactorAgents/Management/Configuration";
inline constexpr std::string_view kCompletionEndpoint = "KeyfactorAgents/Management/Complete";

/// The scheduler's view of `agent`: its id, machine and the store types whose management
/// capability (CertStores.<Capability>.Management, any case) it advertises.
scheduler::AgentIdentity IdentityOf(const store::Agent& agent);

/// Session.Jobs / Poll's Jobs: [{JobTypeId, JobId, ConfigurationEndpoint, CompletionEndpoint,
/// Schedule: null, Cron: null, Priority: 3}] for `runs`.
nlohmann::json JobsJson(const std::vector<store::RunRecord>& runs);

/// The on_sent of a reply that hands `runs` to `agent_id`: a reply that was not sent hands
/// them to the agent again at its next call (Scheduler::Unsent). Null when there are no runs.
/// REQUIRES: `scheduler` outlives the server that writes the reply.
std::function<void(bool)> HandAgainIfUnsent(scheduler::Scheduler* scheduler, std::string agent_id,
                                            const std::vector<store::RunRecord>& runs);

}  // namespace orch::api::agent_wire
