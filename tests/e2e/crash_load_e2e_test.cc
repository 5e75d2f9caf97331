// End-to-end: orchd killed with SIGKILL at random (seeded) moments under mixed load — Adds over
// the control socket, Immediate, ExactlyOnce, Daily and Interval jobs firing, agents over TLS
// that poll, configure and complete (some with warnings and failures, so runs are retried),
// and Unschedules — and restarted on the same database each time (SPEC §15). Afterwards the
// database holds every acknowledged Add, no fire twice, no run completed twice, every run in a
// final state, passes PRAGMA integrity_check, and no run handed to an agent but never started
// before a kill ended as "lease expired": such runs are handed again (SPEC §5).
//
// ORCHD_CRASH_KILLS sets the number of kills (default 10; scripts/crash.sh runs 100) and
// ORCHD_CRASH_SEED the seed (default: a random one, printed).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jobs/iso_time.h"
#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/e2e/agent_fleet.h"
#include "tests/e2e/agents_e2e_support.h"
#include "tests/e2e/db_content.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kStores = 6;
constexpr int kAgents = 4;
// A run handed before a kill and then forgotten holds the settle up until its lease expires,
// and then fails the last check. Long enough that an agent working through a full poll answer
// (up to 100 runs, two calls each) under ASan on a busy machine never runs out of it.
constexpr char kSchedulerYaml[] =
    "scheduler:\n"
    "  lease: 20s\n"
    "  retry_backoff: 1s\n"
    "  max_attempts: 3\n";
constexpr milliseconds kLease{20000};
// Time between kills (uniform), after orchd is up again.
constexpr int kMinGapMs = 100;
constexpr int kMaxGapMs = 700;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::strtoll(text, nullptr, 10) : fallback;
}

// What the load threads did; guarded by mu.
struct Load {
  std::mutex mu;
  std::vector<std::string> acknowledged;  // job ids of answered Adds
  int64_t adds = 0;
  int64_t unscheduled = 0;
  std::atomic<bool> stop{false};
};

class CrashLoadE2E : public AgentsE2E {
 protected:
  // One control call on a new connection; nullopt while orchd is down or restarting.
  std::optional<HttpReply> TryControl(const std::string& method, const std::string& target,
                                      const json& body) {
    StatusOr<UnixClient> client = orchd_.Connect();
    if (!client.ok()) return std::nullopt;
    StatusOr<HttpReply> reply = client->Request(method, target, body.is_null() ? "" : body.dump());
    if (!reply.ok()) return std::nullopt;
    return *std::move(reply);
  }

  // A schedule that fires within seconds (or, for Interval, within the minute).
  static json RandomSchedule(std::mt19937_64& rng) {
    const WallTime soon = std::chrono::system_clock::now() +
                          milliseconds(std::uniform_int_distribution<int>(0, 3000)(rng));
    switch (std::uniform_int_distribution<int>(0, 19)(rng) / 5) {
      case 0: return {{"ExactlyOnce", {{"Time", jobs::FormatIsoTime(soon)}}}};
      case 1: return {{"Daily", {{"Time", jobs::FormatIsoTime(soon + seconds(1))}}}};
      case 2:
        if (std::uniform_int_distribution<int>(0, 1)(rng) == 0) {
          return {{"Interval", {{"Minutes", 1}}}};
        }
        [[fallthrough]];
      default: return {{"Immediate", true}};
    }
  }

  // Adds jobs to 1..3 stores every few milliseconds; records the ids of every answered Add.
  void Submit(Load& load, uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (!load.stop) {
      json targets = json::array();
      const int count = std::uniform_int_distribution<int>(1, 3)(rng);
      for (int i = 0; i < count; ++i) {
        targets.push_back(
            {{"CertificateStoreId", stores_[static_cast<size_t>(std::uniform_int_distribution<int>(
                                        0, kStores - 1)(rng))]}});
      }
      const json add = {{"CertificateId", certificate_id_},
                        {"CertificateStores", targets},
                        {"Schedule", RandomSchedule(rng)}};
      std::optional<HttpReply> reply =
          TryControl("POST", "/CertificateStores/Certificates/Add", add);
      if (reply && reply->status == 200) {
        std::lock_guard lock(load.mu);
        ++load.adds;
        for (const json& id : reply->Json()) load.acknowledged.push_back(id.get<std::string>());
      } else if (reply) {
        ADD_FAILURE() << "Add answered " << reply->status << ": " << reply->body;
        return;
      }
      std::this_thread::sleep_for(milliseconds(reply ? 10 : 20));
    }
  }

  // Unschedules one acknowledged job every ~100 ms.
  void Unschedule(Load& load, uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (!load.stop) {
      std::this_thread::sleep_for(milliseconds(100));
      std::string job;
      {
        std::lock_guard lock(load.mu);
        if (load.acknowledged.empty()) continue;
        job = load.acknowledged[std::uniform_int_distribution<size_t>(
            0, load.acknowledged.size() - 1)(rng)];
      }
      std::optional<HttpReply> reply =
          TryControl("POST", "/OrchestratorJobs/Unschedule", {{"JobIds", {job}}});
      if (reply && reply->status == 204) {
        std::lock_guard lock(load.mu);
        ++load.unscheduled;
      } else if (reply) {
        ADD_FAILURE() << "Unschedule answered " << reply->status << ": " << reply->body;
        return;
      }
    }
  }

  // Kills orchd with SIGKILL and starts it again on the same database and agent port.
  void KillAndRestart() {
    orchd_.process().Signal(SIGKILL);
    ASSERT_EQ(orchd_.process().WaitExit(), 128 + SIGKILL);
    ASSERT_NO_FATAL_FAILURE(StartOrchd("", kSchedulerYaml, listen_));
  }

  // Waits until no run is Waiting or InProcess (runs whose lease expires are retried, and
  // recurring jobs may fire meanwhile); answers whether that happened by `deadline`.
  bool Settle(const std::string& db, std::chrono::steady_clock::time_point deadline) {
    while (std::chrono::steady_clock::now() < deadline) {
      if (QueryColumn(db, "SELECT count(*) FROM runs WHERE status IN (1, 2)") ==
          std::vector<std::string>{"0"}) {
        return true;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  std::string listen_;
};

// The runs orchd logged handing again to an agent that had not started them ("handed agent
// ... again N run(s)"), over every start.
int64_t RedeliveredInLog(const std::string& log) {
  static const std::regex kHandedAgain(R"(handed agent \S+ again (\d+) run)");
  int64_t total = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), kHandedAgain);
       it != std::sregex_iterator(); ++it) {
    total += std::stoll((*it)[1].str());
  }
  return total;
}

std::string One(const std::string& db, const std::string& sql) {
  std::vector<std::string> rows = QueryColumn(db, sql);
  return rows.empty() ? "" : rows.front();
}

TEST_F(CrashLoadE2E, KillsUnderMixedLoadLoseNothingAndRedeliverHandedRuns) {
  // Given Adds, fires, four TLS agents and Unschedules running together, when orchd is killed
  // with SIGKILL at random moments and restarted each time on the same database, then after
  // a final settle nothing acknowledged is lost, nothing fired or completed twice, every run
  // is final, the database is intact, and no run merely handed before a kill expired.
  const int kills = static_cast<int>(EnvInt("ORCHD_CRASH_KILLS", 10));
  const uint64_t seed = static_cast<uint64_t>(
      EnvInt("ORCHD_CRASH_SEED", static_cast<int64_t>(std::random_device{}() >> 1)));
  std::printf("crash-load seed: %llu (ORCHD_CRASH_SEED), kills: %d\n",
              static_cast<unsigned long long>(seed), kills);
  std::fflush(stdout);
  std::mt19937_64 rng(seed);

  ASSERT_NO_FATAL_FAILURE(StartOrchd("", kSchedulerYaml));
  listen_ = "127.0.0.1:" + std::to_string(agent_port_);
  ASSERT_NO_FATAL_FAILURE(CreatePoolTargets(pki::testing::EcChain().leaf.cert_der, kStores));
  const auto [secret_name, secret_value] = CreateSecret("crash");
  FleetConfig fleet_config{agent_port_, CaFile(), secret_name, secret_value, 5, 60};
  fleet_config.survive_restarts = true;
  // Every fifth run fails (and is retried), every seventh ends with a warning.
  fleet_config.completion_status = [](int64_t audit_id) {
    return audit_id % 5 == 0 ? 4 : audit_id % 7 == 0 ? 3 : 2;
  };
  AgentFleet fleet(fleet_config, kAgents);
  ASSERT_OK(fleet.Register(milliseconds(30000)));
  ASSERT_EQ(Control("POST", "/Agents/Approve", json(fleet.AgentIds()).dump()).first, 204);
  ASSERT_OK(fleet.Release(milliseconds(30000)));

  Load load;
  std::thread submitter([&] { Submit(load, seed + 1); });
  std::thread unscheduler([&] { Unschedule(load, seed + 2); });
  auto stop_load = [&] {
    load.stop = true;
    if (submitter.joinable()) submitter.join();
    if (unscheduler.joinable()) unscheduler.join();
  };
  for (int kill = 0; kill < kills && !HasFailure(); ++kill) {
    std::this_thread::sleep_for(
        milliseconds(std::uniform_int_distribution<int>(kMinGapMs, kMaxGapMs)(rng)));
    KillAndRestart();
  }
  stop_load();
  if (HasFailure()) {
    const std::string log = orchd_.process().Log();
    FAIL() << "the end of orchd's log:\n"
           << log.substr(log.size() - std::min<size_t>(log.size(), 6000));
  }

  // Settled: the agents finish what is open; a lease that expires is retried and run too.
  const std::string db = orchd_.dir().File("orchd.db");
  const bool settled = Settle(db, std::chrono::steady_clock::now() + 2 * kLease + seconds(20));
  fleet.RequestStop();
  orchd_.process().Signal(SIGTERM);
  EXPECT_EQ(orchd_.process().WaitExit(), 0);
  fleet.Stop();
  EXPECT_TRUE(settled) << "runs still open: "
                       << One(db, "SELECT count(*) FROM runs WHERE status IN (1, 2)");

  // Every acknowledged Add is present.
  const std::vector<std::string> stored = QueryColumn(db, "SELECT job_id FROM jobs");
  const std::set<std::string> present(stored.begin(), stored.end());
  for (const std::string& id : load.acknowledged) {
    ASSERT_TRUE(present.contains(id)) << "acknowledged job " << id << " lost";
  }
  // No fire recorded twice, no run completed twice.
  EXPECT_EQ(QueryColumn(db,
                        "SELECT job_id FROM runs GROUP BY job_id, scheduled_for "
                        "HAVING count(*) > 1"),
            std::vector<std::string>{});
  std::map<int64_t, int> completions;
  int64_t conflicts = 0;
  for (const AgentRecord& agent : fleet.records()) {
    for (int64_t audit_id : agent.completed_audit_ids) ++completions[audit_id];
    conflicts += agent.completion_conflicts;
    EXPECT_EQ(agent.errors, 0) << agent.agent_id << ": " << agent.first_error;
  }
  for (const auto& [audit_id, count] : completions) {
    EXPECT_EQ(count, 1) << "run " << audit_id << " completed " << count << " times";
  }
  // Every run is final, and the database is intact.
  EXPECT_EQ(One(db, "SELECT count(*) FROM runs WHERE status IN (1, 2)"), "0");
  const std::string integrity = One(db, "PRAGMA integrity_check");
  EXPECT_EQ(integrity, "ok");
  // A run handed before a kill and never started was handed again, not left to expire.
  EXPECT_EQ(QueryColumn(db,
                        "SELECT run_id FROM runs WHERE message = 'lease expired' AND "
                        "operation_start IS NULL"),
            std::vector<std::string>{});

  const std::string runs = One(db, "SELECT count(*) FROM runs");
  std::printf(
      "crash-load summary: kills=%d seed=%llu acknowledged_adds=%lld jobs=%zu unscheduled=%lld "
      "runs=%s completed=%s agent_completions=%zu completion_retries_refused=%lld "
      "redelivered=%lld lease_expired=%s lease_expired_unstarted=%s integrity=%s\n",
      kills, static_cast<unsigned long long>(seed), static_cast<long long>(load.adds),
      load.acknowledged.size(), static_cast<long long>(load.unscheduled), runs.c_str(),
      One(db, "SELECT count(*) FROM runs WHERE status IN (3, 4, 5)").c_str(), completions.size(),
      static_cast<long long>(conflicts),
      static_cast<long long>(RedeliveredInLog(orchd_.process().Log())),
      One(db, "SELECT count(*) FROM runs WHERE message = 'lease expired'").c_str(),
      One(db,
          "SELECT count(*) FROM runs WHERE message = 'lease expired' AND operation_start IS NULL")
          .c_str(),
      integrity.c_str());
}

}  // namespace
}  // namespace orch::e2e
