#include "store/faulty_repositories.h"

#include <algorithm>
#include <thread>

namespace orch::store {

void RepositoryFaults::Fail(std::string_view call, Status error, int count, int after) {
  std::lock_guard lock(mutex_);
  failures_.push_back(Failure{std::string(call), std::move(error), count, after});
}

void RepositoryFaults::Delay(std::string_view call, std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delays_[std::string(call)] = delay;
}

void RepositoryFaults::Clear() {
  std::lock_guard lock(mutex_);
  failures_.clear();
  delays_.clear();
}

Status RepositoryFaults::Before(std::string_view call) {
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(mutex_);
    ++all_calls_;
    ++calls_[std::string(call)];
    for (const std::string_view name : {call, kAnyCall}) {
      auto found = delays_.find(name);
      if (found != delays_.end()) delay = std::max(delay, found->second);
    }
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
      if (it->call != call && it->call != kAnyCall) continue;
      if (it->after > 0) {
        --it->after;
        continue;
      }
      Status error = it->error;
      if (--it->count <= 0) failures_.erase(it);
      ++failed_;
      return error;
    }
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  return Status::Ok();
}

int64_t RepositoryFaults::calls(std::string_view call) const {
  std::lock_guard lock(mutex_);
  if (call == kAnyCall) return all_calls_;
  auto found = calls_.find(call);
  return found == calls_.end() ? 0 : found->second;
}

int64_t RepositoryFaults::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

namespace {

class FaultyJobs final : public JobRepository {
 public:
  FaultyJobs(JobRepository& inner, RepositoryFaults& faults) : inner_(inner), faults_(faults) {}

  StatusOr<std::vector<int64_t>> AddJobs(const std::vector<NewJob>& jobs) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("jobs.AddJobs"));
    return inner_.AddJobs(jobs);
  }
  StatusOr<Page<JobRow>> ListJobs(const jobs::Paging& paging) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("jobs.ListJobs"));
    return inner_.ListJobs(paging);
  }
  StatusOr<JobRow> GetJob(std::string_view job_id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("jobs.GetJob"));
    return inner_.GetJob(job_id);
  }
  StatusOr<std::string> GetJobState(std::string_view job_id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("jobs.GetJobState"));
    return inner_.GetJobState(job_id);
  }
  StatusOr<std::map<std::string, int64_t>> CountJobsByState() override {
    ORCH_RETURN_IF_ERROR(faults_.Before("jobs.CountJobsByState"));
    return inner_.CountJobsByState();
  }
  StatusOr<SealedJobPasswords> GetSealedPasswords(std::string_view job_id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("jobs.GetSealedPasswords"));
    return inner_.GetSealedPasswords(job_id);
  }
  StatusOr<std::vector<JobTarget>> FindJobs(const std::vector<std::string>& job_ids) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("jobs.FindJobs"));
    return inner_.FindJobs(job_ids);
  }
  StatusOr<std::vector<JobTarget>> MatchJobs(const jobs::SqlFilter& filter) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("jobs.MatchJobs"));
    return inner_.MatchJobs(filter);
  }
  StatusOr<UnscheduledJobs> Unschedule(const std::vector<std::string>& job_ids) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("jobs.Unschedule"));
    return inner_.Unschedule(job_ids);
  }

 private:
  JobRepository& inner_;
  RepositoryFaults& faults_;
};

class FaultyRuns final : public RunRepository {
 public:
  FaultyRuns(RunRepository& inner, RepositoryFaults& faults) : inner_(inner), faults_(faults) {}

  StatusOr<std::vector<FireEntry>> LoadFireQueue() override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.LoadFireQueue"));
    return inner_.LoadFireQueue();
  }
  StatusOr<std::vector<RunRecord>> LoadOpenRuns() override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.LoadOpenRuns"));
    return inner_.LoadOpenRuns();
  }
  StatusOr<std::vector<RunRecord>> Fire(
      const std::vector<FireEntry>& entries,
      const std::function<FireDecision(const FireJob&)>& decide) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.Fire"));
    return inner_.Fire(entries, decide);
  }
  StatusOr<std::optional<RunRecord>> FindRun(int64_t run_id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.FindRun"));
    return inner_.FindRun(run_id);
  }
  StatusOr<std::vector<RunRecord>> WaitingRunsOfStores(
      const std::vector<std::string>& store_ids) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.WaitingRunsOfStores"));
    return inner_.WaitingRunsOfStores(store_ids);
  }
  StatusOr<Delivered> Deliver(const std::vector<Delivery>& deliveries) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.Deliver"));
    return inner_.Deliver(deliveries);
  }
  StatusOr<std::vector<RunRecord>> Redeliver(const std::string& agent_id,
                                             const std::vector<int64_t>& run_ids,
                                             WallTime lease_expires) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.Redeliver"));
    return inner_.Redeliver(agent_id, run_ids, lease_expires);
  }
  Status Start(int64_t run_id, WallTime now) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.Start"));
    return inner_.Start(run_id, now);
  }
  StatusOr<std::optional<RunRecord>> Complete(const RunCompletion& completion) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.Complete"));
    return inner_.Complete(completion);
  }
  StatusOr<std::vector<int64_t>> CancelWaiting(const std::vector<std::string>& job_ids,
                                               std::string_view message, WallTime now) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.CancelWaiting"));
    return inner_.CancelWaiting(job_ids, message, now);
  }
  StatusOr<Page<RunRecord>> ListRuns(const jobs::Paging& paging) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.ListRuns"));
    return inner_.ListRuns(paging);
  }
  StatusOr<std::map<RunStatus, int64_t>> CountRunsByStatus() override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.CountRunsByStatus"));
    return inner_.CountRunsByStatus();
  }
  StatusOr<std::vector<RunRecord>> RunsAfter(int64_t after_run_id, int limit) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.RunsAfter"));
    return inner_.RunsAfter(after_run_id, limit);
  }
  StatusOr<std::vector<int64_t>> MatchRuns(const jobs::SqlFilter& filter, int64_t limit) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.MatchRuns"));
    return inner_.MatchRuns(filter, limit);
  }
  StatusOr<int64_t> Acknowledge(const std::vector<int64_t>& run_ids) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.Acknowledge"));
    return inner_.Acknowledge(run_ids);
  }
  StatusOr<std::vector<RunRecord>> Rerun(const std::vector<int64_t>& run_ids,
                                         WallTime now) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.Rerun"));
    return inner_.Rerun(run_ids, now);
  }
  StatusOr<int64_t> Prune(WallTime success_before, WallTime other_before, int64_t limit) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("runs.Prune"));
    return inner_.Prune(success_before, other_before, limit);
  }

 private:
  RunRepository& inner_;
  RepositoryFaults& faults_;
};

class FaultyAgents final : public AgentRepository {
 public:
  FaultyAgents(AgentRepository& inner, RepositoryFaults& faults) : inner_(inner), faults_(faults) {}

  Status CreateAgent(const Agent& agent) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.CreateAgent"));
    return inner_.CreateAgent(agent);
  }
  Status UpdateAgent(const Agent& agent) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.UpdateAgent"));
    return inner_.UpdateAgent(agent);
  }
  StatusOr<std::optional<Agent>> FindAgent(std::string_view id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.FindAgent"));
    return inner_.FindAgent(id);
  }
  StatusOr<Agent> GetAgent(std::string_view id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.GetAgent"));
    return inner_.GetAgent(id);
  }
  StatusOr<bool> AgentExists(std::string_view id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.AgentExists"));
    return inner_.AgentExists(id);
  }
  StatusOr<std::optional<Agent>> FindAgentByThumbprint(std::string_view thumbprint) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.FindAgentByThumbprint"));
    return inner_.FindAgentByThumbprint(thumbprint);
  }
  StatusOr<Page<Agent>> ListAgents(const jobs::Paging& paging) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.ListAgents"));
    return inner_.ListAgents(paging);
  }
  Status SetStatus(const std::vector<std::string>& ids, AgentStatus status) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.SetStatus"));
    return inner_.SetStatus(ids, status);
  }
  Status Reset(const std::vector<std::string>& ids) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.Reset"));
    return inner_.Reset(ids);
  }
  StatusOr<std::vector<std::string>> SetReenrollment(const std::vector<std::string>& ids,
                                                     Reenrollment value) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.SetReenrollment"));
    return inner_.SetReenrollment(ids, value);
  }
  Status SaveRegistration(const Agent& agent, bool create, const SessionRecord& session) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.SaveRegistration"));
    return inner_.SaveRegistration(agent, create, session);
  }
  Status RecordError(std::string_view id, int64_t code, std::string_view message,
                     WallTime now) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.RecordError"));
    return inner_.RecordError(id, code, message, now);
  }
  Status CreateSession(const SessionRecord& session) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.CreateSession"));
    return inner_.CreateSession(session);
  }
  StatusOr<std::optional<SessionRecord>> FindSession(std::string_view token_hash) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.FindSession"));
    return inner_.FindSession(token_hash);
  }
  Status TouchSessions(const std::vector<SessionTouch>& touches) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.TouchSessions"));
    return inner_.TouchSessions(touches);
  }
  Status DeleteSession(std::string_view token_hash) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.DeleteSession"));
    return inner_.DeleteSession(token_hash);
  }
  StatusOr<std::map<AgentStatus, int64_t>> CountAgentsByStatus() override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.CountAgentsByStatus"));
    return inner_.CountAgentsByStatus();
  }
  StatusOr<int64_t> CountSessionsSince(WallTime since) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("agents.CountSessionsSince"));
    return inner_.CountSessionsSince(since);
  }

 private:
  AgentRepository& inner_;
  RepositoryFaults& faults_;
};

class FaultyPools final : public PoolRepository {
 public:
  FaultyPools(PoolRepository& inner, RepositoryFaults& faults) : inner_(inner), faults_(faults) {}

  StatusOr<PoolRecord> CreatePool(const PoolSpec& spec, WallTime now) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("pools.CreatePool"));
    return inner_.CreatePool(spec, now);
  }
  StatusOr<PoolRecord> ReplacePool(const PoolSpec& spec, WallTime now) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("pools.ReplacePool"));
    return inner_.ReplacePool(spec, now);
  }
  Status DeletePool(std::string_view pool_id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("pools.DeletePool"));
    return inner_.DeletePool(pool_id);
  }
  StatusOr<PoolRecord> GetPool(std::string_view pool_id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("pools.GetPool"));
    return inner_.GetPool(pool_id);
  }
  StatusOr<bool> PoolExists(std::string_view pool_id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("pools.PoolExists"));
    return inner_.PoolExists(pool_id);
  }
  StatusOr<Page<PoolRecord>> ListPools(const jobs::Paging& paging) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("pools.ListPools"));
    return inner_.ListPools(paging);
  }
  StatusOr<Page<PoolMember>> ListDefaultPoolMembers(const jobs::Paging& paging) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("pools.ListDefaultPoolMembers"));
    return inner_.ListDefaultPoolMembers(paging);
  }
  StatusOr<std::vector<AgentInPool>> ListAgentsInPools() override {
    ORCH_RETURN_IF_ERROR(faults_.Before("pools.ListAgentsInPools"));
    return inner_.ListAgentsInPools();
  }
  StatusOr<ReconcileReport> ReconcileDeclaredPools(const std::vector<DeclaredPool>& declared,
                                                   WallTime now) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("pools.ReconcileDeclaredPools"));
    return inner_.ReconcileDeclaredPools(declared, now);
  }

 private:
  PoolRepository& inner_;
  RepositoryFaults& faults_;
};

class FaultySecrets final : public SecretRepository {
 public:
  FaultySecrets(SecretRepository& inner, RepositoryFaults& faults)
      : inner_(inner), faults_(faults) {}

  Status CreateSecret(const SecretRecord& secret) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("secrets.CreateSecret"));
    return inner_.CreateSecret(secret);
  }
  StatusOr<std::vector<SecretRecord>> ListSecrets() override {
    ORCH_RETURN_IF_ERROR(faults_.Before("secrets.ListSecrets"));
    return inner_.ListSecrets();
  }
  StatusOr<std::optional<SecretRecord>> FindSecretByName(std::string_view name) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("secrets.FindSecretByName"));
    return inner_.FindSecretByName(name);
  }
  StatusOr<std::optional<SecretRecord>> FindSecretByHash(std::string_view hash) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("secrets.FindSecretByHash"));
    return inner_.FindSecretByHash(hash);
  }
  StatusOr<SecretRecord> RevokeSecret(std::string_view name, WallTime now) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("secrets.RevokeSecret"));
    return inner_.RevokeSecret(name, now);
  }
  Status AddAccessToken(std::string_view token_hash, std::string_view secret_id,
                        WallTime expires_at, WallTime now) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("secrets.AddAccessToken"));
    return inner_.AddAccessToken(token_hash, secret_id, expires_at, now);
  }
  StatusOr<std::optional<AccessTokenRecord>> FindAccessToken(std::string_view token_hash) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("secrets.FindAccessToken"));
    return inner_.FindAccessToken(token_hash);
  }

 private:
  SecretRepository& inner_;
  RepositoryFaults& faults_;
};

class FaultyCatalog final : public CatalogRepository {
 public:
  FaultyCatalog(CatalogRepository& inner, RepositoryFaults& faults)
      : inner_(inner), faults_(faults) {}

  StatusOr<ImportOutcome> AddCertificate(const NewCertificate& certificate, WallTime now) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.AddCertificate"));
    return inner_.AddCertificate(certificate, now);
  }
  StatusOr<CertificateRecord> GetCertificate(int64_t id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.GetCertificate"));
    return inner_.GetCertificate(id);
  }
  StatusOr<std::vector<std::string>> GetCertificateChain(int64_t id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.GetCertificateChain"));
    return inner_.GetCertificateChain(id);
  }
  StatusOr<std::optional<std::string>> GetSealedPrivateKey(int64_t id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.GetSealedPrivateKey"));
    return inner_.GetSealedPrivateKey(id);
  }
  StatusOr<Page<CertificateRecord>> ListCertificates(const jobs::Paging& paging) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.ListCertificates"));
    return inner_.ListCertificates(paging);
  }
  StatusOr<bool> CertificateMatches(int64_t id, const jobs::SqlFilter& filter) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.CertificateMatches"));
    return inner_.CertificateMatches(id, filter);
  }
  StatusOr<ContainerRecord> AddContainer(std::string_view name) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.AddContainer"));
    return inner_.AddContainer(name);
  }
  StatusOr<ContainerRecord> GetContainer(int64_t id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.GetContainer"));
    return inner_.GetContainer(id);
  }
  StatusOr<Page<ContainerRecord>> ListContainers(const jobs::Paging& paging) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.ListContainers"));
    return inner_.ListContainers(paging);
  }
  StatusOr<CollectionRecord> AddCollection(const CollectionRecord& collection) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.AddCollection"));
    return inner_.AddCollection(collection);
  }
  StatusOr<CollectionRecord> GetCollection(int64_t id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.GetCollection"));
    return inner_.GetCollection(id);
  }
  StatusOr<Page<CollectionRecord>> ListCollections(const jobs::Paging& paging) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.ListCollections"));
    return inner_.ListCollections(paging);
  }
  Status AddCertStore(const CertStoreRecord& record) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.AddCertStore"));
    return inner_.AddCertStore(record);
  }
  Status UpdateCertStore(const CertStoreRecord& record, bool replace_password) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.UpdateCertStore"));
    return inner_.UpdateCertStore(record, replace_password);
  }
  StatusOr<CertStoreRecord> GetCertStore(std::string_view id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.GetCertStore"));
    return inner_.GetCertStore(id);
  }
  StatusOr<Page<CertStoreRecord>> ListCertStores(const jobs::Paging& paging) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.ListCertStores"));
    return inner_.ListCertStores(paging);
  }
  Status DeleteCertStore(std::string_view id) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.DeleteCertStore"));
    return inner_.DeleteCertStore(id);
  }
  StatusOr<Page<int>> ListStoreTypes(const jobs::Paging& paging) override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.ListStoreTypes"));
    return inner_.ListStoreTypes(paging);
  }
  StatusOr<std::vector<CertificateFacts>> ListCertificateFacts() override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.ListCertificateFacts"));
    return inner_.ListCertificateFacts();
  }
  StatusOr<std::vector<CertStoreFacts>> ListCertStoreFacts() override {
    ORCH_RETURN_IF_ERROR(faults_.Before("catalog.ListCertStoreFacts"));
    return inner_.ListCertStoreFacts();
  }

 private:
  CatalogRepository& inner_;
  RepositoryFaults& faults_;
};

class FaultyRepositories final : public Repositories {
 public:
  FaultyRepositories(std::unique_ptr<Repositories> inner, RepositoryFaults& faults)
      : inner_(std::move(inner)),
        faults_(faults),
        jobs_(inner_->jobs(), faults),
        runs_(inner_->runs(), faults),
        agents_(inner_->agents(), faults),
        pools_(inner_->pools(), faults),
        secrets_(inner_->secrets(), faults),
        catalog_(inner_->catalog(), faults) {}

  JobRepository& jobs() override { return jobs_; }
  RunRepository& runs() override { return runs_; }
  AgentRepository& agents() override { return agents_; }
  PoolRepository& pools() override { return pools_; }
  SecretRepository& secrets() override { return secrets_; }
  CatalogRepository& catalog() override { return catalog_; }
  Status CheckHealth() override {
    ORCH_RETURN_IF_ERROR(faults_.Before("CheckHealth"));
    return inner_->CheckHealth();
  }
  const std::string& location() const override { return inner_->location(); }
  int schema_version() const override { return inner_->schema_version(); }

 private:
  std::unique_ptr<Repositories> inner_;
  RepositoryFaults& faults_;
  FaultyJobs jobs_;
  FaultyRuns runs_;
  FaultyAgents agents_;
  FaultyPools pools_;
  FaultySecrets secrets_;
  FaultyCatalog catalog_;
};

}  // namespace

std::unique_ptr<Repositories> WithFaults(std::unique_ptr<Repositories> inner,
                                         RepositoryFaults& faults) {
  return std::make_unique<FaultyRepositories>(std::move(inner), faults);
}

}  // namespace orch::store
