// The JSON of one job history row, shared by JobHistory and its stream. Internal to api/control/.
#pragma once

#include <nlohmann/json.hpp>

#include "store/run_repository.h"

namespace orch::api {

/// {JobHistoryId, AgentId, AgentMachine, JobId, JobType, ScheduleType, ScheduledFor, Attempt,
///  OperationStart, OperationEnd, Message, Result, Status, StorePath, ClientMachine}.
nlohmann::json HistoryRowJson(const store::RunRecord& run);

}  // namespace orch::api
