// The agent API never waits on the store on the event loop: cached sessions are answered from
// memory, everything else is read by reader threads or written by the writer, and a refused or
// failed read or write is answered as an error.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/faulty_repositories.h"
#include "tests/testing/agent_api_fixture.h"

namespace orch::api {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::AgentApiFixture;
using testing::Answer;
using testing::Secret;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kHeartbeat[] = "/KeyfactorAgents/Session/Heartbeat";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";
constexpr char kExchange[] = "/api/v2/agent/secrets/exchange";
constexpr char kUnknownToken[] = "00000000-0000-4000-8000-000000000000";

// The agent API's reads go to reader threads whose answers the test's loop runs.
class AgentReadsOffTheLoopTest : public AgentApiFixture {
 protected:
  void SetUp() override {
    AgentApiFixture::SetUp();
    UseReadPool(loop_, faults_);
  }

  // Sends an agent call without running the loop; `answer` is set when it is answered.
  void Send(const std::string& path, const json& body,
            std::shared_ptr<std::optional<Answer>> answer,
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    agent_api_->Handle(AgentRequest(path, body, std::move(headers), "", "127.0.0.1"),
                       [answer](Response response) { *answer = AnswerOf(response); });
  }

  // Enrolls an approved agent with a secret; answers its session token, checked once so that
  // its session and agent are cached.
  std::string CachedSession() {
    Secret secret = CreateSecret("bootstrap");
    Answer registered =
        AgentThrough(loop_, kRegister, RegisterBody("", "web01", std::nullopt), {Basic(secret)});
    EXPECT_EQ(registered.body["Result"]["Status"], 1) << registered.raw;
    const std::string id = registered.body["Session"].value("AgentId", "");
    EXPECT_EQ(Control("POST", "/Agents/Approve", json::array({id}).dump()).status, 204);
    const std::string token = registered.body["Session"].value("Token", "");
    Answer polled = AgentThrough(loop_, kPoll, json{{"SessionToken", token}, {"WaitSeconds", 0}});
    EXPECT_EQ(polled.status, 200) << polled.raw;
    return token;
  }

  orch::testing::TestLoop loop_;
  store::ReadFaults faults_;
};

TEST_F(AgentReadsOffTheLoopTest, ACachedSessionIsAnsweredWhileReadsAreStalled) {
  // Given a cached session and every read taking a second, with an uncached heartbeat waiting
  // for its read: a heartbeat and a poll of the cached session are answered at once, reading
  // nothing; the uncached one is answered when its read comes back.
  const std::string token = CachedSession();
  faults_.SetDelay(milliseconds(1000));
  const int64_t reads = read_pool_->state().reads;

  auto unknown = std::make_shared<std::optional<Answer>>();
  Send(kHeartbeat, json{{"SessionToken", kUnknownToken}}, unknown);
  EXPECT_FALSE(unknown->has_value());

  const Answer beat = Agent(kHeartbeat, json{{"SessionToken", token}});
  EXPECT_EQ(beat.status, 200) << beat.raw;
  EXPECT_EQ(beat.body["SessionValid"], true);
  const Answer polled = Agent(kPoll, json{{"SessionToken", token}, {"WaitSeconds", 0}});
  EXPECT_EQ(polled.status, 200) << polled.raw;
  EXPECT_EQ(polled.body["Jobs"], json::array());
  EXPECT_FALSE(unknown->has_value());

  ASSERT_TRUE(loop_.RunUntil([&] { return unknown->has_value(); }));
  EXPECT_EQ((*unknown)->status, 200);
  EXPECT_EQ((*unknown)->body["SessionValid"], false);
  EXPECT_EQ(read_pool_->state().reads, reads + 1);
}

TEST_F(AgentReadsOffTheLoopTest, SecretsAreCheckedByTheReaders) {
  // Given a secret, a registration with a wrong value is refused with the 401 challenge once
  // its read comes back, and one with the right value enrolls.
  Secret secret = CreateSecret("bootstrap");
  Secret wrong = secret;
  wrong.value = "not-the-secret";
  const Answer refused =
      AgentThrough(loop_, kRegister, RegisterBody("", "web01", std::nullopt), {Basic(wrong)});
  EXPECT_EQ(refused.status, 401) << refused.raw;
  EXPECT_EQ(refused.body["errorCode"], "SECURITY_ERROR");
  EXPECT_FALSE(refused.Header("WWW-Authenticate").empty());
  const Answer enrolled =
      AgentThrough(loop_, kRegister, RegisterBody("", "web01", std::nullopt), {Basic(secret)});
  EXPECT_EQ(enrolled.body["Result"]["Status"], 1) << enrolled.raw;
}

TEST_F(AgentReadsOffTheLoopTest, AReadTheReaderRefusesIsAnsweredAsAnError) {
  // Given a stopped reader, an uncached heartbeat and a Basic registration are answered with
  // the error body of an unavailable store, not as an invalid session or credential.
  Secret secret = CreateSecret("bootstrap");
  read_pool_->Stop();
  const Answer beat = AgentThrough(loop_, kHeartbeat, json{{"SessionToken", kUnknownToken}});
  EXPECT_EQ(beat.status, 503) << beat.raw;
  EXPECT_EQ(beat.body["errorCode"], "RESOURCE_EXHAUSTED");
  const Answer registered =
      AgentThrough(loop_, kRegister, RegisterBody("", "web01", std::nullopt), {Basic(secret)});
  EXPECT_EQ(registered.status, 503) << registered.raw;
}

// The agent API's writes go through an inline writer whose repository calls may fail.
class AgentWritesTest : public AgentApiFixture {
 protected:
  void SetUp() override {
    AgentApiFixture::SetUp();
    faulty_writer_.emplace(*store_, &faults_);
    UseWriter(*faulty_writer_);
  }
  void TearDown() override {
    agent_api_.reset();
    control_.reset();
    touches_.reset();
    faulty_writer_.reset();
    AgentApiFixture::TearDown();
  }

  store::RepositoryFaults faults_;
  std::optional<store::InlineWriter> faulty_writer_;
};

TEST_F(AgentWritesTest, AnExchangeWhoseTokenCannotBeStoredAnswersAnErrorAndLeavesNoToken) {
  // Given the token insert failing (disk full), the exchange answers the error body and no
  // token; a Bearer call is refused; the next exchange stores a token that authenticates.
  Secret secret = CreateSecret("bootstrap");
  faults_.Fail("secrets.AddAccessToken", InsufficientStorageError("disk full"));
  const Answer failed = Agent(kExchange, json{{"secret", secret.value}});
  EXPECT_EQ(failed.status, 507) << failed.raw;
  EXPECT_EQ(failed.body["errorCode"], "RESOURCE_EXHAUSTED");
  EXPECT_FALSE(failed.body.contains("access_token"));
  EXPECT_EQ(faults_.failed(), 1);
  EXPECT_EQ(faults_.calls("secrets.FindSecretByHash"), 1);

  const Answer bearer = Agent(kRegister, RegisterBody("", "web01", std::nullopt),
                              {{"authorization", "Bearer " + std::string(43, 'x')}});
  EXPECT_EQ(bearer.status, 401) << bearer.raw;

  const Answer exchanged = Agent(kExchange, json{{"secret", secret.value}});
  ASSERT_EQ(exchanged.status, 200) << exchanged.raw;
  const std::string token = exchanged.body["access_token"];
  const Answer registered = Agent(kRegister, RegisterBody("", "web01", std::nullopt),
                                  {{"authorization", "Bearer " + token}});
  EXPECT_EQ(registered.body["Result"]["Status"], 1) << registered.raw;
}

TEST_F(AgentWritesTest, AnExpiredSessionIsDeletedByTheWriter) {
  // Given a session silent for more than two heartbeats, the heartbeat that finds it expired
  // deletes it through the writer; when that delete fails the call answers the error.
  Secret secret = CreateSecret("bootstrap");
  const Answer registered =
      Agent(kRegister, RegisterBody("", "web01", std::nullopt), {Basic(secret)});
  const std::string token = registered.body["Session"].value("Token", "");
  ASSERT_FALSE(token.empty()) << registered.raw;
  clock_.Advance(std::chrono::minutes(10) + std::chrono::seconds(1));

  faults_.Fail("agents.DeleteSession", InsufficientStorageError("disk full"));
  const Answer failed = Agent(kHeartbeat, json{{"SessionToken", token}});
  EXPECT_EQ(failed.status, 507) << failed.raw;
  const Answer ended = Agent(kHeartbeat, json{{"SessionToken", token}});
  EXPECT_EQ(ended.status, 200) << ended.raw;
  EXPECT_EQ(ended.body["SessionValid"], false);
  EXPECT_EQ(faults_.calls("agents.DeleteSession"), 2);
}

}  // namespace
}  // namespace orch::api
