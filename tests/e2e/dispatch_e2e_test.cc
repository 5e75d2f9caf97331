// End-to-end: runs of Add jobs dispatched to two agents of one pool over real TLS — long
// polls, configuration, completion, the job history, lease expiry, cancellation and runs handed
// again when the answer that carried them was not sent.
#include <future>
#include <string>
#include <thread>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/e2e/agents_e2e_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

namespace certs = pki::testing;
using testing::TlsReply;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";
constexpr char kDefaultPool[] = "00000000-0000-0000-0000-000000000000";
constexpr char kPemManagement[] = "1d411b36-ae72-433f-9f3f-8593e836a1af";

// One enrolled, approved agent with a live session.
struct TestAgent {
  std::string id;
  std::string machine;
  AgentCredential credential;
  std::string token;
};

class DispatchE2E : public AgentsE2E {
 protected:
  void SetUp() override {
    StartOrchd("", "scheduler:\n  lease: 3s\n  retry_backoff: 2s\n");
    auto secret = CreateSecret("fleet");
    for (const char* machine : {"agent-a", "agent-b"}) {
      TestAgent agent;
      agent.machine = machine;
      agent.id = EnrollAgent(secret, machine, &agent.credential, {"CertStores.PEM.Management"});
      ASSERT_EQ(agent.id.size(), 36u);
      agents_.push_back(std::move(agent));
    }
    json ids = {agents_[0].id, agents_[1].id};
    ASSERT_EQ(Control("POST", "/Agents/Approve", ids.dump()).first, 204);
    for (TestAgent& agent : agents_) {
      // The second registration of a new agent, over mTLS: the session that gets jobs.
      json body = RegisterBody(agent.id, agent.machine, std::nullopt, "registration-enroll-stores");
      body["Capabilities"] = {"CertStores.PEM.Management"};
      ASSERT_OK_AND_ASSIGN(TlsReply reply, AgentPost(kRegister, body, {}, &agent.credential));
      json answer = json::parse(reply.body, nullptr, false);
      ASSERT_EQ(answer["Result"]["Status"], 1) << reply.body;
      agent.token = answer["Session"]["Token"];
    }
    auto [imported, cert] =
        Control("POST", "/Certificates/Import",
                json{{"Certificate", pki::Base64Encode(certs::EcChain().leaf.cert_der)}}.dump());
    ASSERT_EQ(imported, 200) << cert.dump();
    certificate_id_ = cert["Id"];
    thumbprint_ = cert["Thumbprint"];
    json store = {{"ClientMachine", "web01"},
                  {"Storepath", "/etc/ssl/web01.pem"},
                  {"CertStoreType", 2},
                  {"AgentPoolId", kDefaultPool}};
    auto [created, store_json] = Control("POST", "/CertificateStores", store.dump());
    ASSERT_EQ(created, 200) << store_json.dump();
    store_id_ = store_json["Id"];
  }

  // An Immediate Add to the pool store; answers the job id.
  std::string AddNow() {
    json add = {{"CertificateId", certificate_id_},
                {"CertificateStores", {{{"CertificateStoreId", store_id_}, {"Alias", "web"}}}},
                {"Schedule", {{"Immediate", true}}}};
    auto [status, ids] = Control("POST", "/CertificateStores/Certificates/Add", add.dump());
    EXPECT_EQ(status, 200) << ids.dump();
    return ids.is_array() && !ids.empty() ? ids[0].get<std::string>() : "";
  }

  // One agent call over its own mTLS connection: status and parsed body.
  std::pair<int, json> Call(const TestAgent& agent, const std::string& path, json body) {
    body["SessionToken"] = agent.token;
    StatusOr<TlsReply> reply = AgentPost(path, body, {}, &agent.credential);
    EXPECT_OK(reply);
    if (!reply.ok()) return {0, nullptr};
    return {reply->status, json::parse(reply->body, nullptr, false)};
  }

  json Poll(const TestAgent& agent, int wait_seconds) {
    return Call(agent, kPoll, {{"WaitSeconds", wait_seconds}}).second;
  }

  // Waits (up to 10 s) until GET /Status shows the Scheduler counter `name` at `at_least`.
  bool WaitForScheduler(const std::string& name, int64_t at_least) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Control("GET", "/Status").second["Scheduler"].value(name, int64_t{0}) >= at_least) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  json History(const std::string& job_id) {
    return Control("GET", "/OrchestratorJobs/JobHistory?pq.queryString=JobId%20-eq%20" + job_id)
        .second;
  }

  std::vector<TestAgent> agents_;
  int64_t certificate_id_ = 0;
  std::string thumbprint_;
  std::string store_id_;
};

TEST_F(DispatchE2E, ImmediateAddGoesToExactlyOneAgentAndCompletes) {
  // Given both agents long-polling, an Immediate Add reaches exactly one; it configures the
  // run, a completion from the other agent or for an unknown AuditId is refused, its own
  // Success completes it, and JobHistory shows who ran it, when, and Result 2.
  // The polls end (2 s) before a lease could expire and be retried (3 s + 2 s).
  auto poll_a = std::async(std::launch::async, [&] { return Poll(agents_[0], 2); });
  auto poll_b = std::async(std::launch::async, [&] { return Poll(agents_[1], 2); });
  const std::string job = AddNow();
  json a = poll_a.get();
  json b = poll_b.get();
  ASSERT_TRUE(a["Jobs"].is_array() && b["Jobs"].is_array()) << a.dump() << b.dump();
  ASSERT_EQ(a["Jobs"].size() + b["Jobs"].size(), 1u) << a.dump() << b.dump();
  const TestAgent& winner = a["Jobs"].empty() ? agents_[1] : agents_[0];
  const TestAgent& loser = a["Jobs"].empty() ? agents_[0] : agents_[1];
  json handed = a["Jobs"].empty() ? b["Jobs"][0] : a["Jobs"][0];
  EXPECT_EQ(handed["JobId"], job);
  EXPECT_EQ(handed["JobTypeId"], kPemManagement);
  EXPECT_EQ(handed["Priority"], 3);

  auto [configured, config] =
      Call(winner, "/" + handed["ConfigurationEndpoint"].get<std::string>(), {{"JobId", job}});
  ASSERT_EQ(configured, 200) << config.dump();
  EXPECT_EQ(config["JobCancelled"], false);
  EXPECT_EQ(config["Result"]["Status"], 1);
  EXPECT_EQ(config["Job"]["OperationType"], 2);
  EXPECT_EQ(config["Job"]["StorePath"], "/etc/ssl/web01.pem");
  EXPECT_EQ(config["Job"]["Alias"], "web");
  EXPECT_EQ(config["Job"]["Thumbprint"], thumbprint_);
  EXPECT_EQ(config["Job"]["EntryContents"], pki::Base64Encode(certs::EcChain().leaf.cert_der));
  const int64_t audit = config["AuditId"];

  const std::string complete = "/" + handed["CompletionEndpoint"].get<std::string>();
  EXPECT_EQ(Call(loser, complete, {{"JobId", job}, {"AuditId", audit}, {"Status", 2}}).first, 409);
  EXPECT_EQ(
      Call(winner, complete, {{"JobId", job}, {"AuditId", audit + 1000}, {"Status", 2}}).first,
      409);
  json before = History(job);
  ASSERT_EQ(before.size(), 1u) << before.dump();
  EXPECT_EQ(before[0]["Status"], 2);
  EXPECT_EQ(before[0]["Result"], 0);

  auto [done, done_body] = Call(
      winner, complete, {{"JobId", job}, {"AuditId", audit}, {"Status", 2}, {"Message", "ok"}});
  ASSERT_EQ(done, 200) << done_body.dump();
  EXPECT_EQ(done_body["Result"]["Status"], 1);
  json history = History(job);
  ASSERT_EQ(history.size(), 1u) << history.dump();
  EXPECT_EQ(history[0]["JobHistoryId"], audit);
  EXPECT_EQ(history[0]["AgentMachine"], winner.machine);
  EXPECT_EQ(history[0]["Result"], 2);
  EXPECT_EQ(history[0]["Status"], 3);
  EXPECT_EQ(history[0]["Message"], "ok");
  EXPECT_TRUE(history[0]["OperationStart"].is_string());
  EXPECT_TRUE(history[0]["OperationEnd"].is_string());
  // A second completion of the same run is refused too.
  EXPECT_EQ(Call(winner, complete, {{"JobId", job}, {"AuditId", audit}, {"Status", 4}}).first, 409);
  EXPECT_EQ(History(job)[0]["Result"], 2);
}

TEST_F(DispatchE2E, AgentThatVanishesMidLeaseLosesTheRunToTheOther) {
  // Given agent A taking a run and never configuring it, the 3 s lease expires as a Failure
  // and the retry reaches agent B 2 s later.
  const std::string job = AddNow();
  json taken = Poll(agents_[0], 5);
  ASSERT_EQ(taken["Jobs"].size(), 1u) << taken.dump();
  json retried = Poll(agents_[1], 8);
  ASSERT_EQ(retried["Jobs"].size(), 1u) << retried.dump();
  EXPECT_EQ(retried["Jobs"][0]["JobId"], job);
  json history = History(job);
  ASSERT_EQ(history.size(), 2u) << history.dump();
  EXPECT_EQ(history[0]["AgentMachine"], "agent-a");
  EXPECT_EQ(history[0]["Result"], 4);
  EXPECT_EQ(history[0]["Status"], 5);
  EXPECT_EQ(history[0]["Message"], "lease expired");
  EXPECT_EQ(history[1]["AgentMachine"], "agent-b");
  EXPECT_EQ(history[1]["Attempt"], 2);
}

TEST_F(DispatchE2E, ARunWhosePollAnswerWasNotSentIsHandedAgainAtTheNextPoll) {
  // Given agent A's long poll parked on a connection that A then drops as a dying process
  // would (closed, with no TLS close_notify), the run handed to that poll is not sent: A's
  // next poll gets the same run at once, counted as Redelivered, and it completes with no
  // "lease expired" failure.
  ASSERT_OK_AND_ASSIGN(testing::TlsClient dropped, AgentConnection(&agents_[0].credential));
  const std::string poll = json{{"SessionToken", agents_[0].token}, {"WaitSeconds", 30}}.dump();
  ASSERT_OK(dropped.SendRaw(std::string("POST ") + kPoll +
                            " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            "Content-Length: " +
                            std::to_string(poll.size()) + "\r\n\r\n" + poll));
  ASSERT_TRUE(WaitForScheduler("PollingAgents", 1));
  dropped.Abort();
  const std::string job = AddNow();
  ASSERT_TRUE(WaitForScheduler("Delivered", 1));
  json again = Poll(agents_[0], 5);
  ASSERT_EQ(again["Jobs"].size(), 1u) << again.dump();
  EXPECT_EQ(again["Jobs"][0]["JobId"], job);
  EXPECT_EQ(Control("GET", "/Status").second["Scheduler"]["Redelivered"], 1);
  auto [configured, config] =
      Call(agents_[0], "/KeyfactorAgents/Management/Configuration", {{"JobId", job}});
  ASSERT_EQ(configured, 200) << config.dump();
  ASSERT_EQ(Call(agents_[0], "/KeyfactorAgents/Management/Complete",
                 {{"JobId", job}, {"AuditId", config["AuditId"]}, {"Status", 2}})
                .first,
            200);
  json history = History(job);
  ASSERT_EQ(history.size(), 1u) << history.dump();
  EXPECT_EQ(history[0]["JobHistoryId"], config["AuditId"]);
  EXPECT_EQ(history[0]["Result"], 2);
  EXPECT_EQ(Control("GET", "/Status").second["Scheduler"]["LeasesExpired"], 0);
}

TEST_F(DispatchE2E, UnscheduleBeforeConfigurationCancelsTheRun) {
  // Given a run delivered to an agent, an Unschedule before its configuration call makes that
  // call answer JobCancelled: true, and the server closes the run itself.
  const std::string job = AddNow();
  json taken = Poll(agents_[0], 5);
  ASSERT_EQ(taken["Jobs"].size(), 1u) << taken.dump();
  auto [status, body] =
      Control("POST", "/OrchestratorJobs/Unschedule", json{{"JobIds", {job}}}.dump());
  ASSERT_EQ(status, 204) << body.dump();
  auto [configured, config] =
      Call(agents_[0], "/KeyfactorAgents/Management/Configuration", {{"JobId", job}});
  ASSERT_EQ(configured, 200) << config.dump();
  EXPECT_EQ(config["JobCancelled"], true);
  EXPECT_TRUE(config["Job"].is_null());
  json history = History(job);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["Status"], 3);
  EXPECT_EQ(history[0]["Result"], 0);
}

TEST_F(DispatchE2E, HistoryStreamFollowsRunsAsTheyChange) {
  // Given a client following JobHistory/Stream, a new job's run appears as a Waiting line when
  // it fires and again as Completed with Result 2 when its agent completes it.
  ASSERT_OK_AND_ASSIGN(UnixClient follower, orchd_.Connect());
  ASSERT_OK(
      follower.SendRaw("GET /OrchestratorJobs/JobHistory/Stream HTTP/1.1\r\nHost: orchd\r\n\r\n"));
  ASSERT_OK_AND_ASSIGN(std::string head, follower.ReadUntil("\r\n\r\n"));
  EXPECT_THAT(head, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(head, ::testing::HasSubstr("application/x-ndjson"));
  EXPECT_THAT(head, ::testing::HasSubstr("chunked"));
  // The stream is open once its head arrived; nothing is replayed without `after`.
  const std::string job = AddNow();
  ASSERT_OK_AND_ASSIGN(std::string fired, follower.ReadUntil(job));
  json taken = Poll(agents_[1], 5);
  ASSERT_EQ(taken["Jobs"].size(), 1u);
  auto [configured, config] =
      Call(agents_[1], "/KeyfactorAgents/Management/Configuration", {{"JobId", job}});
  ASSERT_EQ(configured, 200);
  ASSERT_EQ(Call(agents_[1], "/KeyfactorAgents/Management/Complete",
                 {{"JobId", job}, {"AuditId", config["AuditId"]}, {"Status", 2}})
                .first,
            200);
  ASSERT_OK_AND_ASSIGN(std::string rest, follower.ReadUntil("\"Result\":2"));
  // Each line is one JSON row; the last one about the job shows it completed by agent B.
  std::string all = fired + rest;
  json last;
  for (size_t at = 0; (at = all.find("{\"", at)) != std::string::npos;) {
    size_t end = all.find('\n', at);
    json row = json::parse(all.substr(at, end - at), nullptr, false);
    if (!row.is_discarded() && row.value("JobId", "") == job) last = row;
    at = end == std::string::npos ? all.size() : end;
  }
  EXPECT_EQ(last["Status"], 3) << all;
  EXPECT_EQ(last["Result"], 2) << all;
  EXPECT_EQ(last["AgentMachine"], "agent-b") << all;
}

TEST_F(DispatchE2E, WarningsAreAcknowledgedAndSuccessesAreNot) {
  // Given one run completed with a warning and one with success, acknowledging both is refused
  // and changes nothing; the warning alone moves to Status 4; a bad query names its position.
  std::vector<int64_t> audits;
  for (int status : {3, 2}) {
    const std::string job = AddNow();
    ASSERT_EQ(Poll(agents_[0], 5)["Jobs"].size(), 1u);
    auto [configured, config] =
        Call(agents_[0], "/KeyfactorAgents/Management/Configuration", {{"JobId", job}});
    ASSERT_EQ(configured, 200) << config.dump();
    ASSERT_EQ(Call(agents_[0], "/KeyfactorAgents/Management/Complete",
                   {{"JobId", job}, {"AuditId", config["AuditId"]}, {"Status", status}})
                  .first,
              200);
    audits.push_back(config["AuditId"]);
  }
  auto [refused, refusal] =
      Control("POST", "/OrchestratorJobs/Acknowledge", json{{"JobAuditIds", audits}}.dump());
  EXPECT_EQ(refused, 400);
  EXPECT_EQ(refusal["errorCode"], "VALIDATION_ERROR");
  json before =
      Control("GET", "/OrchestratorJobs/JobHistory?pq.queryString=Status%20-eq%204").second;
  EXPECT_TRUE(before.empty()) << before.dump();
  EXPECT_EQ(Control("POST", "/OrchestratorJobs/Acknowledge",
                    json{{"Query", "Result -eq \"Warning\""}}.dump())
                .first,
            204);
  json acked =
      Control("GET", "/OrchestratorJobs/JobHistory?pq.queryString=Status%20-eq%204").second;
  ASSERT_EQ(acked.size(), 1u) << acked.dump();
  EXPECT_EQ(acked[0]["JobHistoryId"], audits[0]);
  auto [bad_query, bad_query_body] =
      Control("GET", "/OrchestratorJobs/JobHistory?pq.queryString=Result%20-like%204");
  EXPECT_EQ(bad_query, 400);
  EXPECT_EQ(bad_query_body["errorDetails"]["field"], "pq.queryString");
  EXPECT_THAT(bad_query_body["errorMessage"].get<std::string>(),
              ::testing::HasSubstr("position 8"));
}

TEST_F(DispatchE2E, BadJobCallsAreRefusedAndChangeNothing) {
  // Given a delivered run, a configuration call with a bad session, a malformed JobId, or a
  // completion with an unknown Status is refused with an ErrorBody and the run stays waiting.
  const std::string job = AddNow();
  ASSERT_EQ(Poll(agents_[0], 5)["Jobs"].size(), 1u);
  TestAgent stranger = agents_[0];
  stranger.token = "00000000-0000-4000-8000-000000000000";
  auto [bad_session, bad_session_body] =
      Call(stranger, "/KeyfactorAgents/Management/Configuration", {{"JobId", job}});
  EXPECT_EQ(bad_session, 401);
  EXPECT_EQ(bad_session_body["errorCode"], "SECURITY_ERROR");
  auto [bad_id, bad_id_body] =
      Call(agents_[0], "/KeyfactorAgents/Management/Configuration", {{"JobId", "nope"}});
  EXPECT_EQ(bad_id, 400);
  EXPECT_EQ(bad_id_body["errorCode"], "FIELD_ERROR");
  auto [bad_status, bad_status_body] = Call(agents_[0], "/KeyfactorAgents/Management/Complete",
                                            {{"JobId", job}, {"AuditId", 1}, {"Status", 7}});
  EXPECT_EQ(bad_status, 400);
  EXPECT_EQ(bad_status_body["errorDetails"]["field"], "Status");
  auto [bad_wait, bad_wait_body] = Call(agents_[0], kPoll, {{"WaitSeconds", 61}});
  EXPECT_EQ(bad_wait, 400);
  json history = History(job);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["Status"], 1);
}

}  // namespace
}  // namespace orch::e2e
