// End-to-end: the real orch-agent against the real orchd over TLS — enrollment with a secret,
// approval, deploys into PEM and PKCS#12 stores, Warning and Failure outcomes that leave files
// alone, a required reenrollment, an orchd restart under a long poll, path confinement and
// hooks.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/e2e/agents_e2e_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

namespace certs = pki::testing;
using ::testing::HasSubstr;

constexpr char kPfxPassword[] = "pfx-Pass-41c9";

std::string OrchAgentBinary() {
  return ORCH_AGENT_BINARY;
}

// Waits (bounded) until `done` holds, asking again every 50 ms: the agent works on its own
// schedule, so the test watches what orchd records rather than sleeping a fixed time.
bool Eventually(const std::function<bool()>& done,
                std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

class OrchAgentE2E : public AgentsE2E {
 protected:
  // The scheduler settings orchd runs with.
  virtual std::string SchedulerYaml() const {
    return "scheduler:\n  max_attempts: 1\n  lease: 5s\n";
  }

  void SetUp() override {
    StartOrchd("", SchedulerYaml());
    secret_ = CreateSecret("fleet");
    roots_ = orchd_.dir().File("stores");
    std::filesystem::create_directories(roots_);
    WriteFile(orchd_.dir().File("secret.value"), secret_.second + "\n");
    ::chmod(orchd_.dir().File("secret.value").c_str(), 0600);
    const certs::TestChain& rsa = certs::RsaChain();
    auto [imported, cert] = Control(
        "POST", "/Certificates/Import",
        json{{"Certificate", pki::Base64Encode(certs::MakePkcs12(rsa.leaf, {&rsa.issuing}, "p12"))},
             {"Password", "p12"}}
            .dump());
    ASSERT_EQ(imported, 200) << cert.dump();
    certificate_ = cert["Id"];
    thumbprint_ = cert["Thumbprint"];
    auto [other_imported, other] =
        Control("POST", "/Certificates/Import",
                json{{"Certificate", pki::Base64Encode(certs::EcChain().leaf.cert_der)}}.dump());
    ASSERT_EQ(other_imported, 200) << other.dump();
    other_certificate_ = other["Id"];
  }

  void TearDown() override {
    for (Process& agent : agents_) {
      agent.Signal(SIGTERM);
      agent.WaitExit();
    }
  }

  // Writes an agent configuration for `machine` (with `extra` YAML) and starts orch-agent.
  void StartAgent(const std::string& machine, const std::string& extra = "",
                  const std::string& ca_file = "", const std::string& secret_name = "fleet") {
    const std::string config = orchd_.dir().File(machine + ".yaml");
    WriteFile(config, "server: https://127.0.0.1:" + std::to_string(agent_port_) +
                          "\n"
                          "ca_file: " +
                          (ca_file.empty() ? CaFile() : ca_file) +
                          "\n"
                          "secret:\n  name: " +
                          secret_name + "\n  value_file: " + orchd_.dir().File("secret.value") +
                          "\n"
                          "client_machine: " +
                          machine +
                          "\n"
                          "state_dir: " +
                          orchd_.dir().File(machine + "-state") +
                          "\n"
                          "store_roots: [" +
                          roots_ +
                          "]\n"
                          "poll_wait: 2s\n"
                          "backoff:\n  initial: 100ms\n  max: 1s\n"
                          "logging:\n  level: debug\n" +
                          extra);
    ASSERT_OK_AND_ASSIGN(Process agent, Process::Start({OrchAgentBinary(), "--config", config}, {},
                                                       orchd_.dir().File(machine + ".log")));
    agents_.push_back(std::move(agent));
  }

  // The id of the agent named `machine` once it enrolled, approved.
  std::string ApprovedAgent(const std::string& machine) {
    std::string id;
    EXPECT_TRUE(Eventually([&] {
      for (const json& agent : Control("GET", "/Agents").second) {
        if (agent.value("ClientMachine", "") == machine) id = agent.value("AgentId", "");
      }
      return !id.empty();
    })) << AgentLog(machine);
    if (id.empty()) return id;
    EXPECT_EQ(Control("POST", "/Agents/Approve", json::array({id}).dump()).first, 204);
    return id;
  }

  std::string AgentLog(const std::string& machine) {
    return ReadFile(orchd_.dir().File(machine + ".log"));
  }

  // A store served by `agent` at `path` (under the roots unless absolute).
  std::string Store(const std::string& agent, const std::string& path, int type,
                    json properties = json::object(), const std::string& password = "") {
    json body = {{"ClientMachine", "web01"}, {"Storepath", path},       {"CertStoreType", type},
                 {"AgentId", agent},         {"CreateIfMissing", true}, {"Properties", properties}};
    if (!password.empty()) body["Password"] = password;
    auto [created, store] = Control("POST", "/CertificateStores", body.dump());
    EXPECT_EQ(created, 200) << store.dump();
    return store.value("Id", "");
  }

  // Adds `certificate` to `store` now; answers the job id.
  std::string AddNow(int64_t certificate, const std::string& store, bool with_key,
                     bool overwrite = false, const std::string& alias = "web") {
    json target = {{"CertificateStoreId", store},
                   {"Alias", alias},
                   {"IncludePrivateKey", with_key},
                   {"Overwrite", overwrite}};
    if (with_key) target["PfxPassword"] = kPfxPassword;
    auto [status, ids] = Control("POST", "/CertificateStores/Certificates/Add",
                                 json{{"CertificateId", certificate},
                                      {"CertificateStores", {target}},
                                      {"Schedule", {{"Immediate", true}}}}
                                     .dump());
    EXPECT_EQ(status, 200) << ids.dump();
    return ids.is_array() ? ids[0].get<std::string>() : "";
  }

  // The job's last run once it is Completed (Status 3), or null after the wait.
  json Finished(const std::string& job, std::chrono::seconds limit = std::chrono::seconds(20)) {
    json run;
    Eventually(
        [&] {
          json rows =
              Control("GET", "/OrchestratorJobs/JobHistory?pq.queryString=JobId%20-eq%20" + job)
                  .second;
          if (!rows.is_array() || rows.empty() || rows.back().value("Status", 0) != 3) return false;
          run = rows.back();
          return true;
        },
        limit);
    return run;
  }

  std::pair<std::string, std::string> secret_;
  std::string roots_;
  int64_t certificate_ = 0;
  int64_t other_certificate_ = 0;
  std::string thumbprint_;
  std::vector<Process> agents_;
};

TEST_F(OrchAgentE2E, EnrollsAndDeploysPemWithChainAndKeyThenWarnsAndRefuses) {
  // Given an enrolled and approved agent, a PEM deploy writes leaf, chain and key; the same
  // certificate again is a Warning; another certificate without Overwrite is a Failure that
  // leaves the file byte for byte.
  StartAgent("web01");
  const std::string agent = ApprovedAgent("web01");
  ASSERT_FALSE(agent.empty());
  const std::string path = roots_ + "/web.pem";
  const std::string store = Store(agent, path, 2);
  json run = Finished(AddNow(certificate_, store, true));
  ASSERT_FALSE(run.is_null()) << AgentLog("web01");
  EXPECT_EQ(run["Result"], 2) << run.dump();
  EXPECT_EQ(run["AgentId"], agent);
  const std::string written = ReadFile(path);
  const certs::TestChain& rsa = certs::RsaChain();
  EXPECT_THAT(written, HasSubstr(rsa.leaf.cert_pem));
  EXPECT_THAT(written, HasSubstr(rsa.issuing.cert_pem));
  EXPECT_THAT(written, HasSubstr("-----BEGIN PRIVATE KEY-----"));
  EXPECT_LT(written.find(rsa.leaf.cert_pem), written.find(rsa.issuing.cert_pem));

  json again = Finished(AddNow(certificate_, store, true));
  EXPECT_EQ(again["Result"], 3) << again.dump();
  EXPECT_THAT(again.value("Message", ""), HasSubstr("already present"));

  json refused = Finished(AddNow(other_certificate_, store, false));
  EXPECT_EQ(refused["Result"], 4) << refused.dump();
  EXPECT_THAT(refused.value("Message", ""), HasSubstr(thumbprint_));
  EXPECT_EQ(ReadFile(path), written);
}

TEST_F(OrchAgentE2E, SeparateKeyFileAndPkcs12EntryReadBackWithOpenssl) {
  // Given a PEM store whose key goes to a separate file and a PKCS#12 store with a password,
  // the key lands 0600 in its own file, and the PKCS#12 entry opens with openssl.
  StartAgent("web01");
  const std::string agent = ApprovedAgent("web01");
  ASSERT_FALSE(agent.empty());
  const std::string key_path = roots_ + "/web.key";
  const std::string pem_store =
      Store(agent, roots_ + "/split.pem", 2, {{"SeparatePrivateKeyFilePath", key_path}});
  json pem_run = Finished(AddNow(certificate_, pem_store, true));
  EXPECT_EQ(pem_run["Result"], 2) << pem_run.dump() << AgentLog("web01");
  EXPECT_THAT(ReadFile(key_path), HasSubstr("-----BEGIN PRIVATE KEY-----"));
  EXPECT_THAT(ReadFile(roots_ + "/split.pem"), ::testing::Not(HasSubstr("PRIVATE KEY")));
  struct stat st {};
  ASSERT_EQ(::stat(key_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const std::string p12_path = roots_ + "/web.p12";
  const std::string p12_store = Store(agent, p12_path, 102, json::object(), "store-Pass-88");
  json p12_run = Finished(AddNow(certificate_, p12_store, true, false, "web-entry"));
  EXPECT_EQ(p12_run["Result"], 2) << p12_run.dump() << AgentLog("web01");
  ASSERT_OK_AND_ASSIGN(Process info,
                       Process::Start({"/usr/bin/openssl", "pkcs12", "-info", "-in", p12_path,
                                       "-passin", "pass:store-Pass-88", "-nokeys"},
                                      {}, orchd_.dir().File("openssl.log")));
  EXPECT_EQ(info.WaitExit(), 0) << info.Log();
  EXPECT_THAT(info.Log(), HasSubstr("web-entry"));
}

TEST_F(OrchAgentE2E, PathsOutsideTheStoreRootsAreRefusedAndNothingIsWritten) {
  // Given store paths outside store_roots — directly, through "..", and through a symbolic
  // link — each run is a Failure and no file appears.
  StartAgent("web01");
  const std::string agent = ApprovedAgent("web01");
  ASSERT_FALSE(agent.empty());
  const std::string outside = orchd_.dir().File("outside");
  std::filesystem::create_directories(outside);
  std::filesystem::create_directory_symlink(outside, roots_ + "/link");
  for (const std::string& path :
       {outside + "/a.pem", roots_ + "/../outside/b.pem", roots_ + "/link/c.pem"}) {
    json run = Finished(AddNow(other_certificate_, Store(agent, path, 2), false));
    EXPECT_EQ(run["Result"], 4) << path << " " << run.dump();
  }
  EXPECT_TRUE(std::filesystem::is_empty(outside));
}

TEST_F(OrchAgentE2E, RequiredReenrollmentGivesANewCertificateAndJobsGoOn) {
  // Given Required reenrollment, the agent gets a new certificate (its thumbprint changes) and
  // the next job still runs.
  StartAgent("web01");
  const std::string agent = ApprovedAgent("web01");
  ASSERT_FALSE(agent.empty());
  const std::string store = Store(agent, roots_ + "/r.pem", 2);
  ASSERT_EQ(Finished(AddNow(other_certificate_, store, false))["Result"], 2) << AgentLog("web01");
  const std::string before = GetAgent(agent).value("Thumbprint", "");
  ASSERT_EQ(Control("POST", "/Agents/SetAuthCertificateReenrollment",
                    json{{"OrchestratorIds", {agent}}, {"Status", 2}}.dump())
                .first,
            200);
  EXPECT_TRUE(Eventually([&] {
    json now = GetAgent(agent);
    return now.value("Thumbprint", "") != before &&
           now.value("AuthCertificateReenrollment", -1) == 0;
  })) << AgentLog("web01");
  EXPECT_EQ(GetAgent(agent)["LegacyThumbprint"], before);
  // The same certificate with Overwrite: replaced, by the agent's new session.
  json run = Finished(AddNow(other_certificate_, store, false, true));
  EXPECT_EQ(run["Result"], 2) << run.dump() << AgentLog("web01");
}

TEST_F(OrchAgentE2E, TheAgentReconnectsAfterOrchdRestarts) {
  // Given an agent long-polling, orchd stopped and started again on the same state and port:
  // the agent reconnects on its own and runs the next job.
  StartAgent("web01");
  const std::string agent = ApprovedAgent("web01");
  ASSERT_FALSE(agent.empty());
  const std::string store = Store(agent, roots_ + "/x.pem", 2);
  ASSERT_EQ(Finished(AddNow(other_certificate_, store, false))["Result"], 2);
  const uint16_t port = agent_port_;
  orchd_.process().Signal(SIGTERM);
  ASSERT_EQ(orchd_.process().WaitExit(), 0);
  // The same port, so the agent's configured server is right again.
  StartOrchd("", SchedulerYaml(), "127.0.0.1:" + std::to_string(port));
  json run = Finished(AddNow(other_certificate_, store, false, true));
  EXPECT_EQ(run["Result"], 2) << run.dump() << AgentLog("web01");
  EXPECT_EQ(run["AgentId"], agent);
}

TEST_F(OrchAgentE2E, HooksRunAfterADeployAndAFailingOneWarns) {
  // Given a hook that records its run for one store and a failing hook for another, the first
  // deploy succeeds and the hook ran; the second is a Warning with the hook's exit and output.
  const std::string marker = orchd_.dir().File("hook-ran");
  StartAgent("web01",
             "hooks:\n"
             "  - stores: \"" +
                 roots_ +
                 "/ok*\"\n"
                 "    run: [/usr/bin/touch, \"" +
                 marker +
                 "\"]\n"
                 "  - stores: \"" +
                 roots_ +
                 "/bad*\"\n"
                 "    run: [/bin/sh, -c, \"echo reload failed; exit 3\"]\n"
                 "    timeout: 5s\n");
  const std::string agent = ApprovedAgent("web01");
  ASSERT_FALSE(agent.empty());
  json ok = Finished(AddNow(other_certificate_, Store(agent, roots_ + "/ok.pem", 2), false));
  EXPECT_EQ(ok["Result"], 2) << ok.dump() << AgentLog("web01");
  EXPECT_TRUE(Exists(marker));
  json bad = Finished(AddNow(other_certificate_, Store(agent, roots_ + "/bad.pem", 2), false));
  EXPECT_EQ(bad["Result"], 3) << bad.dump();
  EXPECT_THAT(bad.value("Message", ""), HasSubstr("exited 3"));
  EXPECT_THAT(bad.value("Message", ""), HasSubstr("reload failed"));
}

// How often `needle` occurs in `text`.
size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST_F(OrchAgentE2E, AWrongCaAndARevokedSecretAreOneLogLineEachAndRetried) {
  // Given an agent that trusts another CA and one whose secret was revoked, each logs its
  // reason once, keeps retrying with backoff (one debug line per attempt), and enrolls nothing.
  WriteFile(orchd_.dir().File("other-ca.pem"), certs::EcChain().root.cert_pem);
  StartAgent("lab01", "", orchd_.dir().File("other-ca.pem"));
  ASSERT_EQ(Control("POST", "/api/v2/agent/secrets/fleet/revoke").first, 200);
  StartAgent("lab02");
  for (const char* machine : {"lab01", "lab02"}) {
    EXPECT_TRUE(Eventually([&] { return Count(AgentLog(machine), "still ") >= 3; }))
        << AgentLog(machine);
    const std::string log = AgentLog(machine);
    EXPECT_EQ(Count(log, "trying again in"), 1u) << log;
  }
  EXPECT_THAT(AgentLog("lab01"), HasSubstr("TLS"));
  EXPECT_THAT(AgentLog("lab02"), HasSubstr("enrolling with secret fleet: HTTP 401"));
  EXPECT_EQ(TotalCount("/Agents"), "0");
  for (Process& agent : agents_) {
    EXPECT_FALSE(agent.WaitExit(std::chrono::milliseconds(0)).has_value()) << "it kept running";
  }
}

// Leases expire after 5 s and a failed run is tried again 1 s later.
class OrchAgentPoolE2E : public OrchAgentE2E {
 protected:
  std::string SchedulerYaml() const override {
    return "scheduler:\n  max_attempts: 2\n  lease: 5s\n  retry_backoff: 1s\n";
  }
};

TEST_F(OrchAgentPoolE2E, AKilledAgentsRunGoesToTheOtherAgentOfThePool) {
  // Given a pool whose first agent is killed with SIGKILL while it runs a job (its hook keeps
  // the job open), the lease expires and the run goes to the pool's second agent, which
  // completes it.
  StartAgent("web01",
             "hooks:\n  - stores: \"*\"\n    run: [/bin/sleep, \"60\"]\n    timeout: 2m\n");
  const std::string first = ApprovedAgent("web01");
  ASSERT_FALSE(first.empty());
  auto [pooled, pool] = Control("POST", "/AgentPools",
                                json{{"Name", "web"}, {"Agents", {{{"AgentId", first}}}}}.dump());
  ASSERT_EQ(pooled, 200) << pool.dump();
  json body = {{"ClientMachine", "web01"},
               {"Storepath", roots_ + "/pool.pem"},
               {"CertStoreType", 2},
               {"AgentPoolId", pool["AgentPoolId"]},
               {"CreateIfMissing", true}};
  auto [created, store] = Control("POST", "/CertificateStores", body.dump());
  ASSERT_EQ(created, 200) << store.dump();
  const std::string job = AddNow(other_certificate_, store["Id"], false);
  const std::string history = "/OrchestratorJobs/JobHistory?pq.queryString=JobId%20-eq%20" + job;
  ASSERT_TRUE(Eventually([&] {
    json rows = Control("GET", history).second;
    return rows.is_array() && !rows.empty() && rows.back().value("Status", 0) == 2;
  })) << AgentLog("web01");
  // The run is configured; the store is written (renamed into place) before the hook starts.
  ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(roots_ + "/pool.pem"); }))
      << AgentLog("web01");
  agents_.front().Signal(SIGKILL);
  agents_.front().WaitExit();
  agents_.clear();

  StartAgent("web02");
  const std::string second = ApprovedAgent("web02");
  ASSERT_FALSE(second.empty());
  json members = {{{"AgentId", first}}, {{"AgentId", second}}};
  ASSERT_EQ(
      Control(
          "PUT", "/AgentPools",
          json{{"AgentPoolId", pool["AgentPoolId"]}, {"Name", "web"}, {"Agents", members}}.dump())
          .first,
      200);
  ASSERT_TRUE(Eventually(
      [&] {
        json rows = Control("GET", history).second;
        return rows.is_array() && rows.size() == 2 && rows.back().value("Status", 0) == 3;
      },
      std::chrono::seconds(30)))
      << Control("GET", history).second.dump() << AgentLog("web02");
  json rows = Control("GET", history).second;
  EXPECT_EQ(rows.front()["Message"], "lease expired") << rows.dump();
  EXPECT_EQ(rows.back()["AgentId"], second) << rows.dump();
  // The first agent had written the store before its hook held the job open.
  EXPECT_EQ(rows.back()["Result"], 3) << rows.dump();
  EXPECT_THAT(rows.back().value("Message", ""), HasSubstr("already present"));
}

}  // namespace
}  // namespace orch::e2e
