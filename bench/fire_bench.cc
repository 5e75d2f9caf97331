// B2 fire (SPEC §14): a burst of ExactlyOnce jobs all due at one instant T, delivered to
// simulated agents that long-poll Jobs/Poll; lateness is (answer received − T) per job.
#include <algorithm>
#include <cstdio>
#include <thread>
#include <unordered_set>

#include "bench/bench_orchd.h"
#include "bench/scenarios.h"
#include "bench/status_monitor.h"
#include "jobs/url.h"
#include "tests/e2e/agent_fleet.h"

namespace orch::bench {
namespace {

using e2e::AgentFleet;
using e2e::AgentRecord;
using e2e::WallClock;
using std::chrono::milliseconds;

std::string BurstName(int jobs, int agents) {
  return std::to_string(jobs) + "_jobs_" + std::to_string(agents) + "_agents";
}

// Registers and approves the agents, and lets them poll.
Status StartFleet(const BenchOrchd& orchd, AgentFleet& fleet) {
  ORCH_RETURN_IF_ERROR(fleet.Register(milliseconds(300000)).Context("registering agents"));
  const std::vector<std::string> ids = fleet.AgentIds();
  ORCH_RETURN_IF_ERROR(CallJson(orchd, "POST", "/Agents/Approve", json(ids), 204).status());
  ORCH_RETURN_IF_ERROR(fleet.Release(milliseconds(120000)).Context("starting polls"));
  return Status::Ok();
}

// Waits until orchd holds a parked poll of every agent (GET /Status, Scheduler.PollingAgents).
Status WaitParked(const BenchOrchd& orchd, int64_t agents) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    ORCH_ASSIGN_OR_RETURN(json status, CallJson(orchd, "GET", "/Status", nullptr, 200));
    if (status["Scheduler"].value("PollingAgents", int64_t{0}) >= agents) return Status::Ok();
    std::this_thread::sleep_for(milliseconds(100));
  }
  return UnavailableError("the agents' polls were not all parked in orchd within 60 s");
}

// Runs handed to an agent that it has not started: the agents' queues plus runs whose poll
// answer never reached them.
StatusOr<int64_t> LeasedNotStarted(const BenchOrchd& orchd) {
  const std::string query = "Status -eq 1 AND AgentId -ne \"00000000-0000-0000-0000-000000000000\"";
  return TotalCount(orchd, "/OrchestratorJobs/JobHistory?pq.returnLimit=1&pq.queryString=" +
                               jobs::PercentEncode(query));
}

// Submits `jobs` ExactlyOnce jobs due at `due`, `stores.size()` per Add.
Status Submit(const BenchOrchd& orchd, int64_t cert, const std::vector<std::string>& stores,
              int jobs, WallClock::time_point due) {
  const json schedule = {{"ExactlyOnce", {{"Time", IsoUtc(due)}}}};
  ORCH_ASSIGN_OR_RETURN(e2e::UnixClient client, orchd.Connect());
  for (int submitted = 0; submitted < jobs;) {
    const size_t n = std::min(stores.size(), static_cast<size_t>(jobs - submitted));
    const std::vector<std::string> targets(stores.begin(), stores.begin() + static_cast<long>(n));
    // Generous: an Add that arrives once the burst fires waits behind the firing.
    ORCH_ASSIGN_OR_RETURN(e2e::HttpReply reply,
                          Call(client, "POST", "/CertificateStores/Certificates/Add",
                               AddBody(cert, targets, schedule), std::chrono::minutes(10)));
    if (reply.status != 200) {
      return InternalError("Add answered " + std::to_string(reply.status) + ": " +
                           reply.body.substr(0, 300));
    }
    submitted += static_cast<int>(n);
  }
  return Status::Ok();
}

// Lateness, delivery and completion figures from what the agents recorded.
json Measure(const std::vector<AgentRecord>& records, WallClock::time_point due, int jobs) {
  std::vector<double> lateness;
  std::unordered_set<std::string> seen;
  int64_t duplicates = 0, errors = 0, polls = 0, reconnects = 0;
  std::string first_error;
  WallClock::time_point first = WallClock::time_point::max(), last_completion = due;
  int64_t completed = 0, configured = 0;
  for (const AgentRecord& r : records) {
    configured += r.configured;
    for (const auto& [job_id, at] : r.received) {
      if (!seen.insert(job_id).second) {
        ++duplicates;
        continue;
      }
      lateness.push_back(Ms<WallClock>(due, at));
      first = std::min(first, at);
    }
    for (WallClock::time_point at : r.completions) last_completion = std::max(last_completion, at);
    completed += static_cast<int64_t>(r.completions.size());
    errors += r.errors;
    polls += r.polls;
    reconnects += r.reconnects;
    if (first_error.empty()) first_error = r.first_error;
  }
  json lateness_ms = Summary(lateness);
  lateness_ms["min"] = lateness.empty() ? 0.0 : lateness.front();
  const double window_s =
      first == WallClock::time_point::max() ? 0 : Ms<WallClock>(first, last_completion) / 1000;
  json out = {
      {"jobs", jobs},
      {"delivered", static_cast<int64_t>(seen.size())},
      {"duplicates", duplicates},
      {"lateness_ms", lateness_ms},
      {"all_delivered_after_ms", lateness.empty() ? 0.0 : lateness.back()},
      {"completed", completed},
      {"completion_window_s", window_s},
      {"completed_runs_per_s", window_s > 0 ? static_cast<double>(completed) / window_s : 0},
      {"agent_errors", errors},
      {"polls", polls},
      {"agent_reconnects", reconnects}};
  if (!first_error.empty()) out["first_agent_error"] = first_error;
  return out;
}

// With the fleet polling: submits the burst, waits for delivery and completion, measures.
StatusOr<json> DriveBurst(BenchOrchd& orchd, AgentFleet& fleet, const FireOptions& options,
                          int64_t cert, const std::vector<std::string>& stores, int jobs) {
  ORCH_RETURN_IF_ERROR(StartFleet(orchd, fleet));
  ORCH_RETURN_IF_ERROR(WaitParked(orchd, static_cast<int64_t>(fleet.AgentIds().size())));
  const double lead = options.lead_seconds > 0 ? options.lead_seconds : 10.0 + jobs / 2500.0;
  const WallClock::time_point due = std::chrono::ceil<std::chrono::seconds>(
      WallClock::now() + milliseconds(static_cast<int64_t>(lead * 1000)));
  const WallClock::time_point submit_start = WallClock::now();
  ORCH_RETURN_IF_ERROR(Submit(orchd, cert, stores, jobs, due).Context("submitting"));
  const WallClock::time_point submit_end = WallClock::now();
  ORCH_ASSIGN_OR_RETURN(double cpu_submitted, orchd.CpuSeconds());
  StatusMonitor monitor(orchd, jobs, due);

  const auto bound = [](double s) { return milliseconds(static_cast<int64_t>(s * 1000)); };
  const bool all_delivered = fleet.WaitDelivered(jobs, due + bound(options.deliver_seconds));
  const WallClock::time_point delivered_at = WallClock::now();
  ORCH_ASSIGN_OR_RETURN(double cpu_delivered, orchd.CpuSeconds());
  const bool all_completed =
      fleet.WaitCompleted(jobs, WallClock::now() + bound(options.complete_seconds));
  const WallClock::time_point end = WallClock::now();
  ORCH_ASSIGN_OR_RETURN(double cpu_end, orchd.CpuSeconds());
  ORCH_ASSIGN_OR_RETURN(int64_t rss, orchd.RssBytes());
  json watched = monitor.Finish();
  ORCH_ASSIGN_OR_RETURN(int64_t leased_not_started, LeasedNotStarted(orchd));
  fleet.RequestStop();
  ORCH_RETURN_IF_ERROR(orchd.Stop());
  fleet.Stop();

  json out = Measure(fleet.records(), due, jobs);
  out.update(watched);
  out["leased_not_started"] = leased_not_started;
  out["submit_s"] = Ms<WallClock>(submit_start, submit_end) / 1000;
  out["jobs_per_add"] = static_cast<int>(stores.size());
  out["submit_ended_before_due_ms"] = Ms<WallClock>(submit_end, due);
  out["all_delivered"] = all_delivered;
  out["all_completed"] = all_completed;
  const auto cores = [](double cpu, WallClock::time_point from, WallClock::time_point to) {
    return cpu / std::max(1e-3, Ms<WallClock>(from, to) / 1000);
  };
  out["orchd_cpu_cores_until_delivered"] =
      cores(cpu_delivered - cpu_submitted, submit_end, delivered_at);
  out["orchd_cpu_cores_while_completing"] = cores(cpu_end - cpu_delivered, delivered_at, end);
  out["orchd_rss_bytes"] = rss;
  if (submit_end > due) out["warning"] = "submission ended after T: lateness includes it";
  return out;
}

StatusOr<json> RunBurst(const CommonOptions& common, const FireOptions& options, int jobs,
                        int agents) {
  std::printf("  burst: %d jobs, %d agents\n", jobs, agents);
  std::fflush(stdout);
  BenchOrchd orchd(common, "");
  ORCH_RETURN_IF_ERROR(orchd.Start());
  ORCH_ASSIGN_OR_RETURN(int64_t cert, ImportCertificate(orchd));
  const int per_add =
      options.jobs_per_add > 0 ? options.jobs_per_add : std::clamp(jobs / 100, 100, 1000);
  ORCH_ASSIGN_OR_RETURN(std::vector<std::string> stores,
                        CreatePoolStores(orchd, std::min(per_add, jobs), "fire"));
  ORCH_ASSIGN_OR_RETURN(json secret,
                        CallJson(orchd, "POST", "/api/v2/agent/secrets", {{"name", "bench"}}, 201));
  AgentFleet fleet({orchd.agent_port(), orchd.ca_file(), secret.value("name", ""),
                    secret.value("secret", ""), 30, static_cast<int>(30 + options.deliver_seconds)},
                   agents);
  StatusOr<json> out = DriveBurst(orchd, fleet, options, cert, stores, jobs);
  // On failure too: stopping orchd answers the parked polls, so the threads can be joined.
  fleet.RequestStop();
  const Status stopped = orchd.Stop();
  fleet.Stop();
  if (!out.ok()) return out.status();
  ORCH_RETURN_IF_ERROR(stopped);
  (*out)["agents"] = agents;
  return out;
}

std::string BurstSummary(const std::string& name, const json& b) {
  char line[320];
  std::snprintf(line, sizeof line,
                "%s: lateness p50 %.0f ms p99 %.0f ms max %.0f ms, %.0f/%.0f delivered, %.0f "
                "runs/s completed",
                name.c_str(), b["lateness_ms"]["p50"].get<double>(),
                b["lateness_ms"]["p99"].get<double>(), b["lateness_ms"]["max"].get<double>(),
                b["delivered"].get<double>(), b["jobs"].get<double>(),
                b["completed_runs_per_s"].get<double>());
  return line;
}

}  // namespace

Scenario FireScenario(const CommonOptions& common, const FireOptions& options) {
  Scenario s;
  s.name = "B2";
  s.title = "fire: bursts of ExactlyOnce jobs due at one instant, long-polling agents";
  json bursts = json::array();
  for (const auto& [jobs, agents] : options.bursts)
    bursts.push_back({{"jobs", jobs}, {"agents", agents}});
  s.parameters = {{"bursts", bursts},
                  {"jobs_per_add", options.jobs_per_add},
                  {"lead_seconds", options.lead_seconds},
                  {"deliver_seconds", options.deliver_seconds},
                  {"complete_seconds", options.complete_seconds},
                  {"wait_seconds", 30},
                  {"store_synchronous", common.synchronous}};
  s.run_once = [common, options](int) -> StatusOr<json> {
    json run = json::object();
    for (const auto& [jobs, agents] : options.bursts) {
      ORCH_ASSIGN_OR_RETURN(json burst, RunBurst(common, options, jobs, agents));
      run[BurstName(jobs, agents)] = std::move(burst);
    }
    return run;
  };
  s.summary = [](const json& run) {
    std::string line;
    for (const auto& [name, burst] : run.items()) {
      line += (line.empty() ? "" : "; ") + BurstSummary(name, burst);
    }
    return line;
  };
  return s;
}

}  // namespace orch::bench
