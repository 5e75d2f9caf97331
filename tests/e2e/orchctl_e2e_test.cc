// End-to-end: a real orchd driven only with the real orchctl binary — the whole story of an
// operator from a secret to an acknowledged failure, every subcommand, the --json output of
// every list against the API's own answer, and the error paths with their exit codes.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "jobs/iso_time.h"
#include "jobs/time_zone.h"
#include "pki/test_certs.h"
#include "tests/e2e/agents_e2e_support.h"
#include "tests/e2e/orchctl_runner.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

namespace certs = pki::testing;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TlsReply;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";
constexpr char kDefaultPool[] = "00000000-0000-0000-0000-000000000000";
constexpr char kP12Password[] = "p12-Secret-7f3a91";

// The next 02:00 in Europe/Berlin after `now`, as the API shows it.
std::string NextBerlinTwoAm(WallTime now) {
  StatusOr<jobs::TimeZone> zone = jobs::TimeZone::Locate("Europe/Berlin");
  if (!zone.ok()) return "";
  const jobs::TimeZone& berlin = *zone;
  using namespace std::chrono;
  const local_days today = floor<days>(berlin.ToLocal(now));
  for (int day = 0; day < 3; ++day) {
    const WallTime candidate = berlin.FromLocal(today + days(day) + hours(2));
    if (candidate > now) return jobs::FormatIsoTime(candidate);
  }
  return "";
}

class OrchctlE2E : public AgentsE2E {
 protected:
  void SetUp() override {
    StartOrchd("", "scheduler:\n  max_attempts: 1\n");
    orchctl_.emplace(orchd_.socket_path(), orchd_.dir());
  }

  // orchctl `args`, which must succeed; its stdout.
  std::string Ok(const std::vector<std::string>& args, const std::string& input = "") {
    OrchctlResult result = orchctl_->Run(args, input);
    EXPECT_EQ(result.exit_code, 0) << ::testing::PrintToString(args) << "\n" << result.err;
    return result.out;
  }
  // orchctl --json `args`, parsed.
  json OkJson(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "--json");
    const std::string out = Ok(args, input);
    json parsed = json::parse(out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << out;
    return parsed;
  }

  // A second registration over mTLS: the agent's session token.
  std::string OpenSession(const std::string& id, const std::string& machine,
                          const AgentCredential& credential) {
    json body = RegisterBody(id, machine, std::nullopt, "registration-enroll-stores");
    StatusOr<TlsReply> reply = AgentPost(kRegister, body, {}, &credential);
    EXPECT_OK(reply);
    json answer = reply.ok() ? json::parse(reply->body, nullptr, false) : json();
    EXPECT_EQ(answer["Result"]["Status"], 1) << (reply.ok() ? reply->body : "");
    return answer["Session"].value("Token", "");
  }

  // The agent takes its next run and completes it with `status` (2 success, 4 failure).
  std::string RunNextJob(const AgentCredential& credential, const std::string& token, int status) {
    auto call = [&](const std::string& path, json body) {
      body["SessionToken"] = token;
      StatusOr<TlsReply> reply = AgentPost(path, body, {}, &credential);
      EXPECT_OK(reply);
      return reply.ok() ? json::parse(reply->body, nullptr, false) : json();
    };
    json polled = call(kPoll, {{"WaitSeconds", 5}});
    EXPECT_EQ(polled["Jobs"].size(), 1u) << polled.dump();
    if (polled["Jobs"].size() != 1) return "";
    const json handed = polled["Jobs"][0];
    const std::string job = handed["JobId"];
    json configured =
        call("/" + handed["ConfigurationEndpoint"].get<std::string>(), {{"JobId", job}});
    call("/" + handed["CompletionEndpoint"].get<std::string>(),
         {{"JobId", job},
          {"AuditId", configured["AuditId"]},
          {"Status", status},
          {"Message", status == 2 ? "deployed" : "disk full"}});
    return job;
  }

  std::optional<Orchctl> orchctl_;
};

// Waits (bounded) until the file at `path` holds a line for which `done` holds.
bool WaitForLine(const std::string& path, const std::function<bool(const json&)>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = ReadFile(path);
    for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      json line = json::parse(text.substr(start, end - start), nullptr, false);
      if (!line.is_discarded() && done(line)) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polls a file, not the clock
  }
  return false;
}

TEST_F(OrchctlE2E, AWholeStoryDrivenOnlyByOrchctl) {
  // Given a fresh orchd, an operator using only orchctl makes a secret, approves the agent
  // that enrolled with it, pools it, imports a PEM and a PKCS#12, makes two stores, schedules a
  // daily 02:00 Berlin job to both, unschedules one, follows the history while an Immediate job
  // runs, and acknowledges a failed run.
  json secret = OkJson({"secrets", "create", "bootstrap"});
  ASSERT_EQ(secret["name"], "bootstrap");
  AgentCredential credential;
  const std::string agent = EnrollAgent({"bootstrap", secret["secret"]}, "web01", &credential,
                                        {"CertStores.PEM.Management", "CertStores.P12.Management"});
  ASSERT_EQ(agent.size(), 36u);
  json agents = OkJson({"agents", "list"});
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0]["AgentId"], agent);
  EXPECT_EQ(agents[0]["Status"], 1);
  EXPECT_THAT(Ok({"agents", "approve", agent}), HasSubstr("approve: 1 agent(s)"));
  EXPECT_EQ(OkJson({"agents", "show", agent})["Status"], 2);
  const std::string token = OpenSession(agent, "web01", credential);

  json pool = OkJson({"pools", "create", "web", "--agent", agent + ":discover"});
  const std::string pool_id = pool["AgentPoolId"];
  ASSERT_EQ(pool["Agents"].size(), 1u);
  EXPECT_EQ(pool["Agents"][0]["EnableDiscover"], true);

  const certs::TestChain& ec = certs::EcChain();
  WriteFile(orchd_.dir().File("chain.pem"), ec.leaf.cert_pem + ec.issuing.cert_pem);
  json pem = OkJson({"certs", "import", orchd_.dir().File("chain.pem")});
  const certs::TestChain& rsa = certs::RsaChain();
  WriteFile(orchd_.dir().File("leaf.p12"),
            certs::MakePkcs12(rsa.leaf, {&rsa.issuing}, kP12Password));
  WriteFile(orchd_.dir().File("p12.pass"), std::string(kP12Password) + "\n");
  json p12 = OkJson({"certs", "import", orchd_.dir().File("leaf.p12"), "--password-file",
                     orchd_.dir().File("p12.pass")});
  EXPECT_EQ(p12["HasPrivateKey"], true);
  const std::string certificate = std::to_string(pem["Id"].get<int64_t>());

  json web01 = OkJson({"stores", "create", "--machine", "web01", "--path", "/etc/ssl/web01.pem",
                       "--type", "PEM", "--pool", pool_id});
  json web02 = OkJson({"stores", "create", "--machine", "web02", "--path", "/etc/ssl/web02.pem",
                       "--type", "PEM", "--pool", pool_id});
  const std::string store1 = web01["Id"];
  const std::string store2 = web02["Id"];

  const WallTime before = SystemClock().WallNow();
  json daily = OkJson({"jobs", "add", certificate, "--store", store1, "--store", store2, "--daily",
                       "02:00", "--tz", "Europe/Berlin"});
  ASSERT_EQ(daily.size(), 2u);
  json scheduled = OkJson({"jobs", "scheduled"});
  ASSERT_EQ(scheduled.size(), 2u);
  for (const json& job : scheduled) {
    EXPECT_EQ(job["NextRunTime"], NextBerlinTwoAm(before)) << job.dump();
    EXPECT_EQ(job["Schedule"]["Daily"]["TimeZone"], "Europe/Berlin");
  }
  Ok({"jobs", "unschedule", daily[0]});
  json still = OkJson({"jobs", "scheduled", "--query", "State -eq \"Scheduled\""});
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0]["JobId"], daily[1]);

  const std::string followed = orchd_.dir().File("follow.ndjson");
  // --after 0 replays what is already there: nothing is missed however late it connects.
  ASSERT_OK_AND_ASSIGN(
      Process follow, orchctl_->Start({"--json", "history", "--follow", "--after", "0"}, followed));
  json now_job = OkJson({"jobs", "add", certificate, "--store", store1, "--now"});
  ASSERT_EQ(now_job.size(), 1u);
  EXPECT_EQ(RunNextJob(credential, token, 2), now_job[0]);
  EXPECT_TRUE(WaitForLine(followed, [&](const json& row) {
    return row["JobId"] == now_job[0] && row["Status"] == 3 && row["Result"] == 2;
  })) << ReadFile(followed);
  follow.Signal(SIGINT);
  EXPECT_EQ(follow.WaitExit(), 0);

  json failing = OkJson({"jobs", "add", certificate, "--store", store1, "--now"});
  EXPECT_EQ(RunNextJob(credential, token, 4), failing[0]);
  json failed =
      OkJson({"history", "--query", "JobId -eq \"" + failing[0].get<std::string>() + "\""});
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["Result"], 4);
  const std::string audit = std::to_string(failed[0]["JobHistoryId"].get<int64_t>());
  Ok({"jobs", "ack", audit});
  EXPECT_EQ(OkJson({"history", "--query", "JobHistoryId -eq " + audit})[0]["Status"], 4);

  // Every list's --json is the API's own answer for the same call.
  const std::vector<std::pair<std::vector<std::string>, std::string>> lists = {
      {{"agents", "list"}, "/Agents"},
      {{"pools", "list"}, "/AgentPools"},
      {{"pools", "default-members"}, "/AgentPools/Agents"},
      {{"secrets", "list"}, "/api/v2/agent/secrets"},
      {{"certs", "list"}, "/Certificates"},
      {{"collections", "list"}, "/CertificateCollections"},
      {{"containers", "list"}, "/CertificateStoreContainers"},
      {{"store-types"}, "/CertificateStoreTypes"},
      {{"stores", "list"}, "/CertificateStores"},
      {{"jobs", "scheduled"}, "/OrchestratorJobs/ScheduledJobs"},
      {{"history"}, "/OrchestratorJobs/JobHistory"},
  };
  for (const auto& [args, path] : lists) {
    auto [status, api] = Control("GET", path);
    ASSERT_EQ(status, 200) << path;
    json listed = OkJson(args);
    // LastSeen moves with every agent call; everything else must be identical.
    if (path == "/Agents") {
      for (json* rows : {&api, &listed}) {
        for (json& row : *rows) row.erase("LastSeen");
      }
    }
    EXPECT_EQ(listed, api) << path;
  }
}

TEST_F(OrchctlE2E, EveryOtherSubcommandDoesWhatItSays) {
  // Given a running orchd, the subcommands the story does not use each change or show what
  // they name.
  json status = OkJson({"status"});
  EXPECT_EQ(status["Store"]["Healthy"], true);
  EXPECT_THAT(Ok({"status"}), HasSubstr("Healthy"));
  // The metrics come as orchd wrote them, with or without --json.
  const std::string metrics = Ok({"metrics"});
  EXPECT_THAT(metrics, HasSubstr("# TYPE orchd_fires_total counter\n"));
  EXPECT_THAT(metrics, HasSubstr("orchd_store_healthy 1\n"));
  EXPECT_EQ(Ok({"--json", "metrics"}).substr(0, 40), metrics.substr(0, 40));

  auto secret = CreateSecret("fleet");
  AgentCredential a_credential;
  AgentCredential b_credential;
  const std::string a = EnrollAgent(secret, "agent-a", &a_credential);
  const std::string b = EnrollAgent(secret, "agent-b", &b_credential);
  Ok({"agents", "approve", a, b});
  Ok({"agents", "disapprove", b});
  EXPECT_EQ(GetAgent(b)["Status"], 3);
  Ok({"agents", "reset", b});
  EXPECT_EQ(GetAgent(b)["Status"], 1);
  Ok({"agents", "reenroll", a, "--require"});
  EXPECT_EQ(GetAgent(a)["AuthCertificateReenrollment"], 2);
  Ok({"agents", "reenroll", a, "--clear"});
  EXPECT_EQ(GetAgent(a)["AuthCertificateReenrollment"], 0);

  json pool = OkJson({"pools", "create", "edge"});
  const std::string pool_id = pool["AgentPoolId"];
  Ok({"pools", "add-agent", pool_id, a + ":monitor"});
  json shown = OkJson({"pools", "show", pool_id});
  ASSERT_EQ(shown["Agents"].size(), 1u);
  EXPECT_EQ(shown["Agents"][0]["EnableMonitor"], true);
  EXPECT_EQ(OkJson({"pools", "update", pool_id, "--name", "edge-eu"})["Name"], "edge-eu");
  Ok({"pools", "remove-agent", pool_id, a});
  EXPECT_TRUE(OkJson({"pools", "show", pool_id})["Agents"].empty());
  Ok({"pools", "delete", pool_id});
  EXPECT_EQ(Control("GET", "/AgentPools/" + pool_id).first, 404);

  Ok({"secrets", "revoke", "fleet"});
  EXPECT_EQ(OkJson({"secrets", "list"})[0]["status"], "REVOKED");

  json cert = OkJson({"certs", "import", "-"}, certs::EcChain().root.cert_pem);
  EXPECT_EQ(OkJson({"certs", "show", std::to_string(cert["Id"].get<int64_t>())})["Thumbprint"],
            cert["Thumbprint"]);
  json collection =
      OkJson({"collections", "create", "Roots", "--query", "IssuedDN -contains \"Root\""});
  EXPECT_EQ(collection["Name"], "Roots");
  json container = OkJson({"containers", "create", "Web"});
  EXPECT_EQ(container["Name"], "Web");

  json store = OkJson({"stores", "create", "--machine", "db01", "--path", "/etc/ssl/db01.p12",
                       "--type", "PKCS12", "--property", "separatePrivateKey=false"});
  const std::string store_id = store["Id"];
  EXPECT_EQ(store["AgentPoolId"], kDefaultPool);
  WriteFile(orchd_.dir().File("store.pass"), "store-pass\n");
  json updated = OkJson({"stores", "update", store_id, "--container",
                         std::to_string(container["Id"].get<int64_t>()), "--password-file",
                         orchd_.dir().File("store.pass")});
  EXPECT_EQ(updated["ContainerId"], container["Id"]);
  EXPECT_EQ(updated["Storepath"], "/etc/ssl/db01.p12");  // unchanged by update
  EXPECT_EQ(updated["Properties"]["separatePrivateKey"], "false");
  EXPECT_EQ(updated["Password"]["HasValue"], true);
  EXPECT_EQ(OkJson({"stores", "show", store_id})["ContainerName"], "Web");

  // A store with a scheduled job is not deleted until the job is unscheduled.
  json job = OkJson({"jobs", "add", std::to_string(cert["Id"].get<int64_t>()),
                     "--stores-from-query", "ClientMachine -eq \"db01\"", "--every", "60m"});
  ASSERT_EQ(job.size(), 1u);
  OrchctlResult kept = orchctl_->Run({"stores", "delete", store_id});
  EXPECT_EQ(kept.exit_code, 1);
  EXPECT_THAT(kept.err, HasSubstr("unschedule"));
  Ok({"jobs", "unschedule", "--query", "ClientMachine -eq \"db01\""});
  Ok({"stores", "delete", store_id});
  EXPECT_EQ(Control("GET", "/CertificateStores/" + store_id).first, 404);
}

TEST_F(OrchctlE2E, ARescheduledFailureRunsAgain) {
  // Given a run that failed, jobs reschedule makes a new run of its job, due now.
  auto secret = CreateSecret("fleet");
  AgentCredential credential;
  const std::string agent =
      EnrollAgent(secret, "web01", &credential, {"CertStores.PEM.Management"});
  Ok({"agents", "approve", agent});
  const std::string token = OpenSession(agent, "web01", credential);
  json cert = OkJson({"certs", "import", "-"}, certs::EcChain().root.cert_pem);
  json store = OkJson({"stores", "create", "--machine", "web01", "--path", "/etc/ssl/a.pem",
                       "--type", "PEM", "--agent", agent});
  json job = OkJson(
      {"jobs", "add", std::to_string(cert["Id"].get<int64_t>()), "--store", store["Id"], "--now"});
  EXPECT_EQ(RunNextJob(credential, token, 4), job[0]);
  json failed = OkJson({"history"});
  ASSERT_EQ(failed.size(), 1u);
  Ok({"jobs", "reschedule", std::to_string(failed[0]["JobHistoryId"].get<int64_t>())});
  EXPECT_EQ(OkJson({"history"}).size(), 2u);
  EXPECT_EQ(RunNextJob(credential, token, 2), job[0]);
}

TEST_F(OrchctlE2E, ErrorsAnswerTheirExitCodes) {
  // Given a daemon that is not there, a refused call, a usage mistake and a password offered as
  // a flag, orchctl answers 3, 1, 2 and 2, each with a message that says what happened.
  const std::string missing = orchd_.dir().File("nobody.sock");
  OrchctlResult unreachable = orchctl_->RunBare({"--socket", missing, "status"});
  EXPECT_EQ(unreachable.exit_code, 3);
  EXPECT_THAT(unreachable.err, HasSubstr(missing));
  EXPECT_THAT(unreachable.err, HasSubstr("no such socket"));

  // A socket file nobody listens on.
  const std::string dead = orchd_.dir().File("dead.sock");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", dead.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  OrchctlResult refused_connection = orchctl_->RunBare({"--socket", dead, "status"});
  ::close(fd);
  EXPECT_EQ(refused_connection.exit_code, 3);
  EXPECT_THAT(refused_connection.err, HasSubstr("connection refused"));

  OrchctlResult unknown = orchctl_->Run({"stores", "show", "0a1b2c3d-0000-4000-8000-000000000001"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("0a1b2c3d-0000-4000-8000-000000000001"));

  json store =
      OkJson({"stores", "create", "--machine", "web01", "--path", "/a.pem", "--type", "PEM"});
  OrchctlResult bad_schedule =
      orchctl_->Run({"jobs", "add", "1", "--store", store["Id"], "--every", "0m"});
  EXPECT_EQ(bad_schedule.exit_code, 1);
  EXPECT_THAT(bad_schedule.err, HasSubstr("--every"));
  OrchctlResult bad_zone = orchctl_->Run(
      {"jobs", "add", "1", "--store", store["Id"], "--daily", "02:00", "--tz", "Mars/Olympus"});
  EXPECT_EQ(bad_zone.exit_code, 1);
  EXPECT_THAT(bad_zone.err, HasSubstr("Mars/Olympus"));
  OrchctlResult no_certificate =
      orchctl_->Run({"jobs", "add", "999", "--store", store["Id"], "--now"});
  EXPECT_EQ(no_certificate.exit_code, 1);
  EXPECT_THAT(no_certificate.err, HasSubstr("999"));

  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"bogus"}, {"jobs", "add"}, {"agents"}, {"history", "--follow", "--all"}}) {
    OrchctlResult usage = orchctl_->Run(args);
    EXPECT_EQ(usage.exit_code, 2) << ::testing::PrintToString(args) << usage.err;
    EXPECT_FALSE(usage.err.empty());
  }
  WriteFile(orchd_.dir().File("x.p12"), "not really");
  OrchctlResult offered =
      orchctl_->Run({"certs", "import", orchd_.dir().File("x.p12"), "--password", kP12Password});
  EXPECT_EQ(offered.exit_code, 2);
  EXPECT_THAT(orchd_.process().Log(), Not(HasSubstr(kP12Password)));

  // Without a terminal and without --password-file, a protected file is refused, not prompted.
  const certs::TestChain& rsa = certs::RsaChain();
  WriteFile(orchd_.dir().File("leaf.p12"), certs::MakePkcs12(rsa.leaf, {}, kP12Password));
  OrchctlResult needs = orchctl_->Run({"certs", "import", orchd_.dir().File("leaf.p12")});
  EXPECT_EQ(needs.exit_code, 1);
  EXPECT_THAT(needs.err, HasSubstr("--password-file"));

  // A caller without the claim: orchd's message names it.
  Reload("", "roles:\n  - name: reader\n    users: [\"" + std::to_string(::getuid()) +
                 "\"]\n    claims: [/ssl/read/]\n");
  OrchctlResult forbidden = orchctl_->Run({"agents", "list"});
  EXPECT_EQ(forbidden.exit_code, 1);
  EXPECT_THAT(forbidden.err, HasSubstr("/agents/management/read/"));
}

TEST_F(OrchctlE2E, EverySubcommandExplainsItself) {
  // Given --help on orchctl and on each subcommand, each exits 0 with its usage line and a
  // description of what it does.
  OrchctlResult top = orchctl_->RunBare({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  const std::vector<std::vector<std::string>> commands = {
      {"status"}, {"agents", "list"}, {"agents", "show"}, {"agents", "approve"},
      {"agents", "disapprove"}, {"agents", "reset"}, {"agents", "reenroll"}, {"pools", "list"},
      {"pools", "show"}, {"pools", "create"}, {"pools", "update"}, {"pools", "delete"},
      {"pools", "add-agent"}, {"pools", "remove-agent"}, {"pools", "default-members"},
      {"secrets", "list"}, {"secrets", "create"}, {"secrets", "revoke"}, {"certs", "import"},
      {"certs", "list"}, {"certs", "show"}, {"collections", "list"}, {"collections", "create"},
      {"containers", "list"}, {"containers", "create"}, {"store-types"}, {"stores", "list"},
      {"stores", "show"}, {"stores", "create"}, {"stores", "update"}, {"stores", "delete"},
      {"jobs", "add"}, {"jobs", "scheduled"}, {"jobs", "unschedule"}, {"jobs", "reschedule"},
      {"jobs", "ack"}, {"history"}};
  for (std::vector<std::string> command : commands) {
    const std::string name = command.size() == 1 ? command[0] : command[0] + " " + command[1];
    EXPECT_THAT(top.out, HasSubstr(command[0])) << name;
    command.push_back("--help");
    OrchctlResult help = orchctl_->RunBare(command);
    EXPECT_EQ(help.exit_code, 0) << name << help.err;
    EXPECT_THAT(help.out, HasSubstr("Usage:")) << name;
    // The first line is the description, before the usage line.
    EXPECT_GT(help.out.find("Usage:"), 8u) << name << ": no description\n" << help.out;
  }
}

TEST_F(OrchctlE2E, TheSocketComesFromTheFlagOrTheEnvironment) {
  // Given no --socket, $ORCHD_SOCKET names the socket; --socket wins over it.
  OrchctlResult by_env = orchctl_->RunBare({"status"}, {"ORCHD_SOCKET=" + orchd_.socket_path()});
  EXPECT_EQ(by_env.exit_code, 0) << by_env.err;
  OrchctlResult by_flag = orchctl_->RunBare({"--socket", orchd_.socket_path(), "status"},
                                            {"ORCHD_SOCKET=/nonexistent.sock"});
  EXPECT_EQ(by_flag.exit_code, 0) << by_flag.err;
}

}  // namespace
}  // namespace orch::e2e
