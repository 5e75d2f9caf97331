// B5 history (SPEC §14): GET /OrchestratorJobs/JobHistory with filters and pages over a large
// runs table. The table is seeded once, straight into the database of a stopped orchd; each run
// starts that orchd again and times the queries on one keep-alive control connection.
#include <cstdio>
#include <memory>
#include <random>

#include "bench/bench_orchd.h"
#include "bench/history_seed.h"
#include "bench/scenarios.h"
#include "jobs/url.h"

namespace orch::bench {
namespace {

using Steady = std::chrono::steady_clock;

// Retention longer than the seeded history, so pruning does not run during the queries.
constexpr char kRetention[] = "history:\n  retain_success: 400d\n  retain_failure: 400d\n";
constexpr int kMaxStores = 1000;

struct HistoryState {
  std::unique_ptr<BenchOrchd> orchd;
  SeedResult seed;
  double seed_s = 0;
};

// One query shape: its filter (drawn afresh for each query) and how many pages it spans.
struct Shape {
  std::string name;
  std::function<std::string(std::mt19937_64&)> filter;
  int max_page;
};

std::vector<Shape> Shapes(const SeedResult& seed) {
  auto pick = [](const std::vector<std::string>& from, std::mt19937_64& rng) {
    return from[rng() % from.size()];
  };
  return {
      {"result_failure", [](std::mt19937_64&) { return std::string("Result -eq 4"); }, 20},
      {"agent_id",
       [&seed, pick](std::mt19937_64& rng) {
         return "AgentId -eq \"" + pick(seed.agent_ids, rng) + "\"";
       },
       20},
      {"recent_success",
       [&seed](std::mt19937_64& rng) {
         // Successes since a moment in the last 30 days of the history.
         const int64_t back = static_cast<int64_t>(rng() % (30 * 86'400'000LL));
         const auto since = std::chrono::system_clock::time_point(
             std::chrono::milliseconds(std::max(seed.first_ms, seed.last_ms - back)));
         return "OperationStart -ge \"" + IsoUtc(since) + "\" AND Result -eq 2";
       },
       20},
      {"job_id",
       [&seed, pick](std::mt19937_64& rng) {
         return "JobId -eq \"" + pick(seed.job_ids, rng) + "\"";
       },
       2},
  };
}

std::string HistoryTarget(const std::string& filter, int page, int limit, bool descending) {
  std::string target = "/OrchestratorJobs/JobHistory?pq.returnLimit=" + std::to_string(limit) +
                       "&pq.pageReturned=" + std::to_string(page) +
                       "&pq.sortField=JobHistoryId&pq.sortAscending=" + (descending ? "1" : "0");
  if (!filter.empty()) target += "&pq.queryString=" + jobs::PercentEncode(filter);
  return target;
}

// One timed query: its latency (ms) and x-total-count.
StatusOr<std::pair<double, int64_t>> TimeQuery(e2e::UnixClient& client, const std::string& target,
                                               int limit) {
  const Steady::time_point sent = Steady::now();
  ORCH_ASSIGN_OR_RETURN(e2e::HttpReply reply,
                        Call(client, "GET", target, "", std::chrono::minutes(10)));
  const double ms = Ms<Steady>(sent, Steady::now());
  const json rows = reply.Json();
  if (reply.status != 200 || !rows.is_array() || rows.size() > static_cast<size_t>(limit)) {
    return InternalError("GET " + target + " answered " + std::to_string(reply.status) + ": " +
                         reply.body.substr(0, 300));
  }
  const auto total = reply.headers.find("x-total-count");
  return std::pair<double, int64_t>(
      ms, total == reply.headers.end() ? int64_t{-1} : int64_t{std::stoll(total->second)});
}

// `warmup` untimed and `queries` timed queries of `shape`; adds the latencies to `all`.
StatusOr<json> RunShape(e2e::UnixClient& client, const Shape& shape, const HistoryOptions& options,
                        std::mt19937_64& rng, std::vector<double>& all) {
  std::vector<double> latencies;
  double total_rows = 0;
  const Steady::time_point start = Steady::now();
  for (int i = 0; i < options.warmup + options.queries; ++i) {
    if (latencies.size() >= 10 && Ms<Steady>(start, Steady::now()) > options.shape_seconds * 1000) {
      break;  // a slow shape: enough samples for its median, bounded in time
    }
    const int page = 1 + static_cast<int>(rng() % static_cast<uint64_t>(shape.max_page));
    const std::string target = HistoryTarget(shape.filter(rng), page, options.page_limit, i % 2);
    ORCH_ASSIGN_OR_RETURN(auto timed, TimeQuery(client, target, options.page_limit));
    if (i < options.warmup) continue;
    latencies.push_back(timed.first);
    total_rows += static_cast<double>(timed.second);
  }
  all.insert(all.end(), latencies.begin(), latencies.end());
  json out = {{"latency_ms", Summary(latencies)},
              {"mean_matching_rows",
               total_rows / static_cast<double>(std::max<size_t>(1, latencies.size()))}};
  return out;
}

Status Prepare(const CommonOptions& common, const HistoryOptions& options, HistoryState& state) {
  const Steady::time_point start = Steady::now();
  state.orchd = std::make_unique<BenchOrchd>(common, kRetention);
  BenchOrchd& orchd = *state.orchd;
  ORCH_RETURN_IF_ERROR(orchd.Start());
  const int64_t jobs = options.jobs > 0 ? options.jobs : std::max<int64_t>(1, options.rows / 100);
  ORCH_ASSIGN_OR_RETURN(int64_t cert, ImportCertificate(orchd));
  ORCH_ASSIGN_OR_RETURN(
      std::vector<std::string> stores,
      CreatePoolStores(orchd, static_cast<int>(std::min<int64_t>(kMaxStores, jobs)), "hist"));
  const json schedule = {
      {"Daily", {{"Time", IsoUtc(std::chrono::system_clock::now() + std::chrono::hours(12))}}}};
  ORCH_ASSIGN_OR_RETURN(e2e::UnixClient client, orchd.Connect());
  for (int64_t added = 0; added < jobs;) {
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(stores.size()), jobs - added);
    ORCH_ASSIGN_OR_RETURN(
        e2e::HttpReply reply,
        Call(
            client, "POST", "/CertificateStores/Certificates/Add",
            AddBody(cert, std::vector<std::string>(stores.begin(), stores.begin() + n), schedule)));
    if (reply.status != 200) return InternalError("Add answered " + std::to_string(reply.status));
    added += n;
  }
  ORCH_RETURN_IF_ERROR(orchd.Stop());
  std::printf("  %lld jobs created; seeding %lld history rows\n", static_cast<long long>(jobs),
              static_cast<long long>(options.rows));
  std::fflush(stdout);
  ORCH_ASSIGN_OR_RETURN(
      state.seed, SeedHistory(orchd.db_path(),
                              {options.rows, options.agents, std::chrono::system_clock::now()}));
  state.seed_s = Ms<Steady>(start, Steady::now()) / 1000;
  std::printf("  seeded %lld rows over %d days in %.0f s (inserts %.0f s, indexes %.0f s)\n",
              static_cast<long long>(state.seed.rows), state.seed.days, state.seed_s,
              state.seed.insert_s, state.seed.index_s);
  return Status::Ok();
}

StatusOr<json> RunOnce(const HistoryOptions& options, HistoryState& state, int run) {
  BenchOrchd& orchd = *state.orchd;
  ORCH_RETURN_IF_ERROR(orchd.Start());
  const StartTiming started = orchd.last_start();
  ORCH_ASSIGN_OR_RETURN(e2e::UnixClient client, orchd.Connect());
  std::mt19937_64 rng(static_cast<uint64_t>(1000 + run));
  json shapes = json::object();
  std::vector<double> all;
  for (const Shape& shape : Shapes(state.seed)) {
    ORCH_ASSIGN_OR_RETURN(shapes[shape.name], RunShape(client, shape, options, rng, all));
  }
  // For reference, not in "overall": no filter at all, page 1 (its cost is the total count).
  ORCH_ASSIGN_OR_RETURN(
      auto unfiltered,
      TimeQuery(client, HistoryTarget("", 1, options.page_limit, false), options.page_limit));
  ORCH_RETURN_IF_ERROR(orchd.Stop());
  if (unfiltered.second != state.seed.rows) {
    return InternalError("JobHistory counts " + std::to_string(unfiltered.second) +
                         " rows, the seed wrote " + std::to_string(state.seed.rows));
  }
  return json{{"rows", state.seed.rows},
              {"restart_to_ready_ms", started.ready_ms},
              {"shapes", shapes},
              {"overall_ms", Summary(all)},
              {"unfiltered_page1_ms", unfiltered.first}};
}

}  // namespace

Scenario HistoryScenario(const CommonOptions& common, const HistoryOptions& options) {
  auto state = std::make_shared<HistoryState>();
  Scenario s;
  s.name = "B5";
  s.title = "history: filtered, paged JobHistory queries over a seeded runs table";
  s.parameters = {
      {"rows", options.rows},
      {"jobs", options.jobs > 0 ? options.jobs : std::max<int64_t>(1, options.rows / 100)},
      {"agents", options.agents},
      {"queries_per_shape", options.queries},
      {"warmup_per_shape", options.warmup},
      {"return_limit", options.page_limit},
      {"sort", "JobHistoryId, ascending and descending alternately"},
      {"store_synchronous", common.synchronous},
      {"shapes",
       {{"result_failure", "Result -eq 4, pages 1-20"},
        {"agent_id", "AgentId -eq \"<one of the agents>\", pages 1-20"},
        {"recent_success",
         "OperationStart -ge \"<within the last 30 days>\" AND Result -eq 2, pages 1-20"},
        {"job_id", "JobId -eq \"<one of the jobs>\", pages 1-2"}}}};
  s.prepare = [common, options, state] {
    ORCH_RETURN_IF_ERROR(Prepare(common, options, *state));
    return Status::Ok();
  };
  s.run_once = [options, state](int run) -> StatusOr<json> {
    ORCH_ASSIGN_OR_RETURN(json out, RunOnce(options, *state, run));
    out["seed_s"] = state->seed_s;
    out["seed_insert_s"] = state->seed.insert_s;
    out["seed_index_s"] = state->seed.index_s;
    return out;
  };
  s.summary = [](const json& r) {
    char head[80];
    std::snprintf(head, sizeof head, "overall p50 %.1f ms p99 %.1f ms",
                  r["overall_ms"]["p50"].get<double>(), r["overall_ms"]["p99"].get<double>());
    std::string line = head;
    for (const auto& [name, shape] : r["shapes"].items()) {
      char part[160];
      std::snprintf(part, sizeof part, "; %s p50 %.1f p99 %.1f ms", name.c_str(),
                    shape["latency_ms"]["p50"].get<double>(),
                    shape["latency_ms"]["p99"].get<double>());
      line += part;
    }
    return line;
  };
  return s;
}

}  // namespace orch::bench
