// How orchctl shows the daemon's answers to a person: a table per list call, "Key: value"
// details for one object, and one line per history row for `history --follow`. Pure: every
// input comes in the JSON and the RenderContext. `--json` bypasses all of this.
//
// Tables keep identifiers whole as long as they can and cut paths and messages first (see
// Fit); an empty list renders as the header line alone; an absent or null value renders as "-".
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cli/format.h"

namespace orch::cli {

/// GET /Agents: ID, MACHINE, STATUS, VERSION, LAST SEEN, REENROLL.
std::string RenderAgents(const nlohmann::json& rows, const RenderContext& ctx);

/// GET /AgentPools: ID, NAME, AGENTS (members), DISCOVER, MONITOR (members enabled for each),
/// MANAGED (declared in the configuration file).
std::string RenderPools(const nlohmann::json& rows, const RenderContext& ctx);

/// GET /AgentPools/Agents, or a pool's Agents: AGENT ID, MACHINE, VERSION, DISCOVER, MONITOR
/// ("yes" or "no" when enabled or not, "n/a" when the agent does not advertise the capability).
std::string RenderPoolAgents(const nlohmann::json& rows, const RenderContext& ctx);

/// GET /api/v2/agent/secrets: NAME, STATUS, MODIFIED, ID.
std::string RenderSecrets(const nlohmann::json& rows, const RenderContext& ctx);

/// GET /Certificates: ID, THUMBPRINT, ISSUED DN, ISSUER DN, NOT AFTER, KEY.
std::string RenderCertificates(const nlohmann::json& rows, const RenderContext& ctx);

/// GET /CertificateCollections: ID, NAME, QUERY, DESCRIPTION.
std::string RenderCollections(const nlohmann::json& rows, const RenderContext& ctx);

/// GET /CertificateStoreContainers: ID, NAME.
std::string RenderContainers(const nlohmann::json& rows, const RenderContext& ctx);

/// GET /CertificateStoreTypes: TYPE, NAME, SHORT NAME, CAPABILITY, OPERATIONS.
std::string RenderStoreTypes(const nlohmann::json& rows, const RenderContext& ctx);

/// GET /CertificateStores: ID, MACHINE, STORE PATH, TYPE, CONTAINER, SERVED BY ("agent <id>",
/// "pool <id>" or "Default pool").
std::string RenderStores(const nlohmann::json& rows, const RenderContext& ctx);

/// GET /OrchestratorJobs/ScheduledJobs: JOB ID, MACHINE, STORE PATH, ALIAS, SCHEDULE
/// (ScheduleText), NEXT RUN, STATE.
std::string RenderScheduledJobs(const nlohmann::json& rows, const RenderContext& ctx);

/// GET /OrchestratorJobs/JobHistory: AUDIT ID, JOB, MACHINE, STATUS, RESULT (coloured),
/// STARTED, MESSAGE.
std::string RenderHistory(const nlohmann::json& rows, const RenderContext& ctx);

/// One object as "Key: value" lines for `show` subcommands and `status`. One-line members
/// come first, values aligned: the identity (the first present of JobHistoryId, JobId, Id, id,
/// AgentPoolId, AgentId), Name, then the rest by name; nested members follow, indented below
/// their key, arrays of objects as "- " items. Enums by name (Status as an agent's when the
/// object has AgentPlatform, as a run's when it has JobHistoryId), times by FormatTime, Schedule
/// by ScheduleText, UptimeSeconds by DurationText, LastErrorCode as its hex CodeString, arrays
/// of scalars joined with ", ", empty ones "-". A line break in a text continues on the next
/// line under the value. Not fitted to ctx.width.
std::string RenderDetails(const nlohmann::json& object, const RenderContext& ctx);

/// One history row as one line for `history --follow`: the local time to the second of its
/// latest event (OperationEnd, else OperationStart, else ScheduledFor), "#" JobHistoryId,
/// Status, Result (coloured), JobId, ClientMachine, then Message when not empty. Never cut to
/// ctx.width: a followed stream cannot be read again, so the terminal wraps what is long.
std::string RenderHistoryLine(const nlohmann::json& row, const RenderContext& ctx);

}  // namespace orch::cli
