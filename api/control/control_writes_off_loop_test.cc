// The control calls that change the store write through the store's writer: each is answered
// only once its write is committed, and a commit that fails answers the SPEC §13 ErrorBody
// (507 for a full disk), writes nothing and leaves the scheduler's memory as it was. Bad input is
// answered on the loop without a write.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/claims.h"
#include "config/config.h"
#include "pki/base64.h"
#include "pki/test_certs.h"
#include "scheduler/scheduler.h"
#include "scheduler/timer.h"
#include "store/job_store.h"
#include "store/pool_store.h"
#include "store/run_store.h"
#include "store/secret_store.h"
#include "store/write_executor.h"
#include "tests/testing/agent_api_fixture.h"
#include "tests/testing/test_loop.h"
#include "tests/testing/test_writer.h"

namespace orch::api::testing {
namespace {

constexpr char kDefaultPool[] = "00000000-0000-0000-0000-000000000000";

class ControlWritesOffTheLoopTest : public AgentApiFixture {
 protected:
  void SetUp() override {
    AgentApiFixture::SetUp();
    ASSERT_OK_AND_ASSIGN(
        executor_, orch::testing::OpenTestWriter(dir_ + "/orchd.db", clock_, loop_, &faults_));
    UseWriter(*executor_);
  }
  void TearDown() override {
    agent_api_.reset();
    control_.reset();
    if (scheduler_) scheduler_->Stop();
    scheduler_.reset();
    touches_.reset();
    executor_.reset();
    AgentApiFixture::TearDown();
  }

  /// Starts a scheduler on the store (it loads what is stored) and serves the control API
  /// with it, its writes on the writer thread.
  void StartScheduler() {
    scheduler_ = std::make_unique<scheduler::Scheduler>(
        clock_, *repositories_, *executor_, *inline_reader_, timer_, scheduler::Settings{});
    ASSERT_OK(scheduler_->Start());
    // What the start handed the writer (pruning the history) is committed before the test's
    // own writes, so that a fault the test injects meets the test's write.
    ASSERT_TRUE(loop_.RunUntil([&] { return executor_->state().backlog == 0; }));
    control_ = std::make_unique<ControlApi>(ControlDeps{.clock = &clock_,
                                                        .store = repositories_.get(),
                                                        .writer = executor_.get(),
                                                        .catalog_facts = &catalog_facts_,
                                                        .reader = &*inline_reader_,
                                                        .secret_box = &box_,
                                                        .authorizer = authorizer_.get(),
                                                        .scheduler = scheduler_.get()});
  }

  /// Imports a certificate, creates a store and adds the one into the other with `schedule`;
  /// answers the job's id ("" when the set-up failed).
  std::string AddJob(const json& schedule) {
    const Answer cert = ControlThrough(
        loop_, "POST", "/Certificates/Import",
        json{{"Certificate", pki::Base64Encode(pki::testing::EcChain().leaf.cert_der)}}.dump());
    const Answer target = ControlThrough(loop_, "POST", "/CertificateStores",
                                         json{{"ClientMachine", "web01"},
                                              {"Storepath", "/etc/ssl/s.pem"},
                                              {"CertStoreType", 2},
                                              {"AgentPoolId", kDefaultPool}}
                                             .dump());
    const Answer added =
        ControlThrough(loop_, "POST", "/CertificateStores/Certificates/Add",
                       json{{"CertificateId", cert.body["Id"]},
                            {"CertificateStores", {{{"CertificateStoreId", target.body["Id"]}}}},
                            {"Schedule", schedule}}
                           .dump());
    EXPECT_EQ(added.status, 200) << added.raw;
    if (added.status != 200) return "";
    return added.body[0].get<std::string>();
  }

  /// A run closed as a Failure: an Immediate job fired and completed on the test's
  /// connection. Answers the run's id (0 when the set-up failed).
  int64_t FailedRun() {
    if (AddJob({{"Immediate", true}}).empty()) return 0;
    store::SqliteRunStore runs(*store_);
    StatusOr<std::vector<store::FireEntry>> due = runs.LoadFireQueue();
    EXPECT_TRUE(due.ok()) << due.status().ToString();
    if (!due.ok()) return 0;
    StatusOr<std::vector<store::RunRecord>> fired = runs.Fire(*due, [](const store::FireJob& job) {
      return store::FireDecision{.run_at = job.next_fire, .next_fire = std::nullopt};
    });
    EXPECT_TRUE(fired.ok() && fired->size() == 1u);
    if (!fired.ok() || fired->size() != 1u) return 0;
    const int64_t id = fired->front().run_id;
    EXPECT_OK(runs.Complete({.run_id = id,
                             .result = store::RunResult::kFailure,
                             .message = "store unreachable",
                             .now = clock_.WallNow()})
                  .status());
    return id;
  }

  /// Sends a control call; its answer, when it comes, lands in the returned slot.
  std::shared_ptr<std::optional<Answer>> Send(const std::string& method, const std::string& target,
                                              const std::string& body) {
    auto answer = std::make_shared<std::optional<Answer>>();
    control_->Handle(ControlRequest(method, target, body, kOperatorUid),
                     [answer](Response response) { *answer = AnswerOf(response); });
    return answer;
  }

  /// The next commit fails as a full disk does.
  void FailNextCommit() { faults_.Fail(1, InsufficientStorageError("disk full")); }

  static void ExpectDiskFull(const Answer& answer) {
    EXPECT_EQ(answer.status, 507) << answer.raw;
    EXPECT_EQ(answer.body["errorCode"], "RESOURCE_EXHAUSTED") << answer.raw;
    EXPECT_EQ(answer.body["errorMessage"], "disk full") << answer.raw;
    EXPECT_TRUE(answer.body.contains("errorDetails")) << answer.raw;
  }

  store::RunStatus StatusOf(int64_t run_id) {
    StatusOr<std::optional<store::RunRecord>> run = store::SqliteRunStore(*store_).FindRun(run_id);
    EXPECT_TRUE(run.ok() && run->has_value());
    return run.ok() && run->has_value() ? (*run)->status : store::RunStatus::kWaiting;
  }

  size_t RunsAfter(int64_t run_id) {
    StatusOr<std::vector<store::RunRecord>> after =
        store::SqliteRunStore(*store_).RunsAfter(run_id, 10);
    return after.ok() ? after->size() : 0;
  }

  orch::testing::TestLoop loop_;
  store::CommitFaults faults_;
  std::unique_ptr<store::WriteExecutor> executor_;
  scheduler::FakeTimer timer_;
  std::unique_ptr<scheduler::Scheduler> scheduler_;
};

TEST_F(ControlWritesOffTheLoopTest,
       AcknowledgeIsAnsweredAfterItsCommitAndAFailedOneChangesNothing) {
  // Given a failed run and listeners of the scheduler: an Acknowledge whose commit fails gets
  // the ErrorBody, the run stays Completed and no listener hears of it; the next one is
  // answered only once the run is Acknowledged in the store and the listeners were told.
  const int64_t run = FailedRun();
  ASSERT_NE(run, 0);
  StartScheduler();
  std::vector<int64_t> heard;
  scheduler_->Subscribe([&heard](const store::RunRecord& r) { heard.push_back(r.run_id); });
  const std::string body = json{{"JobAuditIds", {run}}}.dump();

  FailNextCommit();
  ExpectDiskFull(ControlThrough(loop_, "POST", "/OrchestratorJobs/Acknowledge", body));
  EXPECT_EQ(StatusOf(run), store::RunStatus::kCompleted);
  EXPECT_TRUE(heard.empty());

  auto answer = std::make_shared<std::optional<Answer>>();
  std::optional<store::RunStatus> stored_at_answer;
  std::vector<int64_t> heard_at_answer;
  control_->Handle(ControlRequest("POST", "/OrchestratorJobs/Acknowledge", body, kOperatorUid),
                   [&, answer](Response response) {
                     stored_at_answer = StatusOf(run);
                     heard_at_answer = heard;
                     *answer = AnswerOf(response);
                   });
  EXPECT_FALSE(answer->has_value());
  ASSERT_TRUE(loop_.RunUntil([&] { return answer->has_value(); }));
  EXPECT_EQ((*answer)->status, 204) << (*answer)->raw;
  EXPECT_EQ(stored_at_answer, store::RunStatus::kAcknowledged);
  EXPECT_EQ(heard_at_answer, std::vector<int64_t>{run});
}

TEST_F(ControlWritesOffTheLoopTest, RescheduleIsAnsweredAfterItsCommitAndAFailedOneCreatesNoRun) {
  // Given a failed run and a started scheduler: a Reschedule whose commit fails gets the
  // ErrorBody, no run is written and the scheduler holds no open run; the next one is
  // answered once the new run is stored and the scheduler holds it.
  const int64_t run = FailedRun();
  ASSERT_NE(run, 0);
  StartScheduler();
  const std::string body = json{{"JobAuditIds", {run}}}.dump();

  FailNextCommit();
  ExpectDiskFull(ControlThrough(loop_, "POST", "/OrchestratorJobs/Reschedule", body));
  EXPECT_EQ(RunsAfter(run), 0u);
  EXPECT_TRUE(scheduler_->OpenRunIds().empty());

  auto answer = std::make_shared<std::optional<Answer>>();
  size_t stored_at_answer = 0;
  std::vector<int64_t> open_at_answer;
  control_->Handle(ControlRequest("POST", "/OrchestratorJobs/Reschedule", body, kOperatorUid),
                   [&, answer](Response response) {
                     stored_at_answer = RunsAfter(run);
                     open_at_answer = scheduler_->OpenRunIds();
                     *answer = AnswerOf(response);
                   });
  EXPECT_FALSE(answer->has_value());
  ASSERT_TRUE(loop_.RunUntil([&] { return answer->has_value(); }));
  EXPECT_EQ((*answer)->status, 204) << (*answer)->raw;
  EXPECT_EQ(stored_at_answer, 1u);
  ASSERT_EQ(open_at_answer.size(), 1u);
  EXPECT_GT(open_at_answer.front(), run);
}

TEST_F(ControlWritesOffTheLoopTest, UnscheduleWithAFailedCommitKeepsTheJobAndItsFire) {
  // Given a job firing every hour and a started scheduler: an Unschedule whose commit fails
  // gets the ErrorBody, the job stays Scheduled and its fire queued; the next one is answered
  // once the job is Unscheduled in the store and its fire is gone.
  const std::string job = AddJob({{"Interval", {{"Minutes", 60}}}});
  ASSERT_FALSE(job.empty());
  StartScheduler();
  ASSERT_EQ(scheduler_->QueuedFires().size(), 1u);
  const std::string body = json{{"JobIds", {job}}}.dump();

  FailNextCommit();
  ExpectDiskFull(ControlThrough(loop_, "POST", "/OrchestratorJobs/Unschedule", body));
  EXPECT_EQ(store::SqliteJobStore(*store_).GetJob(job)->state, store::kJobScheduled);
  EXPECT_EQ(scheduler_->QueuedFires().size(), 1u);

  const Answer done = ControlThrough(loop_, "POST", "/OrchestratorJobs/Unschedule", body);
  EXPECT_EQ(done.status, 204) << done.raw;
  EXPECT_EQ(store::SqliteJobStore(*store_).GetJob(job)->state, store::kJobUnscheduled);
  EXPECT_TRUE(scheduler_->QueuedFires().empty());
}

TEST_F(ControlWritesOffTheLoopTest, APoolIsAnsweredAfterItsCommitAndAFailedOneIsNotStored) {
  // Given a pool create whose commit fails: the ErrorBody, and only the Default pool is
  // stored; the next create is answered once its pool can be read from another connection.
  const std::string body = json{{"Name", "edge"}}.dump();
  FailNextCommit();
  ExpectDiskFull(ControlThrough(loop_, "POST", "/AgentPools", body));
  const Answer pools = Control("GET", "/AgentPools");
  ASSERT_EQ(pools.status, 200) << pools.raw;
  ASSERT_EQ(pools.body.size(), 1u) << pools.raw;
  EXPECT_EQ(pools.body[0]["AgentPoolId"], kDefaultPool);

  auto answer = std::make_shared<std::optional<Answer>>();
  bool stored_at_answer = false;
  control_->Handle(ControlRequest("POST", "/AgentPools", body, kOperatorUid),
                   [&, answer](Response response) {
                     *answer = AnswerOf(response);
                     const std::string id = (*answer)->body.value("AgentPoolId", "");
                     stored_at_answer = store::SqlitePoolStore(*store_).GetPool(id).ok();
                   });
  EXPECT_FALSE(answer->has_value());
  ASSERT_TRUE(loop_.RunUntil([&] { return answer->has_value(); }));
  EXPECT_EQ((*answer)->status, 200) << (*answer)->raw;
  EXPECT_EQ((*answer)->body["Name"], "edge");
  EXPECT_TRUE(stored_at_answer);
}

TEST_F(ControlWritesOffTheLoopTest, ASecretIsShownOnlyOnceCommittedAndAFailedOneIsNotStored) {
  // Given a secret create whose commit fails: the ErrorBody without any value, and no secret
  // is stored; the next create shows its value only once the secret is stored.
  FailNextCommit();
  const Answer failed =
      ControlThrough(loop_, "POST", "/api/v2/agent/secrets", json{{"name", "fleet"}}.dump());
  ExpectDiskFull(failed);
  EXPECT_FALSE(failed.body.contains("secret")) << failed.raw;
  EXPECT_TRUE(store::SqliteSecretStore(*store_).ListSecrets()->empty());

  auto answer = Send("POST", "/api/v2/agent/secrets", json{{"name", "fleet"}}.dump());
  EXPECT_FALSE(answer->has_value());
  ASSERT_TRUE(loop_.RunUntil([&] { return answer->has_value(); }));
  EXPECT_EQ((*answer)->status, 201) << (*answer)->raw;
  EXPECT_EQ((*answer)->Header("Cache-Control"), "no-store");
  EXPECT_EQ((*answer)->body["secret"].get<std::string>().size(), 43u);
  const StatusOr<std::vector<store::SecretRecord>> stored =
      store::SqliteSecretStore(*store_).ListSecrets();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->front().id, (*answer)->body["id"]);
}

TEST_F(ControlWritesOffTheLoopTest, ACollectionScopedAddReadsItsCollectionOffTheLoop) {
  // Given a caller whose collection read is scoped to two collections, one holding the
  // certificate and one not: an Add naming no collection is refused without a read, one
  // naming the other collection is refused after the reader checked it, and one naming the
  // certificate's collection is written.
  const Answer cert = ControlThrough(
      loop_, "POST", "/Certificates/Import",
      json{{"Certificate", pki::Base64Encode(pki::testing::EcChain().leaf.cert_der)}}.dump());
  const Answer target = ControlThrough(loop_, "POST", "/CertificateStores",
                                       json{{"ClientMachine", "web01"},
                                            {"Storepath", "/etc/ssl/s.pem"},
                                            {"CertStoreType", 2},
                                            {"AgentPoolId", kDefaultPool}}
                                           .dump());
  const Answer holding = ControlThrough(loop_, "POST", "/CertificateCollections",
                                        R"({"Name":"all","Query":"Id -ge 1"})");
  const Answer other = ControlThrough(loop_, "POST", "/CertificateCollections",
                                      R"({"Name":"none","Query":"Id -eq 999"})");
  ASSERT_EQ(holding.status, 200) << holding.raw;
  ASSERT_EQ(other.status, 200) << other.raw;
  constexpr uid_t kScopedUid = 5000;
  const std::string read = std::string(claims::kCollectionsRead);
  config::Role all{"all", {std::to_string(kOperatorUid)}, {}, {}};
  for (std::string_view claim : config::kAllClaims) all.claims.emplace_back(claim);
  config::Role scoped{"scoped",
                      {std::to_string(kScopedUid)},
                      {},
                      {std::string(claims::kSchedule),
                       read + std::to_string(holding.body["Id"].get<int64_t>()) + "/",
                       read + std::to_string(other.body["Id"].get<int64_t>()) + "/"}};
  authorizer_->SetRoles({all, scoped});
  json add = {{"CertificateId", cert.body["Id"]},
              {"CertificateStores", {{{"CertificateStoreId", target.body["Id"]}}}},
              {"Schedule", {{"Immediate", true}}}};
  const std::string path = "/CertificateStores/Certificates/Add";

  const int64_t reads = inline_reader_->state().reads;
  const Answer unnamed = Control("POST", path, add.dump(), kScopedUid);
  EXPECT_EQ(unnamed.status, 403) << unnamed.raw;
  EXPECT_EQ(inline_reader_->state().reads, reads);

  add["CollectionId"] = other.body["Id"];
  const Answer outside = ControlThrough(loop_, "POST", path, add.dump(), kScopedUid);
  EXPECT_EQ(outside.status, 403) << outside.raw;
  EXPECT_EQ(inline_reader_->state().reads, reads + 1);

  add["CollectionId"] = holding.body["Id"];
  const Answer added = ControlThrough(loop_, "POST", path, add.dump(), kScopedUid);
  ASSERT_EQ(added.status, 200) << added.raw;
  ASSERT_EQ(added.body.size(), 1u) << added.raw;
  EXPECT_TRUE(store::SqliteJobStore(*store_).GetJob(added.body[0].get<std::string>()).ok());
}

TEST_F(ControlWritesOffTheLoopTest, BadInputIsAnsweredOnTheLoopWithoutAWrite) {
  // Given malformed bodies for Acknowledge, Reschedule, Unschedule, a pool and an approval:
  // each is answered before the call returns and the writer is handed nothing.
  const int64_t writes = executor_->state().stats.writes;
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"/OrchestratorJobs/Acknowledge", R"({"JobAuditIds":[0]})"},
      {"/OrchestratorJobs/Reschedule", R"({"Query":"Nope -eq \"1\""})"},
      {"/OrchestratorJobs/Unschedule", R"({"JobIds":["not-a-guid"]})"},
      {"/AgentPools", R"({"Agents":[]})"},
      {"/Agents/Approve", R"(["not-a-guid"])"},
      {"/CertificateCollections", R"({"Name":"c","Query":"Nope -eq \"1\""})"}};
  for (const auto& [path, body] : calls) {
    auto answer = Send("POST", path, body);
    ASSERT_TRUE(answer->has_value()) << path;
    EXPECT_EQ((*answer)->status, 400) << path << " " << (*answer)->raw;
  }
  EXPECT_EQ(executor_->state().stats.writes, writes);
  EXPECT_EQ(executor_->state().backlog, 0u);
}

}  // namespace
}  // namespace orch::api::testing
