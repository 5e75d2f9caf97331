// The event loop never waits for the disk: with every commit of the store's writer taking a
// second, the calls that only read or remember (GET /Status, agents' heartbeats) are answered
// at once while Adds wait for their commit, and each Add is answered only once it is durable.
// A commit that fails answers every Add of its group with the error and writes none of them.
// A store that takes no writes (disk full, read-only), its writer's repositories failing as
// such a SQLite file makes them fail: writes answer 507 RESOURCE_EXHAUSTED and change nothing,
// reads go on, GET /Status says unhealthy and why, and the first write after space returns is
// written with no restart (tests/e2e/store_full_e2e_test.cc does it on a real filesystem).
#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "store/faulty_repositories.h"
#include "store/job_store.h"
#include "store/write_executor.h"
#include "tests/testing/agent_api_fixture.h"
#include "tests/testing/test_loop.h"
#include "tests/testing/test_writer.h"

namespace orch::api::testing {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kCommitDelay{1000};
constexpr milliseconds kPromptAnswer{100};

class WritesOffTheLoopTest : public AgentApiFixture {
 protected:
  void SetUp() override {
    AgentApiFixture::SetUp();
    ASSERT_OK_AND_ASSIGN(executor_, orch::testing::OpenTestWriter(dir_ + "/orchd.db", clock_, loop_,
                                                                  &faults_, &repository_faults_));
    // The fixture's handlers write at once; these hand their writes to a writer thread.
    UseWriter(*executor_);
  }
  void TearDown() override {
    agent_api_.reset();
    control_.reset();
    touches_.reset();
    executor_.reset();
    AgentApiFixture::TearDown();
  }

  /// Imports a certificate and creates a store; answers the body of an Immediate Add of the
  /// one into the other ("" when the set-up failed).
  std::string AddBody() {
    const Answer cert = ControlThrough(
        loop_, "POST", "/Certificates/Import",
        json{{"Certificate", pki::Base64Encode(pki::testing::EcChain().leaf.cert_der)}}.dump());
    EXPECT_EQ(cert.status, 200) << cert.raw;
    const Answer target =
        ControlThrough(loop_, "POST", "/CertificateStores",
                       json{{"ClientMachine", "web01"},
                            {"Storepath", "/etc/ssl/s.pem"},
                            {"CertStoreType", 2},
                            {"AgentPoolId", "00000000-0000-0000-0000-000000000000"}}
                           .dump());
    EXPECT_EQ(target.status, 200) << target.raw;
    if (cert.status != 200 || target.status != 200) return "";
    return json{{"CertificateId", cert.body["Id"]},
                {"CertificateStores", {{{"CertificateStoreId", target.body["Id"]}}}},
                {"Schedule", {{"Immediate", true}}}}
        .dump();
  }

  /// Posts an Add over the control API; its answer arrives through the loop.
  void SubmitAdd(const std::string& body, std::function<void(Response)> reply) {
    Request request;
    request.method = "POST";
    request.path = "/CertificateStores/Certificates/Add";
    request.body = body;
    request.peer = PeerCredentials{1, kOperatorUid, kOperatorUid};
    control_->Handle(std::move(request), std::move(reply));
  }

  int64_t StoredJobs() { return store::SqliteJobStore(*store_).ListJobs(jobs::Paging{})->total; }

  /// What the reads answer: jobs, history, stores and pools, one after the other.
  std::string ReadEverything() {
    std::string seen;
    for (const char* target : {"/OrchestratorJobs/ScheduledJobs", "/OrchestratorJobs/JobHistory",
                               "/CertificateStores", "/AgentPools"}) {
      const Answer read = ControlThrough(loop_, "GET", target);
      EXPECT_EQ(read.status, 200) << target << ": " << read.raw;
      seen += read.raw + "\n";
    }
    return seen;
  }

  /// With every call of the writer's repositories failing with `error`: writes answer 507
  /// with its message and change nothing, reads answer 200, /Status says unhealthy and why.
  /// Then, the fault gone: the next Add is written and /Status is healthy.
  void ExpectRefusedThenRecovered(const Status& error, const std::string& cause) {
    RecordProperty("store_fault", "fault-injected repositories");
    std::cout << "store full: fault-injected repositories, in process\n";
    const std::string add = AddBody();
    ASSERT_FALSE(add.empty());
    ASSERT_EQ(ControlThrough(loop_, "POST", kAdd, add).status, 200);
    const std::string before = ReadEverything();

    repository_faults_.Fail(store::RepositoryFaults::kAnyCall, error, /*count=*/1000);
    const json another_store = {{"ClientMachine", "web02"},
                                {"Storepath", "/etc/ssl/s.pem"},
                                {"CertStoreType", 2},
                                {"AgentPoolId", "00000000-0000-0000-0000-000000000000"}};
    const Answer answers[] = {
        ControlThrough(loop_, "POST", kAdd, add),
        ControlThrough(loop_, "POST", "/CertificateStores", another_store.dump()),
        ControlThrough(loop_, "POST", "/AgentPools",
                       json{{"Name", "web"}, {"Agents", json::array()}}.dump()),
    };
    for (const Answer& answer : answers) {
      EXPECT_EQ(answer.status, 507) << answer.raw;
      EXPECT_EQ(answer.body["errorCode"], "RESOURCE_EXHAUSTED") << answer.raw;
      EXPECT_NE(answer.body.value("errorMessage", "").find(cause), std::string::npos) << answer.raw;
    }
    EXPECT_EQ(ReadEverything(), before);
    Answer status = Control("GET", "/Status");
    EXPECT_EQ(status.body["Store"]["Healthy"], false) << status.raw;
    EXPECT_NE(status.body["Store"].value("Message", "").find(cause), std::string::npos)
        << status.raw;

    repository_faults_.Clear();
    const Answer added = ControlThrough(loop_, "POST", kAdd, add);
    EXPECT_EQ(added.status, 200) << added.raw;
    EXPECT_NE(ReadEverything(), before);
    status = Control("GET", "/Status");
    EXPECT_EQ(status.status, 200) << status.raw;
    EXPECT_EQ(status.body["Store"]["Healthy"], true) << status.raw;
  }

  static constexpr char kAdd[] = "/CertificateStores/Certificates/Add";

  orch::testing::TestLoop loop_;
  store::CommitFaults faults_;
  store::RepositoryFaults repository_faults_;
  std::unique_ptr<store::WriteExecutor> executor_;
};

// An Add's reply, when it came and whether its jobs could be read by then.
struct AddReply {
  int status = 0;
  SteadyClock::time_point at;
  bool jobs_readable = false;
};

TEST_F(WritesOffTheLoopTest, StatusAndHeartbeatsAnswerAtOnceWhileAddsWaitForASlowCommit) {
  const Secret secret = CreateSecretThrough(loop_, "fleet");
  const Answer registered =
      AgentThrough(loop_, "/KeyfactorAgents/Session/Register",
                   RegisterBody("", "web01", NewEnrollment().csr_der), {Basic(secret)});
  ASSERT_EQ(registered.body["Result"]["Status"], 1) << registered.raw;
  const std::string token = registered.body["Session"]["Token"].get<std::string>();
  const std::string add = AddBody();
  ASSERT_FALSE(add.empty());

  // The certificate and the store were written by the writer too.
  const int64_t writes_before = executor_->state().stats.writes;
  // Every commit from now on takes a second.
  faults_.SetDelay(kCommitDelay);
  constexpr int kAdds = 8;
  std::vector<std::optional<AddReply>> replies(kAdds);
  const SteadyClock::time_point submitted = SteadyClock::now();
  for (int i = 0; i < kAdds; ++i) {
    SubmitAdd(add, [this, &replies, i](Response response) {
      AddReply reply{response.status, SteadyClock::now(), true};
      // Answered only once durable: another connection reads every job it names.
      for (const json& id : json::parse(response.body, nullptr, false)) {
        if (!id.is_string() || !store::SqliteJobStore(*store_).GetJob(id.get<std::string>()).ok()) {
          reply.jobs_readable = false;
        }
      }
      replies[i] = reply;
    });
  }

  SteadyClock::time_point start = SteadyClock::now();
  const Answer status = Control("GET", "/Status");
  EXPECT_LT(SteadyClock::now() - start, kPromptAnswer);
  EXPECT_EQ(status.status, 200) << status.raw;
  EXPECT_GE(status.body["Store"]["Writes"]["Backlog"].get<int>(), 1) << status.raw;

  start = SteadyClock::now();
  const Answer heartbeat =
      Agent("/KeyfactorAgents/Session/Heartbeat", json{{"SessionToken", token}});
  EXPECT_LT(SteadyClock::now() - start, kPromptAnswer);
  EXPECT_EQ(heartbeat.body["SessionValid"], true) << heartbeat.raw;

  for (const std::optional<AddReply>& reply : replies) EXPECT_FALSE(reply.has_value());
  ASSERT_TRUE(loop_.RunUntil([&] {
    for (const std::optional<AddReply>& reply : replies) {
      if (!reply) return false;
    }
    return true;
  }));
  for (const std::optional<AddReply>& reply : replies) {
    EXPECT_EQ(reply->status, 200);
    EXPECT_TRUE(reply->jobs_readable);
    EXPECT_GE(reply->at - submitted, kCommitDelay);
  }
  EXPECT_GE(executor_->state().stats.commits, 1);
  EXPECT_EQ(executor_->state().stats.writes - writes_before, kAdds);
}

TEST_F(WritesOffTheLoopTest, AFailedCommitAnswersEveryAddOfItsGroupAndWritesNone) {
  // Given three Adds queued while the writer is busy, so that they share the next commit, and
  // that commit failing (disk full): each is answered with the same ErrorBody, no job is
  // written and /Status reports the store unhealthy. The next Add is written and the store is
  // healthy again.
  const std::string add = AddBody();
  ASSERT_FALSE(add.empty());
  // The writer is held inside a write of its own until the Adds are queued behind it.
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  executor_->Submit(
      [&entered, released](store::Repositories&) {
        entered.set_value();
        released.wait();
        return Status::Ok();
      },
      [](Status) {});
  entered.get_future().wait();
  std::vector<Response> answers;
  for (int i = 0; i < 3; ++i) {
    SubmitAdd(add, [&answers](Response response) { answers.push_back(std::move(response)); });
  }
  faults_.Fail(1, InsufficientStorageError("disk full"), /*after=*/1);  // not the busy write's
  release.set_value();
  ASSERT_TRUE(loop_.RunUntil([&] { return answers.size() == 3; }));
  for (const Response& answer : answers) {
    EXPECT_EQ(answer.status, 507);
    const json body = json::parse(answer.body, nullptr, false);
    EXPECT_EQ(body["errorCode"], "RESOURCE_EXHAUSTED") << answer.body;
    EXPECT_EQ(body["errorMessage"], "disk full") << answer.body;
  }
  EXPECT_EQ(StoredJobs(), 0);
  Answer status = Control("GET", "/Status");
  EXPECT_EQ(status.status, 503) << status.raw;
  EXPECT_EQ(status.body["Store"]["Healthy"], false);
  EXPECT_EQ(status.body["Store"]["Writes"]["FailedCommits"], 1);

  answers.clear();
  SubmitAdd(add, [&answers](Response response) { answers.push_back(std::move(response)); });
  ASSERT_TRUE(loop_.RunUntil([&] { return answers.size() == 1; }));
  EXPECT_EQ(answers.front().status, 200) << answers.front().body;
  EXPECT_EQ(StoredJobs(), 1);
  status = Control("GET", "/Status");
  EXPECT_EQ(status.status, 200) << status.raw;
  EXPECT_EQ(status.body["Store"]["Healthy"], true);
}

TEST_F(WritesOffTheLoopTest, ARegistrationIsAnsweredAfterItsCommitAndAFailedOneSavesNothing) {
  // Given a registration whose commit fails, the agent is answered with the ErrorBody and no
  // agent is saved; the next registration is answered once its session is committed, and its
  // token then works.
  const Secret secret = CreateSecretThrough(loop_, "fleet");
  faults_.Fail(1, UnavailableError("disk I/O error"));
  const Answer failed =
      AgentThrough(loop_, "/KeyfactorAgents/Session/Register",
                   RegisterBody("", "web01", NewEnrollment().csr_der), {Basic(secret)});
  EXPECT_EQ(failed.status, 503) << failed.raw;
  EXPECT_EQ(failed.body["errorCode"], "RESOURCE_EXHAUSTED") << failed.raw;
  EXPECT_EQ(Control("GET", "/Agents").body.size(), 0u);

  const int64_t commits_before = executor_->state().stats.commits;
  const Answer registered =
      AgentThrough(loop_, "/KeyfactorAgents/Session/Register",
                   RegisterBody("", "web01", NewEnrollment().csr_der), {Basic(secret)});
  ASSERT_EQ(registered.body["Result"]["Status"], 1) << registered.raw;
  EXPECT_GT(executor_->state().stats.commits, commits_before);
  const Answer agents = Control("GET", "/Agents");
  ASSERT_EQ(agents.body.size(), 1u) << agents.raw;
  EXPECT_EQ(agents.body[0]["AgentId"], registered.body["Session"]["AgentId"]);
  const Answer heartbeat = Agent("/KeyfactorAgents/Session/Heartbeat",
                                 json{{"SessionToken", registered.body["Session"]["Token"]}});
  EXPECT_EQ(heartbeat.body["SessionValid"], true) << heartbeat.raw;
}

TEST_F(WritesOffTheLoopTest, DiskFullRefusesWritesWith507ServesReadsAndRecoversWithoutRestart) {
  // Given a disk that fills up, then has space again.
  ExpectRefusedThenRecovered(
      InsufficientStorageError("disk full: database " + dir_ +
                               "/orchd.db cannot grow (database or disk is full)"),
      "disk full");
}

TEST_F(WritesOffTheLoopTest, ReadOnlyStoreRefusesWritesWith507NamingTheFileAndRecovers) {
  // Given a database file that becomes read-only, then writable again.
  ExpectRefusedThenRecovered(
      InsufficientStorageError("read-only: database " + dir_ +
                               "/orchd.db cannot be written (attempt to write a readonly "
                               "database)"),
      "read-only: database " + dir_ + "/orchd.db");
}

}  // namespace
}  // namespace orch::api::testing
