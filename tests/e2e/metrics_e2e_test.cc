// End-to-end: GET /metrics (SPEC §17) scraped from a live orchd while a burst of jobs goes
// through real TLS agents: every scrape passes the exposition format's checks, the counters
// and histograms move with the runs and never go back, the gauges match the database, and
// the counters survive a configuration reload.
#include <signal.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/e2e/agent_fleet.h"
#include "tests/e2e/agents_e2e_support.h"
#include "tests/e2e/prometheus_text.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
namespace prom = prometheus;

constexpr int kStores = 4;
constexpr int kAgents = 3;
constexpr int kRounds = 6;
constexpr int kAddsPerRound = 20;
constexpr char kAddRoute[] = "POST /CertificateStores/Certificates/Add";
// Failures are retried once, a second later.
constexpr char kSchedulerYaml[] =
    "scheduler:\n"
    "  retry_backoff: 1s\n"
    "  max_attempts: 2\n";

// Every family of SPEC §17 that a scrape must hold (with or without samples).
const std::vector<std::string> kFamilies = {"orchd_build_info",
                                            "orchd_http_requests_total",
                                            "orchd_http_request_duration_seconds",
                                            "orchd_jobs",
                                            "orchd_runs",
                                            "orchd_fires_total",
                                            "orchd_fire_lateness_seconds",
                                            "orchd_runs_delivered_total",
                                            "orchd_runs_completed_total",
                                            "orchd_retries_total",
                                            "orchd_leases_expired_total",
                                            "orchd_skipped_overlap_total",
                                            "orchd_missed_catchup_total",
                                            "orchd_agents",
                                            "orchd_agent_sessions",
                                            "orchd_parked_polls",
                                            "orchd_store_commit_seconds",
                                            "orchd_store_batch_size",
                                            "orchd_store_healthy"};

// The counters that must never go back between two scrapes of one orchd process.
const std::vector<std::string> kMonotonic = {"orchd_fires_total",
                                             "orchd_runs_delivered_total",
                                             "orchd_runs_completed_total",
                                             "orchd_retries_total",
                                             "orchd_fire_lateness_seconds_count",
                                             "orchd_store_commit_seconds_count",
                                             "orchd_store_batch_size_sum",
                                             "orchd_http_requests_total",
                                             "orchd_http_request_duration_seconds_count"};

class MetricsE2E : public AgentsE2E {
 protected:
  // One scrape over the control socket; a failed check fails the test.
  prom::Exposition Scrape() {
    StatusOr<UnixClient> client = orchd_.Connect();
    EXPECT_OK(client);
    if (!client.ok()) return {};
    StatusOr<HttpReply> reply = client->Request("GET", "/metrics");
    EXPECT_OK(reply);
    if (!reply.ok()) return {};
    EXPECT_EQ(reply->status, 200) << reply->body;
    EXPECT_EQ(reply->headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    prom::Exposition exposition = prom::Parse(reply->body);
    EXPECT_THAT(exposition.faults, ::testing::IsEmpty()) << reply->body;
    for (const std::string& family : kFamilies) {
      bool found = false;
      for (const prom::Family& f : exposition.families) found = found || f.name == family;
      EXPECT_TRUE(found) << "no family " << family << " in\n" << reply->body;
    }
    return exposition;
  }

  static double Fires(const prom::Exposition& e) { return prom::Sum(e, "orchd_fires_total"); }
  static double Completed(const prom::Exposition& e) {
    return prom::Sum(e, "orchd_runs_completed_total");
  }

  // No counter of `later` is below the same series in `earlier`.
  static void ExpectNoCounterWentBack(const prom::Exposition& earlier,
                                      const prom::Exposition& later) {
    for (const prom::Family& family : earlier.families) {
      for (const prom::Sample& sample : family.samples) {
        bool monotonic = false;
        for (const std::string& name : kMonotonic) monotonic = monotonic || sample.name == name;
        if (!monotonic) continue;
        std::optional<double> now = prom::Value(later, sample.name, sample.labels);
        ASSERT_TRUE(now.has_value()) << sample.name << " disappeared";
        EXPECT_GE(*now, sample.value) << sample.name << " went back";
      }
    }
  }

  void AddImmediate(int index) {
    const json add = {{"CertificateId", certificate_id_},
                      {"CertificateStores", {{{"CertificateStoreId", stores_[index % kStores]}}}},
                      {"Schedule", {{"Immediate", true}}}};
    auto [status, answer] = Control("POST", "/CertificateStores/Certificates/Add", add.dump());
    ASSERT_EQ(status, 200) << answer.dump();
  }

  // Scrapes until `done` holds of a scrape (answered) or 60 s pass; every scrape is checked
  // and none may have a counter below the one before it.
  prom::Exposition ScrapeUntil(const std::function<bool(const prom::Exposition&)>& done,
                               prom::Exposition previous, int* scrapes) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(60);
    for (;;) {
      prom::Exposition now = Scrape();
      ++*scrapes;
      ExpectNoCounterWentBack(previous, now);
      if (done(now) || std::chrono::steady_clock::now() > deadline || HasFailure()) return now;
      previous = std::move(now);
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
};

TEST_F(MetricsE2E, CountersAndHistogramsMoveWithABurstOfRunsAndSurviveAReload) {
  // Given orchd with three approved TLS agents polling, of which every fourth run fails (and
  // is retried) and every fifth ends with a warning.
  ASSERT_NO_FATAL_FAILURE(StartOrchd("", kSchedulerYaml));
  ASSERT_NO_FATAL_FAILURE(CreatePoolTargets(pki::testing::EcChain().leaf.cert_der, kStores));
  const auto [secret_name, secret_value] = CreateSecret("metrics");
  FleetConfig fleet_config{agent_port_, CaFile(), secret_name, secret_value, 5, 60};
  fleet_config.completion_status = [](int64_t audit_id) {
    return audit_id % 4 == 0 ? 4 : audit_id % 5 == 0 ? 3 : 2;
  };
  AgentFleet fleet(fleet_config, kAgents);
  ASSERT_OK(fleet.Register(milliseconds(30000)));
  ASSERT_EQ(Control("POST", "/Agents/Approve", json(fleet.AgentIds()).dump()).first, 204);
  ASSERT_OK(fleet.Release(milliseconds(30000)));

  prom::Exposition before = Scrape();
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(prom::Value(before, "orchd_build_info").value_or(0), 1);
  EXPECT_EQ(Fires(before), 0);
  EXPECT_EQ(prom::Value(before, "orchd_store_healthy"), 1);
  EXPECT_EQ(prom::Value(before, "orchd_agents", {{"status", "Approved"}}), kAgents);
  EXPECT_EQ(prom::Value(before, "orchd_agent_sessions"), kAgents);

  // When jobs arrive in rounds, each round's fires are seen by a scrape while the agents work.
  int scrapes = 0;
  prom::Exposition last = before;
  for (int round = 1; round <= kRounds && !HasFailure(); ++round) {
    for (int i = 0; i < kAddsPerRound; ++i) ASSERT_NO_FATAL_FAILURE(AddImmediate(i));
    const double fires = round * kAddsPerRound;
    prom::Exposition seen =
        ScrapeUntil([&](const prom::Exposition& e) { return Fires(e) >= fires; }, last, &scrapes);
    EXPECT_EQ(Fires(seen), fires) << "round " << round;
    EXPECT_EQ(prom::Value(seen, "orchd_fire_lateness_seconds_count"), fires);
    EXPECT_EQ(prom::Value(seen, "orchd_http_requests_total",
                          {{"listener", "control"}, {"route", kAddRoute}, {"code", "200"}}),
              fires);
    EXPECT_EQ(prom::Value(seen, "orchd_http_request_duration_seconds_count",
                          {{"listener", "control"}, {"route", kAddRoute}}),
              fires);
    last = std::move(seen);
  }

  // Then, once every run (retries included) is closed, the counters add up.
  prom::Exposition settled = ScrapeUntil(
      [&](const prom::Exposition& e) {
        return prom::Value(e, "orchd_runs", {{"status", "Waiting"}}) == 0 &&
               prom::Value(e, "orchd_runs", {{"status", "InProcess"}}) == 0 &&
               prom::Value(e, "orchd_parked_polls") == kAgents &&
               Completed(e) == prom::Sum(e, "orchd_runs_delivered_total");
      },
      last, &scrapes);
  ASSERT_FALSE(HasFailure());
  const double fires = kRounds * kAddsPerRound;
  const double retries = prom::Sum(settled, "orchd_retries_total");
  const double failures =
      prom::Value(settled, "orchd_runs_completed_total", {{"result", "Failure"}}).value_or(-1);
  EXPECT_EQ(Fires(settled), fires);
  EXPECT_GT(retries, 0);
  EXPECT_GE(failures, retries);
  EXPECT_GT(prom::Value(settled, "orchd_runs_completed_total", {{"result", "Warning"}}), 0);
  EXPECT_GT(prom::Value(settled, "orchd_runs_completed_total", {{"result", "Success"}}), 0);
  EXPECT_EQ(prom::Value(settled, "orchd_runs_completed_total", {{"result", "Unknown"}}), 0);
  // Each fire and each retry is one run, delivered once and completed once.
  EXPECT_EQ(Completed(settled), fires + retries);
  EXPECT_EQ(prom::Sum(settled, "orchd_runs_delivered_total"), fires + retries);
  EXPECT_EQ(Completed(settled), static_cast<double>(fleet.completed()));
  EXPECT_EQ(prom::Value(settled, "orchd_leases_expired_total"), 0);
  // The gauges read from the store agree: every job ran once (Finished), every run closed.
  EXPECT_EQ(prom::Value(settled, "orchd_jobs", {{"state", "Finished"}}), fires);
  EXPECT_EQ(prom::Value(settled, "orchd_jobs", {{"state", "Scheduled"}}), 0);
  EXPECT_EQ(prom::Sum(settled, "orchd_runs"), fires + retries);
  EXPECT_EQ(prom::Value(settled, "orchd_runs", {{"status", "CompletedWillRetry"}}), retries);
  // The agents' calls are counted on their listener, by route.
  EXPECT_EQ(prom::Value(settled, "orchd_http_requests_total",
                        {{"listener", "agent"},
                         {"route", "POST /KeyfactorAgents/Session/Register"},
                         {"code", "200"}}),
            kAgents);
  EXPECT_GE(prom::Sum(settled, "orchd_http_requests_total",
                      {{"listener", "agent"}, {"route", "POST /KeyfactorAgents/Jobs/Poll"}}),
            1);
  // The writer's histograms saw every committed group, each of at least one write.
  const double commits = prom::Value(settled, "orchd_store_commit_seconds_count").value_or(0);
  EXPECT_GT(commits, 0);
  EXPECT_EQ(prom::Value(settled, "orchd_store_batch_size_count"), commits);
  EXPECT_GE(prom::Value(settled, "orchd_store_batch_size_sum").value_or(0), commits);
  EXPECT_GT(scrapes, kRounds);

  // And a reload keeps every counter.
  ASSERT_NO_FATAL_FAILURE(Reload("", kSchedulerYaml));
  prom::Exposition reloaded = Scrape();
  ExpectNoCounterWentBack(settled, reloaded);
  EXPECT_EQ(Fires(reloaded), fires);

  fleet.RequestStop();
  orchd_.process().Signal(SIGTERM);
  EXPECT_EQ(orchd_.process().WaitExit(), 0);
  fleet.Stop();
}

TEST_F(MetricsE2E, UnknownPathsShareOneRouteLabelAndMetricsIsServedUnderThePrefixToo) {
  // Given requests to paths no route serves, whatever they are.
  ASSERT_NO_FATAL_FAILURE(StartOrchd());
  for (const char* path : {"/nowhere", "/a/b/c", "/Agents/Approve/x"}) {
    EXPECT_EQ(Control("GET", path).first, 404) << path;
  }
  EXPECT_EQ(Control("DELETE", "/Status").first, 405);
  // Then they count under route="unmatched", one series per status code.
  StatusOr<UnixClient> client = orchd_.Connect();
  ASSERT_OK(client);
  ASSERT_OK_AND_ASSIGN(HttpReply reply, client->Request("GET", "/KeyfactorAPI/metrics"));
  ASSERT_EQ(reply.status, 200);
  prom::Exposition e = prom::Parse(reply.body);
  EXPECT_THAT(e.faults, ::testing::IsEmpty());
  EXPECT_EQ(prom::Value(e, "orchd_http_requests_total",
                        {{"listener", "control"}, {"route", "unmatched"}, {"code", "404"}}),
            3);
  EXPECT_EQ(prom::Value(e, "orchd_http_requests_total",
                        {{"listener", "control"}, {"route", "unmatched"}, {"code", "405"}}),
            1);
  EXPECT_THAT(reply.body, ::testing::Not(HasSubstr("nowhere")));
  // Six connections so far (the scrape's included), one of them still open; nothing refused.
  EXPECT_EQ(prom::Value(e, "orchd_http_connections_accepted_total", {{"listener", "control"}}),
            6);
  EXPECT_EQ(prom::Value(e, "orchd_http_connections", {{"listener", "control"}}), 1);
  EXPECT_EQ(prom::Sum(e, "orchd_http_requests_refused_total"), 0);
  // A method other than GET is refused like any other route's.
  EXPECT_EQ(Control("POST", "/metrics").first, 405);

  // A request the server refuses before routing is counted by its status.
  ASSERT_OK_AND_ASSIGN(UnixClient garbage, orchd_.Connect());
  ASSERT_OK(garbage.SendRaw("GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n"));
  ASSERT_OK_AND_ASSIGN(HttpReply refused, garbage.ReadReply());
  EXPECT_EQ(refused.status, 400);
  ASSERT_OK_AND_ASSIGN(HttpReply after, client->Request("GET", "/metrics"));
  e = prom::Parse(after.body);
  EXPECT_EQ(prom::Value(e, "orchd_http_requests_refused_total",
                        {{"listener", "control"}, {"code", "400"}}),
            1);
}

TEST_F(MetricsE2E, MetricsListenServesTheMetricsAloneOverPlainHttpOnLoopback) {
  // Given metrics.listen on a free loopback port.
  ASSERT_NO_FATAL_FAILURE(StartOrchd("", "metrics:\n  listen: 127.0.0.1:0\n"));
  const std::string log = orchd_.process().Log();
  const std::string marker = "metrics on http://127.0.0.1:";
  const size_t at = log.find(marker);
  ASSERT_NE(at, std::string::npos) << log;
  const auto port = static_cast<uint16_t>(std::stoi(log.substr(at + marker.size())));
  testing::TlsClientOptions plain;
  plain.tls = false;
  ASSERT_OK_AND_ASSIGN(testing::TlsClient client,
                       testing::TlsClient::Connect("127.0.0.1", port, plain));

  // Then GET /metrics answers the exposition, nothing else is served there, and its requests
  // are counted under the listener "metrics".
  ASSERT_OK_AND_ASSIGN(testing::TlsReply status, client.Request("GET", "/Status"));
  EXPECT_EQ(status.status, 404);
  ASSERT_OK_AND_ASSIGN(testing::TlsReply first, client.Request("GET", "/metrics"));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(prom::Parse(first.body).faults, ::testing::IsEmpty());
  ASSERT_OK_AND_ASSIGN(testing::TlsReply second, client.Request("GET", "/metrics"));
  prom::Exposition e = prom::Parse(second.body);
  EXPECT_THAT(e.faults, ::testing::IsEmpty());
  EXPECT_EQ(prom::Value(e, "orchd_http_requests_total",
                        {{"listener", "metrics"}, {"route", "GET /metrics"}, {"code", "200"}}),
            1);
  EXPECT_EQ(prom::Value(e, "orchd_http_requests_total",
                        {{"listener", "metrics"}, {"route", "unmatched"}, {"code", "404"}}),
            1);
  EXPECT_EQ(prom::Value(e, "orchd_store_healthy"), 1);

  // And a drain closes it with the other listeners.
  orchd_.process().Signal(SIGTERM);
  EXPECT_EQ(orchd_.process().WaitExit(), 0);
  EXPECT_FALSE(testing::TlsClient::Connect("127.0.0.1", port, plain).ok());
}

TEST_F(MetricsE2E, AMetricsListenAddressInUseRefusesTheStartNamingTheSetting) {
  // Given the metrics address taken by another listener (the agent listener of this orchd).
  ASSERT_NO_FATAL_FAILURE(StartOrchd());
  const std::string taken = "127.0.0.1:" + std::to_string(agent_port_);
  OrchdFixture second("metrics:\n  listen: " + taken + "\n");
  // Then a second orchd with it refuses to start and says which setting is at fault.
  ASSERT_OK_AND_ASSIGN(Process refused,
                       second.Spawn({"--config", second.config_path()}, "refused.log"));
  EXPECT_NE(refused.WaitExit(), 0);
  EXPECT_THAT(refused.Log(), HasSubstr("metrics.listen"));
}

}  // namespace
}  // namespace orch::e2e
