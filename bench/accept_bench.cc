// B1 accept (SPEC §14): concurrent clients, each on its own keep-alive control connection,
// POST /CertificateStores/Certificates/Add with one store and a schedule a year ahead (so
// nothing fires). orchd answers only after the commit, so answered Adds are durable jobs.
// Each client keeps `depth` Adds in flight on its connection (HTTP/1.1 pipelining); a
// latency runs from writing the request to reading its reply.
#include <atomic>
#include <barrier>
#include <cstdio>
#include <deque>
#include <thread>

#include "bench/bench_orchd.h"
#include "bench/scenarios.h"

namespace orch::bench {
namespace {

using Steady = std::chrono::steady_clock;

// What one client saw.
struct ClientResult {
  std::vector<double> latencies_ms;
  int64_t errors = 0;
  std::string first_error;
};

void RecordError(ClientResult& out, const std::string& error) {
  if (++out.errors == 1) out.first_error = error;
}

// Sends Adds until the run's time is up or `issued` reaches max_requests, keeping up to
// options.depth unanswered, then reads the replies still due.
void RunClient(const BenchOrchd& orchd, const std::string& body, Steady::time_point& start,
               std::barrier<>& ready, const AcceptOptions& options, std::atomic<int64_t>& issued,
               ClientResult& out) {
  StatusOr<e2e::UnixClient> client = orchd.Connect();
  ready.arrive_and_wait();  // every client connected: the clock starts for all at once
  if (!client.ok()) {
    ++out.errors;
    out.first_error = client.status().ToString();
    return;
  }
  const Steady::time_point end = start + std::chrono::duration_cast<Steady::duration>(
                                             std::chrono::duration<double>(options.seconds));
  const std::string request = RequestText("POST", "/CertificateStores/Certificates/Add", body);
  std::deque<Steady::time_point> sent;  // of the requests in flight, oldest first
  bool sending = true;
  auto send_next = [&] {
    if (Steady::now() >= end ||
        issued.fetch_add(1, std::memory_order_relaxed) >= options.max_requests) {
      sending = false;
      return;
    }
    sent.push_back(Steady::now());
    if (Status s = client->SendRaw(request); !s.ok()) {
      RecordError(out, s.ToString());
      sending = false;
      sent.pop_back();
    }
  };
  while (sending && sent.size() < static_cast<size_t>(options.depth)) send_next();
  while (!sent.empty()) {
    StatusOr<e2e::HttpReply> reply = client->ReadReply(std::chrono::milliseconds(60000));
    const double ms = Ms<Steady>(sent.front(), Steady::now());
    sent.pop_front();
    if (reply.ok() && reply->status == 200 && reply->Json().size() == 1) {
      out.latencies_ms.push_back(ms);
    } else {
      RecordError(out, reply.ok() ? std::to_string(reply->status) + " " + reply->body.substr(0, 300)
                                  : reply.status().ToString());
      if (!reply.ok()) return;  // the connection is gone
    }
    if (sending) send_next();
  }
}

StatusOr<json> RunOnce(const CommonOptions& common, const AcceptOptions& options) {
  BenchOrchd orchd(common, "");
  ORCH_RETURN_IF_ERROR(orchd.Start());
  ORCH_ASSIGN_OR_RETURN(int64_t cert, ImportCertificate(orchd));
  ORCH_ASSIGN_OR_RETURN(std::vector<std::string> stores,
                        CreatePoolStores(orchd, options.clients, "accept"));
  const json schedule = {
      {"ExactlyOnce",
       {{"Time", IsoUtc(std::chrono::system_clock::now() + std::chrono::days(365))}}}};

  std::vector<ClientResult> results(static_cast<size_t>(options.clients));
  std::atomic<int64_t> issued{0};
  Steady::time_point start;
  std::barrier ready(options.clients + 1);
  std::vector<std::thread> threads;
  for (int i = 0; i < options.clients; ++i) {
    threads.emplace_back(RunClient, std::cref(orchd), AddBody(cert, {stores[i]}, schedule),
                         std::ref(start), std::ref(ready), std::cref(options), std::ref(issued),
                         std::ref(results[static_cast<size_t>(i)]));
  }
  ORCH_ASSIGN_OR_RETURN(double cpu_before, orchd.CpuSeconds());
  start = Steady::now();
  ready.arrive_and_wait();
  for (std::thread& t : threads) t.join();
  const double elapsed_s = Ms<Steady>(start, Steady::now()) / 1000;
  ORCH_ASSIGN_OR_RETURN(double cpu_after, orchd.CpuSeconds());

  std::vector<double> latencies;
  int64_t errors = 0;
  std::string first_error;
  for (ClientResult& r : results) {
    latencies.insert(latencies.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    errors += r.errors;
    if (first_error.empty()) first_error = r.first_error;
  }
  const int64_t accepted = static_cast<int64_t>(latencies.size());
  ORCH_ASSIGN_OR_RETURN(int64_t stored,
                        TotalCount(orchd, "/OrchestratorJobs/ScheduledJobs?pq.returnLimit=1"));
  ORCH_RETURN_IF_ERROR(orchd.Stop());
  if (stored != accepted) {
    return InternalError("accepted " + std::to_string(accepted) + " jobs but the store holds " +
                         std::to_string(stored));
  }
  json run = {
      {"accepted_jobs", accepted},        {"errors", errors},
      {"elapsed_s", elapsed_s},           {"jobs_per_s", static_cast<double>(accepted) / elapsed_s},
      {"latency_ms", Summary(latencies)}, {"orchd_cpu_cores", (cpu_after - cpu_before) / elapsed_s},
      {"jobs_in_store", stored}};
  if (!first_error.empty()) run["first_error"] = first_error;
  return run;
}

}  // namespace

Scenario AcceptScenario(const CommonOptions& common, const AcceptOptions& options) {
  Scenario s;
  s.name = "B1";
  s.title = "accept: durable Add jobs/s (1 store each) from " + std::to_string(options.clients) +
            " clients on the control socket, " + std::to_string(options.depth) + " in flight each";
  s.parameters = {{"clients", options.clients},
                  {"depth", options.depth},
                  {"seconds", options.seconds},
                  {"max_requests", options.max_requests},
                  {"store_synchronous", common.synchronous},
                  {"schedule", "ExactlyOnce, a year ahead"}};
  s.run_once = [common, options](int) { return RunOnce(common, options); };
  s.summary = [](const json& r) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "%.0f jobs/s accepted, latency p50 %.2f ms p99 %.2f ms, %.0f errors, orchd "
                  "CPU %.2f cores",
                  r["jobs_per_s"].get<double>(), r["latency_ms"]["p50"].get<double>(),
                  r["latency_ms"]["p99"].get<double>(), r["errors"].get<double>(),
                  r["orchd_cpu_cores"].get<double>());
    return std::string(line);
  };
  return s;
}

}  // namespace orch::bench
