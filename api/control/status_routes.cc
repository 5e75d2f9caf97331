// GET /Status: version, uptime, store health and the scheduler's counters. Open to every peer that
// may connect.
#include <chrono>
#include <memory>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include "api/control/control_api.h"
#include "api/control/store_health.h"
#include "api/errors.h"
#include "common/version.h"
#include "scheduler/scheduler.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

std::string IsoUtc(WallTime t) {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
}

}  // namespace

void RegisterStatusRoutes(Router& router, const ControlDeps& deps) {
  const SteadyTime started_steady = deps.clock->SteadyNow();
  const WallTime started_wall = deps.clock->WallNow();
  router.Add("GET", "/Status",
             [deps, started_steady, started_wall](const Request&, const PathParams&) {
               auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                   deps.clock->SteadyNow() - started_steady);
               // Path and schema version are the store's, in memory.
               const Status health = deps.health->Current();
               const store::WriterState writer = deps.writer->state();
               nlohmann::json store_json = {
                   {"Healthy", health.ok()},
                   {"Path", deps.store->location()},
                   {"SchemaVersion", deps.store->schema_version()},
               };
               if (!health.ok()) store_json["Message"] = health.message();
               store_json["Writes"] = {{"Commits", writer.stats.commits},
                                       {"Writes", writer.stats.writes},
                                       {"FailedCommits", writer.stats.failed_commits},
                                       {"LargestGroup", writer.stats.largest_group},
                                       {"Backlog", writer.backlog}};
               nlohmann::json body = {
                   {"Version", kVersion},
                   {"StartedAt", IsoUtc(started_wall)},
                   {"UptimeSeconds", uptime.count()},
                   {"Store", std::move(store_json)},
               };
               if (deps.agent_listener != nullptr) {
                 body["AgentListener"] = {{"Address", deps.agent_listener->address},
                                          {"Port", deps.agent_listener->port},
                                          {"Tls", deps.agent_listener->tls}};
               }
               if (deps.scheduler != nullptr) {
                 const scheduler::SchedulerStats stats = deps.scheduler->stats();
                 body["Scheduler"] = {{"ScheduledJobs", stats.scheduled_jobs},
                                      {"OpenRuns", stats.open_runs},
                                      {"PollingAgents", stats.polling_agents},
                                      {"Fired", stats.fired},
                                      {"Delivered", stats.delivered},
                                      {"Completed", stats.completed},
                                      {"Retried", stats.retried},
                                      {"LeasesExpired", stats.leases_expired},
                                      {"Redelivered", stats.redelivered},
                                      {"SkippedOverlap", stats.skipped_overlap},
                                      {"MissedCatchup", stats.missed_catchup},
                                      {"Pruned", stats.pruned}};
               }
               return JsonResponse(body.dump(), health.ok() ? 200 : 503);
             });
}

}  // namespace orch::api
