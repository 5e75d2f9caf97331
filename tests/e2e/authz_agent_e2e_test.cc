// End-to-end: the agent listener's authorization (SPEC §6.1, §6.5, §13). Another CA's client
// certificate, one agent's certificate carrying another agent's session token, the access
// tokens and sessions of a revoked secret, and an expired session are each refused with their
// status and errorCode, and leave the database as it was.
#include <signal.h>
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/test_certs.h"
#include "tests/e2e/agents_e2e_support.h"
#include "tests/e2e/db_content.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using ::testing::HasSubstr;
using testing::TlsReply;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kHeartbeat[] = "/KeyfactorAgents/Session/Heartbeat";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";
constexpr char kConfiguration[] = "/KeyfactorAgents/Management/Configuration";
constexpr char kComplete[] = "/KeyfactorAgents/Management/Complete";
constexpr char kExchange[] = "/api/v2/agent/secrets/exchange";
constexpr char kSomeJob[] = "5d2c6a8e-3b1f-4c7d-9e0a-1f2b3c4d5e6f";

// Expects an agent-listener ErrorBody with `status` and `code` whose message has `text`.
void ExpectAgentError(const StatusOr<TlsReply>& reply, int status, const std::string& code,
                      const std::string& text, const std::string& what) {
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, status) << what << ": " << reply->body;
  const json body = json::parse(reply->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << what << ": " << reply->body;
  EXPECT_EQ(body.value("errorCode", ""), code) << what;
  EXPECT_THAT(body.value("errorMessage", ""), HasSubstr(text)) << what;
}

class AuthzAgentE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    orchd_ = std::make_unique<AgentsHarness>();
    orchd_->StartOrchd();
    if (::testing::Test::HasFatalFailure()) return;
    const auto secret = orchd_->CreateSecret("authz");
    for (EnrolledAgent* agent : {&a_, &b_}) {
      agent->id = orchd_->EnrollAgent(secret, agent->machine, &agent->credential);
      orchd_->Control("POST", "/Agents/Approve", json::array({agent->id}).dump());
      agent->token = orchd_->OpenSession(*agent);
    }
    // The database is read through its file: an unreadable one would make every comparison pass.
    ready_ = !a_.token.empty() && !b_.token.empty() && Database().find(b_.id) != std::string::npos;
  }

  static void TearDownTestSuite() { orchd_.reset(); }

  void SetUp() override { ASSERT_TRUE(ready_) << "the suite's orchd did not start or enroll"; }

  static std::string Database() { return DatabaseContent(DatabasePath()); }
  static std::string DatabasePath() { return orchd_->orchd_.dir().File("orchd.db"); }

  static std::unique_ptr<AgentsHarness> orchd_;
  static EnrolledAgent a_;
  static EnrolledAgent b_;
  static bool ready_;
};

std::unique_ptr<AgentsHarness> AuthzAgentE2E::orchd_;
EnrolledAgent AuthzAgentE2E::a_{"", "agent-a", {}, ""};
EnrolledAgent AuthzAgentE2E::b_{"", "agent-b", {}, ""};
bool AuthzAgentE2E::ready_ = false;

TEST_F(AuthzAgentE2E, AnotherCasClientCertificateIsRefusedAtTheHandshake) {
  // Given a client certificate from a CA that is not orchd's, a registration and a session
  // call presenting it are refused by the TLS handshake, and nothing changes.
  const pki::testing::TestCredential& foreign = pki::testing::EcChain().leaf;
  AgentCredential credential{foreign.cert_der, orchd_->orchd_.dir().File("foreign.crt"),
                             orchd_->orchd_.dir().File("foreign.key")};
  WriteFile(credential.cert_file, foreign.cert_pem);
  WriteFile(credential.key_file, foreign.key_pkcs8_pem);
  const std::string before = Database();
  StatusOr<TlsReply> registered = orchd_->AgentPost(
      kRegister, AgentsHarness::RegisterBody(a_.id, a_.machine, {}), {}, &credential);
  EXPECT_FALSE(registered.ok()) << "answered " << registered->status << ": " << registered->body;
  StatusOr<TlsReply> polled =
      orchd_->AgentPost(kPoll, {{"SessionToken", a_.token}, {"WaitSeconds", 0}}, {}, &credential);
  EXPECT_FALSE(polled.ok()) << "answered " << polled->status << ": " << polled->body;
  EXPECT_EQ(Database(), before);
}

TEST_F(AuthzAgentE2E, OneAgentsCertificateWithAnotherAgentsSessionTokenIsRefused) {
  // Given agent A's certificate and agent B's live session token, every session call is
  // 403 SECURITY_ERROR and a registration as B is refused (A0110003); nothing changes.
  const std::string before = Database();
  const std::vector<std::pair<std::string, json>> calls = {
      {kPoll, {{"SessionToken", b_.token}, {"WaitSeconds", 0}}},
      {kHeartbeat, {{"SessionToken", b_.token}}},
      {kConfiguration, {{"SessionToken", b_.token}, {"JobId", kSomeJob}}},
      {kComplete, {{"SessionToken", b_.token}, {"JobId", kSomeJob}, {"AuditId", 1}, {"Status", 2}}},
  };
  for (const auto& [path, body] : calls) {
    ExpectAgentError(orchd_->AgentPost(path, body, {}, &a_.credential), 403, "SECURITY_ERROR",
                     "does not belong to the session's agent", path);
  }
  StatusOr<TlsReply> registered = orchd_->AgentPost(
      kRegister, AgentsHarness::RegisterBody(b_.id, b_.machine, {}), {}, &a_.credential);
  ASSERT_OK(registered);
  const json answer = json::parse(registered->body, nullptr, false);
  EXPECT_EQ(answer["Result"]["Status"], 3) << registered->body;
  EXPECT_EQ(answer["Result"]["Error"]["CodeString"], "A0110003") << registered->body;
  EXPECT_TRUE(answer["Session"].is_null()) << registered->body;
  EXPECT_EQ(Database(), before);
}

TEST_F(AuthzAgentE2E, ARevokedSecretsAccessTokensAndSessionsAreRefused) {
  // Given an agent enrolled with an access token of a secret that is then revoked, the token
  // no longer registers (401), the secret no longer exchanges (400) and the agent's session
  // is gone (401), all SECURITY_ERROR; nothing changes after the revocation.
  const auto secret = orchd_->CreateSecret("revoked");
  StatusOr<TlsReply> exchanged = orchd_->AgentPost(kExchange, {{"secret", secret.second}});
  ASSERT_OK(exchanged);
  ASSERT_EQ(exchanged->status, 200) << exchanged->body;
  const std::string bearer =
      "Authorization: Bearer " + json::parse(exchanged->body)["access_token"].get<std::string>();
  StatusOr<TlsReply> enrolled =
      orchd_->AgentPost(kRegister, AgentsHarness::RegisterBody("", "agent-c", {}), {bearer});
  ASSERT_OK(enrolled);
  const json session = json::parse(enrolled->body)["Session"];
  ASSERT_TRUE(session.is_object()) << enrolled->body;
  auto [revoked, body] = orchd_->Control("POST", "/api/v2/agent/secrets/revoked/revoke");
  ASSERT_EQ(revoked, 200) << body.dump();

  const std::string before = Database();
  ExpectAgentError(
      orchd_->AgentPost(kRegister, AgentsHarness::RegisterBody("", "agent-d", {}), {bearer}), 401,
      "SECURITY_ERROR", "access token", "a new agent with the token");
  ExpectAgentError(
      orchd_->AgentPost(kRegister, AgentsHarness::RegisterBody(session["AgentId"], "agent-c", {}),
                        {bearer}),
      401, "SECURITY_ERROR", "access token", "the token's own agent");
  ExpectAgentError(orchd_->AgentPost(kExchange, {{"secret", secret.second}}), 400, "SECURITY_ERROR",
                   "revoked", "the revoked secret's exchange");
  ExpectAgentError(orchd_->AgentPost(kPoll, {{"SessionToken", session["Token"]}}), 401,
                   "SECURITY_ERROR", "not valid or has expired", "the token's session");
  EXPECT_EQ(Database(), before);
}

// Sets every session's last call to the epoch, with orchd stopped.
void AgeEverySession(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(
      sqlite3_exec(db, "UPDATE agent_sessions SET last_call_at = 0", nullptr, nullptr, &error),
      SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// The database split into its agent_sessions rows and everything else.
struct Split {
  std::string rest;
  std::vector<std::string> sessions;
};

Split SplitSessions(const std::string& content) {
  const std::string header = "== agent_sessions\n";
  const size_t start = content.find(header);
  if (start == std::string::npos) return {content, {}};
  size_t end = content.find("\n== ", start);
  end = end == std::string::npos ? content.size() : end + 1;
  Split split{content.substr(0, start) + content.substr(end), {}};
  std::string rows = content.substr(start + header.size(), end - start - header.size());
  for (size_t at = 0, next; at < rows.size(); at = next + 1) {
    next = rows.find('\n', at);
    if (next == std::string::npos) next = rows.size();
    split.sessions.push_back(rows.substr(at, next - at));
  }
  return split;
}

TEST_F(AuthzAgentE2E, AnExpiredSessionsTokenIsRefused) {
  // Given agent A's session whose last call lies more than two heartbeats back (set while
  // orchd was stopped), a call with its token is 401 SECURITY_ERROR; only the expired session
  // is removed, and a second call changes nothing.
  orchd_->orchd_.process().Signal(SIGTERM);
  ASSERT_EQ(orchd_->orchd_.process().WaitExit(), 0) << orchd_->orchd_.process().Log();
  AgeEverySession(DatabasePath());
  orchd_->StartOrchd();
  const std::string before = Database();
  for (int call = 0; call < 2; ++call) {
    ExpectAgentError(orchd_->AgentPost(kPoll, {{"SessionToken", a_.token}, {"WaitSeconds", 0}}, {},
                                       &a_.credential),
                     401, "SECURITY_ERROR", "not valid or has expired",
                     "the expired session's token");
  }
  const Split before_split = SplitSessions(before);
  const Split after_split = SplitSessions(Database());
  EXPECT_EQ(after_split.rest, before_split.rest);
  EXPECT_LT(after_split.sessions.size(), before_split.sessions.size());
  for (const std::string& row : after_split.sessions) {
    EXPECT_THAT(before_split.sessions, ::testing::Contains(row));
  }
}

}  // namespace
}  // namespace orch::e2e
