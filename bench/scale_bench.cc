// B3 scale (SPEC §14): many scheduled recurring jobs. Resident memory per job (VmRSS of orchd
// before and after adding them, and after a restart that loads them from the store), and the
// restart-to-ready time with all of them in the store.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "bench/bench_orchd.h"
#include "bench/scenarios.h"

namespace orch::bench {
namespace {

using Steady = std::chrono::steady_clock;

int64_t FileBytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// Jobs/s of each tenth of the Adds, in order: how accepting slows down as the table grows.
json RateByTenth(const std::vector<double>& add_ms, int jobs_per_add) {
  json rates = json::array();
  const size_t tenth = std::max<size_t>(1, add_ms.size() / 10);
  for (size_t start = 0; start + tenth <= add_ms.size(); start += tenth) {
    double ms = 0;
    for (size_t i = start; i < start + tenth; ++i) ms += add_ms[i];
    rates.push_back(static_cast<double>(tenth) * jobs_per_add / (ms / 1000));
  }
  return rates;
}

// Adds `jobs` Daily jobs, stores.size() per Add; answers the Add latencies (ms).
StatusOr<std::vector<double>> AddJobs(const BenchOrchd& orchd, int64_t cert,
                                      const std::vector<std::string>& stores, int64_t jobs) {
  // A time of day twelve hours away: nothing fires while the benchmark runs.
  const json schedule = {
      {"Daily", {{"Time", IsoUtc(std::chrono::system_clock::now() + std::chrono::hours(12))}}}};
  const std::string full = AddBody(cert, stores, schedule);
  ORCH_ASSIGN_OR_RETURN(e2e::UnixClient client, orchd.Connect());
  std::vector<double> latencies;
  int64_t next_report = jobs / 10;
  for (int64_t added = 0; added < jobs;) {
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(stores.size()), jobs - added);
    const std::string body =
        n == static_cast<int64_t>(stores.size())
            ? full
            : AddBody(cert, std::vector<std::string>(stores.begin(), stores.begin() + n), schedule);
    const Steady::time_point sent = Steady::now();
    ORCH_ASSIGN_OR_RETURN(e2e::HttpReply reply,
                          Call(client, "POST", "/CertificateStores/Certificates/Add", body));
    latencies.push_back(Ms<Steady>(sent, Steady::now()));
    if (reply.status != 200) {
      return InternalError("Add answered " + std::to_string(reply.status) + ": " +
                           reply.body.substr(0, 300));
    }
    added += n;
    if (added >= next_report) {
      std::printf("  %lld/%lld jobs added\n", static_cast<long long>(added),
                  static_cast<long long>(jobs));
      std::fflush(stdout);
      next_report += std::max<int64_t>(1, jobs / 10);
    }
  }
  return latencies;
}

StatusOr<json> RunOnce(const CommonOptions& common, const ScaleOptions& options) {
  BenchOrchd orchd(common, "");
  ORCH_RETURN_IF_ERROR(orchd.Start());
  const StartTiming fresh = orchd.last_start();
  ORCH_ASSIGN_OR_RETURN(int64_t cert, ImportCertificate(orchd));
  ORCH_ASSIGN_OR_RETURN(std::vector<std::string> stores,
                        CreatePoolStores(orchd, options.jobs_per_add, "scale"));
  ORCH_ASSIGN_OR_RETURN(int64_t rss_before, orchd.RssBytes());

  const Steady::time_point add_start = Steady::now();
  ORCH_ASSIGN_OR_RETURN(std::vector<double> add_ms, AddJobs(orchd, cert, stores, options.jobs));
  const double add_s = Ms<Steady>(add_start, Steady::now()) / 1000;
  ORCH_ASSIGN_OR_RETURN(int64_t rss_after, orchd.RssBytes());
  ORCH_ASSIGN_OR_RETURN(int64_t stored,
                        TotalCount(orchd, "/OrchestratorJobs/ScheduledJobs?pq.returnLimit=1"));
  if (stored != options.jobs) {
    return InternalError("the store holds " + std::to_string(stored) + " jobs, not " +
                         std::to_string(options.jobs));
  }

  const Steady::time_point stop_start = Steady::now();
  ORCH_RETURN_IF_ERROR(orchd.Stop().Context("stopping with the jobs"));
  const double stop_ms = Ms<Steady>(stop_start, Steady::now());
  const int64_t db_bytes = FileBytes(orchd.db_path()) + FileBytes(orchd.db_path() + "-wal");
  ORCH_RETURN_IF_ERROR(orchd.Start().Context("restarting with the jobs"));
  const StartTiming restart = orchd.last_start();
  ORCH_ASSIGN_OR_RETURN(int64_t rss_restarted, orchd.RssBytes());
  ORCH_RETURN_IF_ERROR(orchd.Stop());

  const double jobs = static_cast<double>(options.jobs);
  const json rates = RateByTenth(add_ms, options.jobs_per_add);  // before Summary() sorts
  return json{
      {"jobs", options.jobs},
      {"add_s", add_s},
      {"add_jobs_per_s", jobs / add_s},
      {"add_jobs_per_s_by_tenth", rates},
      {"add_request_ms", Summary(add_ms)},
      {"rss_before_bytes", rss_before},
      {"rss_after_add_bytes", rss_after},
      {"bytes_per_job", static_cast<double>(rss_after - rss_before) / jobs},
      {"rss_after_restart_bytes", rss_restarted},
      {"bytes_per_job_after_restart", static_cast<double>(rss_restarted - rss_before) / jobs},
      {"stop_ms", stop_ms},
      {"db_bytes", db_bytes},
      {"fresh_start_ready_ms", fresh.ready_ms},
      {"restart_to_ready_ms", restart.ready_ms},
      {"restart_to_status_ms", restart.status_ms}};
}

}  // namespace

Scenario ScaleScenario(const CommonOptions& common, const ScaleOptions& options) {
  Scenario s;
  s.name = "B3";
  s.title = "scale: resident memory per scheduled recurring job, restart-to-ready";
  s.parameters = {{"jobs", options.jobs},
                  {"jobs_per_add", options.jobs_per_add},
                  {"schedule", "Daily, 12 h from now"},
                  {"store_synchronous", common.synchronous},
                  {"restart_to_ready", "process spawn until READY=1 on NOTIFY_SOCKET"},
                  {"restart_to_status", "process spawn until the first GET /Status 200"}};
  s.run_once = [common, options](int) { return RunOnce(common, options); };
  s.summary = [](const json& r) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "%.0f jobs: %.0f B/job resident (%.0f B/job after restart), restart-to-ready "
                  "%.0f ms (READY=1) / %.0f ms (/Status), adds %.0f jobs/s",
                  r["jobs"].get<double>(), r["bytes_per_job"].get<double>(),
                  r["bytes_per_job_after_restart"].get<double>(),
                  r["restart_to_ready_ms"].get<double>(), r["restart_to_status_ms"].get<double>(),
                  r["add_jobs_per_s"].get<double>());
    return std::string(line);
  };
  return s;
}

}  // namespace orch::bench
