// The event loop never waits on a read: with every query of the store's readers taking a
// second, GET /Status is answered at once (from the health a reader last found) while a
// JobHistory query is in flight, and the history arrives afterwards, complete. The catalog,
// pool and secret GETs are read by the readers too, and a history stream's replay as well, with
// nothing published meanwhile lost. A request the loop can refuse by itself is answered without
// a read.
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "scheduler/scheduler.h"
#include "scheduler/timer.h"
#include "store/read_pool.h"
#include "store/run_store.h"
#include "tests/testing/agent_api_fixture.h"
#include "tests/testing/test_loop.h"

namespace orch::api::testing {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kReadDelay{1000};
constexpr milliseconds kPromptAnswer{100};

class ReadsOffTheLoopTest : public AgentApiFixture {
 protected:
  void SetUp() override {
    AgentApiFixture::SetUp();
    ASSERT_OK_AND_ASSIGN(
        pool_, store::ReadPool::Open(
                   {.path = dir_ + "/orchd.db", .orchd_version = "test", .clock = &clock_}, 2,
                   loop_.Post(), store::ReadPool::Options{.faults = &faults_}));
    // Writes still happen at once; the control API's queries go to the reader threads.
    UseStore(*inline_writer_, *pool_);
  }
  void TearDown() override {
    agent_api_.reset();
    control_.reset();
    touches_.reset();
    pool_.reset();
    AgentApiFixture::TearDown();
  }

  /// Adds `count` Immediate jobs of one certificate to one store and fires each once, so the
  /// history holds `count` runs. Answers the jobs' ids.
  std::set<std::string> FiredJobs(int count) {
    const Answer cert = Control(
        "POST", "/Certificates/Import",
        json{{"Certificate", pki::Base64Encode(pki::testing::EcChain().leaf.cert_der)}}.dump());
    EXPECT_EQ(cert.status, 200) << cert.raw;
    const Answer target = Control("POST", "/CertificateStores",
                                  json{{"ClientMachine", "web01"},
                                       {"Storepath", "/etc/ssl/s.pem"},
                                       {"CertStoreType", 2},
                                       {"AgentPoolId", "00000000-0000-0000-0000-000000000000"}}
                                      .dump());
    EXPECT_EQ(target.status, 200) << target.raw;
    const std::string add = json{
        {"CertificateId", cert.body["Id"]},
        {"CertificateStores", {{{"CertificateStoreId", target.body["Id"]}}}},
        {"Schedule",
         {{"Immediate", true}}}}.dump();
    std::set<std::string> ids;
    for (int i = 0; i < count; ++i) {
      const Answer added = Control("POST", "/CertificateStores/Certificates/Add", add);
      EXPECT_EQ(added.status, 200) << added.raw;
      for (const json& id : added.body) ids.insert(id.get<std::string>());
    }
    store::SqliteRunStore runs(*store_);
    StatusOr<std::vector<store::FireEntry>> due = runs.LoadFireQueue();
    EXPECT_TRUE(due.ok()) << due.status().ToString();
    if (!due.ok()) return ids;
    StatusOr<std::vector<store::RunRecord>> fired = runs.Fire(*due, [](const store::FireJob& job) {
      return store::FireDecision{.run_at = job.next_fire, .next_fire = std::nullopt};
    });
    EXPECT_TRUE(fired.ok()) << fired.status().ToString();
    return ids;
  }

  /// Sends a control call whose answer arrives through the loop into `answer`.
  void Send(const std::string& target, std::optional<Answer>& answer) {
    Request request;
    request.method = "GET";
    const size_t question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    request.peer = PeerCredentials{1, kOperatorUid, kOperatorUid};
    control_->Handle(std::move(request), [&answer](Response response) {
      answer = Answer{response.status, json::parse(response.body, nullptr, false), response.headers,
                      response.body};
    });
  }

  orch::testing::TestLoop loop_;
  store::ReadFaults faults_;
  std::unique_ptr<store::ReadPool> pool_;
};

TEST_F(ReadsOffTheLoopTest, StatusAnswersAtOnceWhileASlowHistoryQueryIsInFlight) {
  // Given three runs in the history and every read taking a second: GET /Status is answered
  // at once while the history query waits for its reader, which then answers all three runs.
  const std::set<std::string> jobs = FiredJobs(3);
  ASSERT_EQ(jobs.size(), 3u);
  faults_.SetDelay(kReadDelay);

  const SteadyClock::time_point submitted = SteadyClock::now();
  std::optional<Answer> history;
  Send("/OrchestratorJobs/JobHistory?pq.returnLimit=10", history);
  EXPECT_FALSE(history.has_value());

  const SteadyClock::time_point start = SteadyClock::now();
  const Answer status = Control("GET", "/Status");
  EXPECT_LT(SteadyClock::now() - start, kPromptAnswer);
  EXPECT_EQ(status.status, 200) << status.raw;
  EXPECT_FALSE(history.has_value());

  ASSERT_TRUE(loop_.RunUntil([&] { return history.has_value(); }));
  EXPECT_GE(SteadyClock::now() - submitted, kReadDelay);
  ASSERT_EQ(history->status, 200) << history->raw;
  EXPECT_EQ(history->Header("x-total-count"), "3");
  ASSERT_TRUE(history->body.is_array()) << history->raw;
  std::set<std::string> seen;
  for (const json& row : history->body) seen.insert(row["JobId"].get<std::string>());
  EXPECT_EQ(seen, jobs);
  // One read for the history, and one for the store's health, which /Status checks on a
  // reader too.
  EXPECT_TRUE(loop_.RunUntil([&] { return pool_->state().reads == 2; }));
  EXPECT_EQ(pool_->state().reads, 2);
}

TEST_F(ReadsOffTheLoopTest, ABadQueryIsAnsweredOnTheLoopWithoutARead) {
  // Given a malformed history query and an unknown scheduled-jobs field: both are answered
  // before the call returns, and no reader ran anything.
  std::optional<Answer> history;
  Send("/OrchestratorJobs/JobHistory?pq.queryString=Nope%20-eq%20%221%22", history);
  ASSERT_TRUE(history.has_value());
  EXPECT_EQ(history->status, 400) << history->raw;
  std::optional<Answer> jobs;
  Send("/OrchestratorJobs/ScheduledJobs?pq.sortField=Nope", jobs);
  ASSERT_TRUE(jobs.has_value());
  EXPECT_EQ(jobs->status, 400) << jobs->raw;
  std::optional<Answer> agent;
  Send("/Agents/not-a-guid", agent);
  ASSERT_TRUE(agent.has_value());
  EXPECT_EQ(agent->status, 400) << agent->raw;
  EXPECT_EQ(pool_->state().reads, 0);
}

TEST_F(ReadsOffTheLoopTest, ScheduledJobsAndAgentsAreReadByTheReaders) {
  // Given two scheduled jobs: ScheduledJobs and the agent list are answered through the loop.
  const std::set<std::string> added = FiredJobs(2);
  std::optional<Answer> jobs;
  Send("/OrchestratorJobs/ScheduledJobs", jobs);
  std::optional<Answer> agents;
  Send("/Agents", agents);
  ASSERT_TRUE(loop_.RunUntil([&] { return jobs.has_value() && agents.has_value(); }));
  ASSERT_EQ(jobs->status, 200) << jobs->raw;
  EXPECT_EQ(jobs->Header("x-total-count"), "2");
  std::set<std::string> seen;
  for (const json& row : jobs->body) seen.insert(row["JobId"].get<std::string>());
  EXPECT_EQ(seen, added);
  ASSERT_EQ(agents->status, 200) << agents->raw;
  EXPECT_EQ(agents->Header("x-total-count"), "0");
  EXPECT_EQ(pool_->state().reads, 2);
}

TEST_F(ReadsOffTheLoopTest, CatalogPoolAndSecretListsAreReadByTheReaders) {
  // Given a certificate and a store: the certificate, collection, store, store type,
  // container, pool and secret GETs are each answered through the loop, after a reader's read.
  FiredJobs(0);
  const std::vector<std::string> targets = {"/Certificates",
                                            "/Certificates/1",
                                            "/CertificateCollections",
                                            "/CertificateStores",
                                            "/CertificateStoreTypes",
                                            "/CertificateStoreContainers",
                                            "/AgentPools",
                                            "/AgentPools/00000000-0000-0000-0000-000000000000",
                                            "/AgentPools/Agents",
                                            "/api/v2/agent/secrets"};
  std::vector<std::optional<Answer>> answers(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    Send(targets[i], answers[i]);
    EXPECT_FALSE(answers[i].has_value()) << targets[i];
  }
  ASSERT_TRUE(loop_.RunUntil([&] {
    for (const std::optional<Answer>& answer : answers) {
      if (!answer) return false;
    }
    return true;
  }));
  for (size_t i = 0; i < targets.size(); ++i) {
    EXPECT_EQ(answers[i]->status, 200) << targets[i] << " " << answers[i]->raw;
  }
  EXPECT_EQ(answers[0]->Header("x-total-count"), "1");
  EXPECT_EQ(answers[3]->Header("x-total-count"), "1");
  EXPECT_EQ(pool_->state().reads, static_cast<int64_t>(targets.size()));
}

// Keeps what a stream writes, one string per chunk.
class LinesSink final : public ChunkSink {
 public:
  bool Write(std::string data) override {
    lines.push_back(json::parse(data, nullptr, false));
    return true;
  }
  void Finish() override {}
  bool Closed() const override { return false; }

  std::vector<json> lines;
};

TEST_F(ReadsOffTheLoopTest, AStreamFollowsFromBeforeItsReplayIsRead) {
  // Given two runs and a slow reader: a stream after the first run follows the scheduler while
  // its replay is read. Both runs published meanwhile are sent after the replay, the second
  // (replayed unchanged) only once; what is published later follows.
  FiredJobs(2);
  StatusOr<std::vector<store::RunRecord>> runs = store::SqliteRunStore(*store_).RunsAfter(0, 10);
  ASSERT_TRUE(runs.ok() && runs->size() == 2u);
  const int64_t first = runs->front().run_id;
  const int64_t second = runs->back().run_id;
  scheduler::FakeTimer timer;
  scheduler::Scheduler scheduler(clock_, *repositories_, *inline_writer_, *inline_reader_, timer,
                                 scheduler::Settings{});
  ASSERT_OK(scheduler.Start());
  control_ = std::make_unique<ControlApi>(ControlDeps{.clock = &clock_,
                                                      .store = repositories_.get(),
                                                      .writer = &*inline_writer_,
                                                      .catalog_facts = &catalog_facts_,
                                                      .reader = pool_.get(),
                                                      .secret_box = &box_,
                                                      .authorizer = authorizer_.get(),
                                                      .scheduler = &scheduler});
  faults_.SetDelay(milliseconds(200));
  std::optional<Response> response;
  control_->Handle(
      ControlRequest("GET", "/OrchestratorJobs/JobHistory/Stream?after=" + std::to_string(first),
                     "", kOperatorUid),
      [&response](Response r) { response = std::move(r); });
  EXPECT_FALSE(response.has_value());
  scheduler.RunsChanged({first, second});
  ASSERT_TRUE(loop_.RunUntil([&] { return response.has_value(); }));
  ASSERT_EQ(response->status, 200) << response->body;
  ASSERT_NE(response->stream, nullptr);
  auto sink = std::make_shared<LinesSink>();
  response->stream->Start(sink);
  scheduler.RunsChanged({first});

  std::vector<int64_t> sent;
  for (const json& line : sink->lines) sent.push_back(line["JobHistoryId"].get<int64_t>());
  EXPECT_EQ(sent, (std::vector<int64_t>{second, first, first}));
  response->stream->Stop();
  response.reset();
  control_.reset();
}

}  // namespace
}  // namespace orch::api::testing
