#include "agent/session.h"

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/file_state_store.h"
#include "common/fake_clock.h"
#include "jobs/iso_time.h"
#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/testing/status_matchers.h"

namespace orch::agent {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
namespace certs = pki::testing;

constexpr char kRegister[] = "KeyfactorAgents/Session/Register";
constexpr char kPoll[] = "KeyfactorAgents/Jobs/Poll";

// Records every call and lets the test answer each one.
class FakeTransport final : public Transport {
 public:
  struct Call {
    std::string path;
    json body;
    Credential credential;
    AnswerFn done;
  };
  void Post(const std::string& path, const std::string& body, const Credential& credential,
            AnswerFn done) override {
    calls.push_back({path, json::parse(body), credential, std::move(done)});
  }
  void CloseIdle() override {}

  // Answers the oldest unanswered call with `status` and `body`; answers that call.
  Call Answer(int status, const json& body) {
    Call call = std::move(calls.front());
    calls.pop_front();
    call.done(agent::Answer{status, body.dump()});
    return call;
  }
  Call Fail(const std::string& why) {
    Call call = std::move(calls.front());
    calls.pop_front();
    call.done(UnavailableError(why));
    return call;
  }

  std::deque<Call> calls;
};

// Deploys nothing; answers at once with `outcome`.
class FakeDeployer final : public Deployer {
 public:
  void Deploy(const json& job, std::function<void(DeployOutcome)> done) override {
    deployed.push_back(job);
    done(outcome);
  }
  DeployOutcome outcome{2, "deployed"};
  std::vector<json> deployed;
};

json RegisteredAnswer(const std::string& agent_id, const json& certificate = nullptr,
                      const json& jobs = json::array(), int status = 1,
                      const std::string& code = "") {
  json error =
      code.empty() ? json(nullptr) : json{{"Code", 1}, {"CodeString", code}, {"Message", code}};
  return {{"Result", {{"Status", status}, {"Error", error}}},
          {"Session",
           {{"Token", status == 3 ? json(nullptr) : json("token-1")},
            {"AgentId", agent_id},
            {"Certificate", certificate},
            {"HeartbeatInterval", 5},
            {"Jobs", jobs}}}};
}

class SessionTest : public ::testing::Test {
 protected:
  std::shared_ptr<AgentSession> NewSession() {
    SessionSettings settings;
    settings.client_machine = "web01";
    settings.secret_name = "fleet";
    settings.secret_value = "s3cret";
    settings.capabilities = {"CertStores.PEM.Management"};
    settings.poll_wait_seconds = 30;
    settings.backoff_initial = milliseconds(1000);
    settings.backoff_max = milliseconds(8000);
    return std::make_shared<AgentSession>(
        settings, transport_, state_, deployer_, clock_,
        [this](std::chrono::nanoseconds delay, std::function<void()> fn) {
          scheduled_.emplace_back(std::chrono::duration_cast<milliseconds>(delay), std::move(fn));
        },
        [] { return 0.5; });
  }

  // Saved state as after an enrollment.
  void Enrolled() {
    ASSERT_OK(state_.Save(
        {"agent-1", certs::EcChain().leaf.key_pkcs8_pem, certs::EcChain().leaf.cert_pem}));
  }

  // Runs the callback scheduled last (a retry; heartbeats wait minutes); answers its delay.
  milliseconds RunScheduled() {
    auto [delay, fn] = std::move(scheduled_.back());
    scheduled_.pop_back();
    fn();
    return delay;
  }

  FakeClock clock_;
  FakeTransport transport_;
  MemoryStateStore state_;
  FakeDeployer deployer_;
  std::vector<std::pair<milliseconds, std::function<void()>>> scheduled_;
};

TEST_F(SessionTest, EnrollsWithItsSecretThenRegistersOverMtlsThenPolls) {
  // Given no saved state, the agent registers with Basic and a CSR, saves the certificate,
  // registers again with its certificate and RegistrationRequest, then long-polls.
  auto session = NewSession();
  session->Start();
  ASSERT_EQ(transport_.calls.size(), 1u);
  FakeTransport::Call enroll = transport_.Answer(
      200, RegisteredAnswer("agent-1", pki::Base64Encode(certs::EcChain().leaf.cert_der)));
  EXPECT_EQ(enroll.path, kRegister);
  EXPECT_EQ(enroll.credential.basic_user, "fleet");
  EXPECT_EQ(enroll.credential.basic_password, "s3cret");
  EXPECT_EQ(enroll.body["AgentId"], "");
  EXPECT_TRUE(enroll.body["CSR"].is_string());
  EXPECT_EQ(enroll.body["Capabilities"], json::array({"CertStores.PEM.Management"}));
  ASSERT_OK_AND_ASSIGN(std::optional<AgentState> saved, state_.Load());
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(saved->agent_id, "agent-1");
  EXPECT_THAT(saved->key_pem, ::testing::HasSubstr("PRIVATE KEY"));

  FakeTransport::Call second = transport_.Answer(200, RegisteredAnswer("agent-1"));
  EXPECT_EQ(second.path, kRegister);
  EXPECT_TRUE(second.credential.HasCertificate());
  EXPECT_TRUE(second.credential.basic_user.empty());
  EXPECT_EQ(second.body["AgentId"], "agent-1");
  EXPECT_EQ(second.body["ClientParameters"]["RegistrationRequest"], "registration-enroll-stores");
  EXPECT_TRUE(second.body["CSR"].is_null());
  ASSERT_EQ(transport_.calls.size(), 1u);
  EXPECT_EQ(transport_.calls.front().path, kPoll);
  EXPECT_EQ(transport_.calls.front().body["SessionToken"], "token-1");
  EXPECT_EQ(transport_.calls.front().body["WaitSeconds"], 30);
  EXPECT_TRUE(session->stats().has_session);
}

TEST_F(SessionTest, AnUnreachableOrchdIsRetriedWithCappedDoublingDelays) {
  // Given orchd unreachable, each registration attempt waits the next backoff delay (with the
  // fixed jitter draw of 0.5: three quarters of 1, 2, 4, 8, 8 s); a success resets it.
  Enrolled();
  auto session = NewSession();
  session->Start();
  std::vector<milliseconds> delays;
  for (int i = 0; i < 5; ++i) {
    transport_.Fail("connection refused");
    delays.push_back(RunScheduled());
  }
  EXPECT_THAT(delays, ElementsAre(milliseconds(750), milliseconds(1500), milliseconds(3000),
                                  milliseconds(6000), milliseconds(6000)));
  transport_.Answer(200, RegisteredAnswer("agent-1"));
  EXPECT_EQ(transport_.calls.front().path, kPoll);
  transport_.Fail("orchd restarted");
  EXPECT_EQ(RunScheduled(), milliseconds(750));
  EXPECT_EQ(transport_.calls.front().path, kRegister);
}

TEST_F(SessionTest, AJobIsConfiguredDeployedAndItsCompletionKeptUntilOrchdTakesIt) {
  // Given a polled job, the agent configures it, deploys it and completes it; a completion
  // that cannot reach orchd is sent again until it is accepted.
  Enrolled();
  auto session = NewSession();
  session->Start();
  transport_.Answer(200, RegisteredAnswer("agent-1"));
  transport_.Answer(200, {{"Jobs",
                           {{{"JobId", "job-1"},
                             {"ConfigurationEndpoint", "KeyfactorAgents/Management/Configuration"},
                             {"CompletionEndpoint", "/KeyfactorAgents/Management/Complete"}}}}});
  // The configuration and the next poll are both under way.
  ASSERT_EQ(transport_.calls.size(), 2u);
  FakeTransport::Call poll = std::move(transport_.calls.back());
  transport_.calls.pop_back();
  EXPECT_EQ(poll.path, kPoll);
  FakeTransport::Call configuration =
      transport_.Answer(200, {{"AuditId", 17},
                              {"JobCancelled", false},
                              {"Result", {{"Status", 1}, {"Error", nullptr}}},
                              {"Job", {{"StorePath", "/etc/ssl/web.pem"}, {"StoreType", 2}}}});
  EXPECT_EQ(configuration.path, "KeyfactorAgents/Management/Configuration");
  EXPECT_EQ(configuration.body["JobId"], "job-1");
  ASSERT_EQ(deployer_.deployed.size(), 1u);
  EXPECT_EQ(deployer_.deployed[0]["StorePath"], "/etc/ssl/web.pem");
  FakeTransport::Call completion = transport_.Fail("orchd restarted");
  EXPECT_EQ(completion.path, "KeyfactorAgents/Management/Complete");
  EXPECT_EQ(completion.body["AuditId"], 17);
  EXPECT_EQ(completion.body["Status"], 2);
  RunScheduled();
  FakeTransport::Call again = transport_.Answer(200, {{"Result", {{"Status", 1}}}});
  EXPECT_EQ(again.body["AuditId"], 17);
  EXPECT_EQ(session->stats().jobs_completed, 1);
}

TEST_F(SessionTest, HeartbeatsGoOutOnlyWhenNoPollWasAnsweredWithinTheInterval) {
  // Given a session whose polls are answered, the heartbeat due after 5 minutes sends nothing
  // (the polls kept the session alive); once no poll has come back for 5 minutes, it does.
  Enrolled();
  auto session = NewSession();
  session->Start();
  transport_.Answer(200, RegisteredAnswer("agent-1"));
  ASSERT_EQ(scheduled_.size(), 1u);
  EXPECT_EQ(scheduled_.back().first, std::chrono::minutes(5));
  clock_.Advance(std::chrono::minutes(4));
  transport_.Answer(200, {{"Jobs", json::array()}});
  clock_.Advance(std::chrono::minutes(1));
  RunScheduled();
  ASSERT_EQ(transport_.calls.size(), 1u);
  EXPECT_EQ(transport_.calls.front().path, kPoll);
  ASSERT_EQ(scheduled_.size(), 1u);  // the next heartbeat

  clock_.Advance(std::chrono::minutes(5));
  RunScheduled();
  ASSERT_EQ(transport_.calls.size(), 2u);
  EXPECT_EQ(transport_.calls.back().path, "KeyfactorAgents/Session/Heartbeat");
  EXPECT_EQ(transport_.calls.back().body["SessionToken"], "token-1");
}

TEST_F(SessionTest, RequiredReenrollmentCertifiesANewKeyBeforeAnyJob) {
  // Given A0100008, the agent registers again at once with a new key's CSR, saves the new
  // certificate and only then polls.
  Enrolled();
  auto session = NewSession();
  session->Start();
  transport_.Answer(200, RegisteredAnswer("agent-1", nullptr, json::array(), 3, "A0100008"));
  ASSERT_EQ(transport_.calls.size(), 1u);
  EXPECT_EQ(transport_.calls.front().path, kRegister);
  EXPECT_TRUE(transport_.calls.front().body["CSR"].is_string());
  transport_.Answer(
      200, RegisteredAnswer("agent-1", pki::Base64Encode(certs::RsaChain().leaf.cert_der)));
  ASSERT_OK_AND_ASSIGN(std::optional<AgentState> saved, state_.Load());
  EXPECT_EQ(saved->cert_pem.find(certs::EcChain().leaf.cert_pem), std::string::npos);
  EXPECT_NE(saved->key_pem, certs::EcChain().leaf.key_pkcs8_pem);
  EXPECT_EQ(transport_.calls.front().path, kPoll);
}

TEST_F(SessionTest, AnExpiredCertificateReenrollsWithTheSecret) {
  // Given a saved certificate that has expired, the agent registers with its secret and a new
  // key's CSR (an expired certificate fails every handshake) and saves the new certificate.
  Enrolled();
  clock_.SetWall(jobs::FromUnixMillis(2200000000000));  // 2039, after the test certificate
  auto session = NewSession();
  session->Start();
  ASSERT_EQ(transport_.calls.size(), 1u);
  FakeTransport::Call renewal = transport_.Answer(
      200, RegisteredAnswer("agent-1", pki::Base64Encode(certs::RsaChain().leaf.cert_der)));
  EXPECT_EQ(renewal.path, kRegister);
  EXPECT_EQ(renewal.body["AgentId"], "agent-1");
  EXPECT_TRUE(renewal.body["CSR"].is_string());
  EXPECT_EQ(renewal.credential.basic_user, "fleet");
  EXPECT_FALSE(renewal.credential.HasCertificate());
  ASSERT_OK_AND_ASSIGN(std::optional<AgentState> saved, state_.Load());
  EXPECT_EQ(saved->agent_id, "agent-1");
  EXPECT_NE(saved->key_pem, certs::EcChain().leaf.key_pkcs8_pem);
}

TEST_F(SessionTest, AnEndedSessionRegistersAgainAndARefusedSecretIsRetried) {
  // Given a poll answered 401, the agent registers again; given a refused secret at
  // enrollment, it waits and tries again rather than looping.
  Enrolled();
  auto session = NewSession();
  session->Start();
  transport_.Answer(200, RegisteredAnswer("agent-1"));
  transport_.Answer(401, {{"errorCode", "SECURITY_ERROR"}, {"errorMessage", "expired"}});
  ASSERT_EQ(transport_.calls.size(), 1u);
  EXPECT_EQ(transport_.calls.front().path, kRegister);

  MemoryStateStore fresh;
  state_ = fresh;
  auto newcomer = NewSession();
  transport_.calls.clear();
  scheduled_.clear();
  newcomer->Start();
  transport_.Answer(401, {{"errorCode", "SECURITY_ERROR"}, {"errorMessage", "revoked"}});
  EXPECT_TRUE(transport_.calls.empty());
  ASSERT_EQ(scheduled_.size(), 1u);
  RunScheduled();
  ASSERT_EQ(transport_.calls.size(), 1u);
  EXPECT_EQ(transport_.calls.front().credential.basic_user, "fleet");
}

}  // namespace
}  // namespace orch::agent
