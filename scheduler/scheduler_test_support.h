// Test-only: a Scheduler on a fresh database with a FakeClock and a FakeTimer, one store of
// the Default pool and two approved agents, and helpers to add jobs, move time and work runs.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/guid.h"
#include "jobs/iso_time.h"
#include "jobs/schedule.h"
#include "jobs/store_types.h"
#include "scheduler/scheduler.h"
#include "store/agent_store.h"
#include "store/catalog_store.h"
#include "store/job_store.h"
#include "store/pool_store.h"
#include "store/read_pool.h"
#include "store/store_test_support.h"
#include "store/write_executor.h"
#include "tests/testing/status_matchers.h"

namespace orch::scheduler::testing {

/// The certificate store the jobs deploy to, in the Default pool.
inline constexpr char kPoolStore[] = "aaaaaaaa-0000-4000-8000-00000000000a";

/// The instant of an ISO 8601 time such as "2027-01-01T00:00:00Z".
inline WallTime At(const char* iso) {
  return jobs::ParseIsoTime(iso).value();
}

/// The fixture: time starts at 2027-01-01T00:00:00Z.
class SchedulerTest : public store::testing::StoreFileTest {
 protected:
  void SetUp() override {
    StoreFileTest::SetUp();
    clock_.SetWall(At("2027-01-01T00:00:00Z"));
    store::SqliteCatalogStore catalog(*store_);
    store::NewCertificate cert;
    cert.thumbprint = "ABCDEF";
    cert.der = "der";
    ASSERT_OK_AND_ASSIGN(store::ImportOutcome imported,
                         catalog.AddCertificate(cert, clock_.WallNow()));
    certificate_id_ = imported.certificate.id;
    store::CertStoreRecord record;
    record.id = kPoolStore;
    record.client_machine = "web01";
    record.store_path = "/etc/ssl/web.pem";
    record.store_type = jobs::kPemStoreType;
    record.agent_pool_id = std::string(store::kDefaultPoolId);
    ASSERT_OK(catalog.AddCertStore(record));
    agent_a_ = MakeAgent("agent-a");
    agent_b_ = MakeAgent("agent-b");
    Restart();
  }

  void TearDown() override {
    scheduler_.reset();
    writer_.reset();
    reader_.reset();
    StoreFileTest::TearDown();
  }

  // A new scheduler on the same database, as after a restart of orchd.
  void Restart() {
    scheduler_.reset();
    timer_ = std::make_unique<FakeTimer>();
    writer_ = std::make_unique<store::InlineWriter>(*store_);
    reader_ = std::make_unique<store::InlineReader>(*store_);
    store::StoreWriter& writer = external_writer_ != nullptr ? *external_writer_ : *writer_;
    scheduler_ =
        std::make_unique<Scheduler>(clock_, *repositories_, writer, *reader_, *timer_, settings_);
    ASSERT_OK(scheduler_->Start());
  }

  AgentIdentity MakeAgent(const std::string& machine) {
    store::Agent agent;
    agent.agent_id = NewGuid();
    agent.client_machine = machine;
    agent.status = store::AgentStatus::kApproved;
    agent.capabilities = {"CertStores.PEM.Management"};
    agent.created_at = clock_.WallNow();
    EXPECT_OK(store::SqliteAgentStore(*store_).CreateAgent(agent));
    return AgentIdentity{agent.agent_id, machine, {jobs::kPemStoreType}};
  }

  // Adds a job with `schedule_json` accepted now; answers its id.
  std::string AddJob(const std::string& schedule_json) {
    jobs::Schedule schedule = jobs::ParseScheduleJson(nlohmann::json::parse(schedule_json)).value();
    store::NewJob job;
    job.job_id = NewGuid();
    job.store_id = kPoolStore;
    job.certificate_id = certificate_id_;
    job.alias = "web";
    job.schedule_json = jobs::ScheduleToJson(schedule).dump();
    job.schedule_type = jobs::CompactSchedule(schedule);
    job.next_fire = jobs::FirstFire(schedule, clock_.WallNow());
    job.requested = clock_.WallNow();
    job.requester_name = "test";
    StatusOr<std::vector<int64_t>> seqs = store::SqliteJobStore(*store_).AddJobs({job});
    EXPECT_OK(seqs);
    scheduler_->JobsAccepted({{jobs::ToUnixMillis(*job.next_fire), seqs->front()}});
    return job.job_id;
  }

  // Moves time on by `d` in steps of at most `step`, running the timer after each step.
  void Advance(std::chrono::nanoseconds d,
               std::chrono::nanoseconds step = std::chrono::seconds(1)) {
    while (d > std::chrono::nanoseconds(0)) {
      const std::chrono::nanoseconds now = std::min(d, step);
      clock_.Advance(now);
      d -= now;
      // The scheduler re-arms at once while work is left (a burst fires in batches).
      for (int passes = 0; timer_->FireIfDue(clock_.SteadyNow()); ++passes) {
        ASSERT_LT(passes, 1000) << "the timer keeps coming back without time passing";
      }
    }
  }

  // The configuration call, answered before it returns (the writer is inline).
  StatusOr<Configured> ConfigureNow(const std::string& agent_id, const std::string& job_id) {
    std::optional<StatusOr<Configured>> answer;
    scheduler_->Configure(agent_id, job_id,
                          [&answer](StatusOr<Configured> configured) { answer = configured; });
    if (!answer) return InternalError("the configuration call was not answered");
    return *answer;
  }

  // The completion, answered before it returns (the writer is inline).
  Status CompleteNow(const std::string& agent_id, const std::string& job_id, int64_t run_id,
                     store::RunResult result, const std::string& message) {
    std::optional<Status> answer;
    scheduler_->Complete(agent_id, job_id, run_id, result, message,
                         [&answer](Status s) { answer = s; });
    if (!answer) return InternalError("the completion was not answered");
    return *answer;
  }

  // JobsUnscheduled, answered before it returns (the writer is inline).
  Status UnscheduledNow(const std::vector<std::string>& job_ids,
                        const std::vector<store::FireEntry>& dequeued = {}) {
    std::optional<Status> answer;
    scheduler_->JobsUnscheduled(job_ids, dequeued, [&answer](Status s) { answer = s; });
    if (!answer) return InternalError("the unscheduling was not answered");
    return *answer;
  }

  // The writes submitted so far are answered (nothing to do with the inline writer).
  virtual void DrainWrites() {}

  // The due runs `agent` takes as a registration does, once their leases are committed.
  StatusOr<std::vector<store::RunRecord>> TakeNow(const AgentIdentity& agent) {
    std::optional<StatusOr<std::vector<store::RunRecord>>> answer;
    scheduler_->TakeDueRuns(agent, [&answer](auto runs) { answer = std::move(runs); });
    DrainWrites();
    if (!answer) return InternalError("the registration's runs were not answered");
    return *std::move(answer);
  }

  // Takes, starts and completes every run due for `agent` with `result`; answers them.
  std::vector<store::RunRecord> Work(const AgentIdentity& agent,
                                     store::RunResult result = store::RunResult::kSuccess) {
    StatusOr<std::vector<store::RunRecord>> runs = TakeNow(agent);
    EXPECT_OK(runs);
    for (const store::RunRecord& run : *runs) {
      EXPECT_OK(ConfigureNow(agent.agent_id, run.job_id));
      EXPECT_OK(CompleteNow(agent.agent_id, run.job_id, run.run_id, result, "done"));
    }
    return *runs;
  }

  std::vector<store::RunRecord> History(const std::string& job_id) {
    jobs::Paging paging;
    paging.limit = 1000;
    paging.filter =
        jobs::CompileQuery("JobId -eq \"" + job_id + "\"", store::RunQueryFields()).value();
    StatusOr<store::Page<store::RunRecord>> page = store::SqliteRunStore(*store_).ListRuns(paging);
    EXPECT_OK(page);
    return page->rows;
  }

  std::vector<WallTime> RunTimes(const std::string& job_id) {
    std::vector<WallTime> times;
    for (const store::RunRecord& run : History(job_id)) times.push_back(run.scheduled_for);
    return times;
  }

  Settings settings_;
  std::unique_ptr<FakeTimer> timer_;
  std::unique_ptr<store::InlineWriter> writer_;
  std::unique_ptr<store::InlineReader> reader_;
  // When set, the scheduler writes through it instead of inline (Restart() applies it).
  store::StoreWriter* external_writer_ = nullptr;
  std::unique_ptr<Scheduler> scheduler_;
  AgentIdentity agent_a_;
  AgentIdentity agent_b_;
  int64_t certificate_id_ = 0;
};

}  // namespace orch::scheduler::testing
