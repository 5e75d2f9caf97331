// GET /metrics: orchd's counters, gauges and histograms in the Prometheus text exposition
// format (SPEC §17). Open to every peer that may connect, as GET /Status is. The counts of
// jobs, runs, agents and live sessions are read from the store, off the loop, at each scrape;
// everything else is in memory.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "api/control/control_api.h"
#include "api/control/store_health.h"
#include "common/metrics.h"
#include "common/version.h"
#include "scheduler/scheduler.h"
#include "store/repositories.h"
#include "store/store_reader.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

using store::AgentStatus;
using store::RunStatus;

// What a scrape reads from the store.
struct Tally {
  std::map<std::string, int64_t> jobs;
  std::map<RunStatus, int64_t> runs;
  std::map<AgentStatus, int64_t> agents;
  std::optional<int64_t> sessions;  // when the session lifetime is known
};

template <typename Key>
double CountOf(const std::map<Key, int64_t>& counts, const Key& key) {
  auto it = counts.find(key);
  return it == counts.end() ? 0 : static_cast<double>(it->second);
}

void Counter(metrics::TextWriter& out, std::string_view name, std::string_view help,
             int64_t value) {
  out.Family(name, "counter", help);
  out.Sample(name, {}, static_cast<double>(value));
}

void Gauge(metrics::TextWriter& out, std::string_view name, std::string_view help, double value) {
  out.Family(name, "gauge", help);
  out.Sample(name, {}, value);
}

void WriteTally(metrics::TextWriter& out, const std::optional<Tally>& tally) {
  // A family whose read failed is declared without samples: absent, not zero.
  out.Family("orchd_jobs", "gauge", "Jobs by state.");
  if (tally) {
    for (const char* state : {"Scheduled", "Unscheduled", "Finished"}) {
      out.Sample("orchd_jobs", {{"state", state}}, CountOf(tally->jobs, std::string(state)));
    }
  }
  out.Family("orchd_runs", "gauge", "Runs (job history rows) by status.");
  if (tally) {
    const std::pair<RunStatus, const char*> statuses[] = {
        {RunStatus::kWaiting, "Waiting"},
        {RunStatus::kInProcess, "InProcess"},
        {RunStatus::kCompleted, "Completed"},
        {RunStatus::kAcknowledged, "Acknowledged"},
        {RunStatus::kCompletedWillRetry, "CompletedWillRetry"}};
    for (const auto& [status, name] : statuses) {
      out.Sample("orchd_runs", {{"status", name}}, CountOf(tally->runs, status));
    }
  }
  out.Family("orchd_agents", "gauge", "Agents by status.");
  if (tally) {
    const std::pair<AgentStatus, const char*> statuses[] = {{AgentStatus::kNew, "New"},
                                                            {AgentStatus::kApproved, "Approved"},
                                                            {AgentStatus::kDisapproved,
                                                             "Disapproved"}};
    for (const auto& [status, name] : statuses) {
      out.Sample("orchd_agents", {{"status", name}}, CountOf(tally->agents, status));
    }
  }
  out.Family("orchd_agent_sessions", "gauge",
             "Agent sessions with a call within their lifetime (twice the heartbeat interval).");
  if (tally && tally->sessions) {
    out.Sample("orchd_agent_sessions", {}, static_cast<double>(*tally->sessions));
  }
}

void WriteScheduler(metrics::TextWriter& out, const scheduler::SchedulerStats& s) {
  Counter(out, "orchd_fires_total", "Runs written by the scheduler's fires.", s.fired);
  out.Family("orchd_fire_lateness_seconds", "histogram",
             "How long after its ScheduledFor each fired run was written.");
  out.HistogramSamples("orchd_fire_lateness_seconds", {}, s.fire_lateness);
  Counter(out, "orchd_runs_delivered_total", "Runs handed to agents.", s.delivered);
  Counter(out, "orchd_runs_redelivered_total",
          "Runs handed again to their agent after a restart or an answer that was not sent.",
          s.redelivered);
  out.Family("orchd_runs_completed_total", "counter", "Runs closed, by Result.");
  out.Sample("orchd_runs_completed_total", {{"result", "Unknown"}},
             static_cast<double>(s.completed_unknown));
  out.Sample("orchd_runs_completed_total", {{"result", "Success"}},
             static_cast<double>(s.completed_success));
  out.Sample("orchd_runs_completed_total", {{"result", "Warning"}},
             static_cast<double>(s.completed_warning));
  out.Sample("orchd_runs_completed_total", {{"result", "Failure"}},
             static_cast<double>(s.completed_failure));
  Counter(out, "orchd_retries_total", "Failed runs given another attempt.", s.retried);
  Counter(out, "orchd_leases_expired_total",
          "Runs closed as failures because their agent's lease ran out.", s.leases_expired);
  Counter(out, "orchd_skipped_overlap_total",
          "Fires skipped because the job's previous run was still open.", s.skipped_overlap);
  Counter(out, "orchd_missed_catchup_total",
          "Fires missed while orchd was down or behind and not caught up.", s.missed_catchup);
  Gauge(out, "orchd_parked_polls", "Agents' long polls waiting for work.",
        static_cast<double>(s.polling_agents));
  Gauge(out, "orchd_open_runs", "Runs waiting for or held by an agent.",
        static_cast<double>(s.open_runs));
}

void WriteStore(metrics::TextWriter& out, const store::WriterState& writer, const Status& health) {
  out.Family("orchd_store_commit_seconds", "histogram",
             "Time of each committed group transaction, from BEGIN to the COMMIT's return.");
  out.HistogramSamples("orchd_store_commit_seconds", {}, writer.stats.commit_seconds);
  out.Family("orchd_store_batch_size", "histogram", "Writes per committed group transaction.");
  out.HistogramSamples("orchd_store_batch_size", {}, writer.stats.group_size);
  Counter(out, "orchd_store_failed_commits_total", "Group transactions whose commit failed.",
          writer.stats.failed_commits);
  Gauge(out, "orchd_store_backlog", "Writes queued for the writer or being written.",
        static_cast<double>(writer.backlog));
  Gauge(out, "orchd_store_healthy",
        "1 when the store answers reads and the last commit went through, else 0.",
        health.ok() ? 1 : 0);
}

Response Exposition(const ControlDeps& deps, const std::optional<Tally>& tally) {
  metrics::TextWriter out;
  out.Family("orchd_build_info", "gauge", "The running build; always 1.");
  out.Sample("orchd_build_info", {{"version", kVersion}}, 1);
  if (deps.request_metrics != nullptr) deps.request_metrics->Write(out);
  if (deps.listener_stats) WriteListenerStats(deps.listener_stats(), out);
  WriteTally(out, tally);
  WriteScheduler(out, deps.scheduler != nullptr ? deps.scheduler->stats()
                                                : scheduler::SchedulerStats{});
  WriteStore(out, deps.writer->state(), deps.health->Current());
  Response response;
  response.content_type = std::string(metrics::kContentType);
  response.body = out.Take();
  return response;
}

}  // namespace

void RegisterMetricsRoutes(Router& router, const ControlDeps& deps) {
  router.AddAsync("GET", "/metrics", [deps](const Request&, const PathParams&, ReplyFn reply) {
    std::optional<WallTime> live_since;
    if (deps.session_lifetime) live_since = deps.clock->WallNow() - deps.session_lifetime();
    deps.reader->Read<Tally>(
        [live_since](store::Repositories& db) -> StatusOr<Tally> {
          Tally tally;
          ORCH_ASSIGN_OR_RETURN(tally.jobs, db.jobs().CountJobsByState());
          ORCH_ASSIGN_OR_RETURN(tally.runs, db.runs().CountRunsByStatus());
          ORCH_ASSIGN_OR_RETURN(tally.agents, db.agents().CountAgentsByStatus());
          if (live_since) {
            ORCH_ASSIGN_OR_RETURN(tally.sessions, db.agents().CountSessionsSince(*live_since));
          }
          return tally;
        },
        [deps, reply = std::move(reply)](StatusOr<Tally> tally) {
          // A store that cannot be read leaves its counts out; the rest is still worth having.
          reply(Exposition(deps, tally.ok() ? std::optional<Tally>(std::move(tally).value())
                                            : std::nullopt));
        });
  });
}

}  // namespace orch::api
