#include "api/control/history_json.h"

#include "api/json_body.h"

namespace orch::api {

nlohmann::json HistoryRowJson(const store::RunRecord& run) {
  using nlohmann::json;
  return {{"JobHistoryId", run.run_id},
          {"AgentId", run.agent_id.empty() ? json(nullptr) : json(run.agent_id)},
          {"AgentMachine", run.agent_machine},
          {"JobId", run.job_id},
          {"JobType", run.job_type},
          {"ScheduleType", run.schedule_type ? json(*run.schedule_type) : json(nullptr)},
          {"ScheduledFor", TimeJson(run.scheduled_for)},
          {"Attempt", run.attempt},
          {"OperationStart", TimeJson(run.operation_start)},
          {"OperationEnd", TimeJson(run.operation_end)},
          {"Message", run.message},
          {"Result", static_cast<int>(run.result)},
          {"Status", static_cast<int>(run.status)},
          {"StorePath", run.store_path},
          {"ClientMachine", run.client_machine}};
}

}  // namespace orch::api
