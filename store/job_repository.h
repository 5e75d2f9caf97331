// JobRepository: certificate-add jobs with their Schedule, state and next fire time. Passwords
// arrive sealed (SecretBox) and stay sealed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "jobs/query.h"
#include "store/page.h"
#include "store/run_repository.h"

namespace orch::store {

/// Job states (SPEC §3).
inline constexpr std::string_view kJobScheduled = "Scheduled";
inline constexpr std::string_view kJobUnscheduled = "Unscheduled";
inline constexpr std::string_view kJobFinished = "Finished";

/// One job to write: an Add of a certificate into one store.
struct NewJob {
  std::string job_id;  // fresh lowercase GUID
  std::string job_type = "Management";
  int operation_type = 2;  // Add
  std::string store_id;
  int64_t certificate_id = 0;
  std::string alias;
  bool overwrite = false;
  bool include_private_key = false;
  std::optional<std::string> sealed_pfx_password;    // sealed with JobSecretAad(id, "pfx")
  std::optional<std::string> sealed_entry_password;  // sealed with JobSecretAad(id, "entry")
  std::string job_fields_json = "{}";
  std::string schedule_json;                 // jobs::ScheduleToJson()
  std::optional<std::string> schedule_type;  // jobs::CompactSchedule(); none = Immediate
  std::optional<WallTime> next_fire;         // none = never fires again
  WallTime requested;
  std::optional<int64_t> requester_uid;
  std::string requester_name;
};

/// A job as listed, with its store and certificate.
struct JobRow {
  std::string job_id;
  std::string job_type;
  int operation_type = 2;
  std::string store_id;
  std::string client_machine;
  std::string store_path;
  int store_type = 0;
  std::optional<int64_t> container_id;
  std::string agent_id;       // empty when the store is bound to a pool
  std::string agent_pool_id;  // empty when the store is bound to an agent
  int64_t certificate_id = 0;
  std::string thumbprint;
  std::string alias;
  bool overwrite = false;
  bool include_private_key = false;
  std::string job_fields_json;
  std::string schedule_json;
  std::optional<std::string> schedule_type;
  std::string state;
  std::optional<WallTime> next_fire;
  WallTime requested;
  std::string requester_name;
  bool has_pfx_password = false;
  bool has_entry_password = false;
  int64_t skipped_overlap = 0;  // fires skipped because a run was still in flight
  int64_t missed_catchup = 0;   // fires missed while orchd was down (or the clock jumped)
};

/// What permission checks need to know about an existing job.
/// What an Unschedule changed.
struct UnscheduledJobs {
  int64_t changed = 0;
  /// The fire-queue entries (LoadFireQueue()) of the changed jobs that had a next fire.
  std::vector<FireEntry> dequeued;
};

struct JobTarget {
  std::string job_id;
  std::string state;
  std::optional<int64_t> container_id;  // of the job's store
};

/// A job's sealed passwords, for the configuration answer that hands them to an agent.
struct SealedJobPasswords {
  std::optional<std::string> pfx;    // sealed with JobSecretAad(id, "pfx")
  std::optional<std::string> entry;  // sealed with JobSecretAad(id, "entry")
};

/// Associated data binding a sealed job password to its job; `which` is "pfx" or "entry".
std::string JobSecretAad(std::string_view job_id, std::string_view which);

/// Query and sort fields of GET /OrchestratorJobs/ScheduledJobs and of Unschedule's Query.
const std::vector<jobs::QueryField>& JobQueryFields();

/// Jobs, as the store keeps them: the interface every backend implements.
/// Each method is one transaction of its own unless the caller already holds one (a
/// StoreWriter group, a StoreReader snapshot).
class JobRepository {
 public:
  virtual ~JobRepository() = default;

  /// Writes every job in one transaction: all of them or none. NotFound when a store or
  /// certificate they name is gone. Answers each job's row number (its place in the fire
  /// queue), in order.
  virtual StatusOr<std::vector<int64_t>> AddJobs(const std::vector<NewJob>& jobs) = 0;
  /// One page of jobs. REQUIRES: paging built from JobQueryFields().
  virtual StatusOr<Page<JobRow>> ListJobs(const jobs::Paging& paging) = 0;
  /// The job `job_id` (any case); NotFound naming it otherwise.
  virtual StatusOr<JobRow> GetJob(std::string_view job_id) = 0;
  /// The state of job `job_id` (kJobScheduled, ...); NotFound as GetJob(). One row of one
  /// table, for callers that need nothing else.
  virtual StatusOr<std::string> GetJobState(std::string_view job_id) = 0;
  /// How many jobs are in each state ("Scheduled", "Unscheduled", "Finished"); states without
  /// jobs are absent.
  virtual StatusOr<std::map<std::string, int64_t>> CountJobsByState() = 0;
  /// The sealed passwords of job `job_id`; NotFound naming it otherwise.
  virtual StatusOr<SealedJobPasswords> GetSealedPasswords(std::string_view job_id) = 0;
  /// The jobs among `job_ids` (any case) that exist; missing ids are simply absent.
  virtual StatusOr<std::vector<JobTarget>> FindJobs(const std::vector<std::string>& job_ids) = 0;
  /// Every job matching `filter` (compiled from JobQueryFields()).
  virtual StatusOr<std::vector<JobTarget>> MatchJobs(const jobs::SqlFilter& filter) = 0;
  /// In one transaction: NotFound naming every unknown id and nothing changed; else each
  /// Scheduled job becomes Unscheduled with no next fire. Answers the jobs that changed.
  virtual StatusOr<UnscheduledJobs> Unschedule(const std::vector<std::string>& job_ids) = 0;
};

}  // namespace orch::store
