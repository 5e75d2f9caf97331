#include "agent/job_deployer.h"

#include "jobs/bounded_json.h"
#include "pki/base64.h"

namespace orch::agent {
namespace {

using nlohmann::json;

std::string StringOr(const json& job, const char* name) {
  const json& value = job.contains(name) ? job[name] : json();
  return value.is_string() ? value.get<std::string>() : "";
}

bool BoolOr(const json& job, const char* name) {
  const json& value = job.contains(name) ? job[name] : json();
  return value.is_boolean() && value.get<bool>();
}

}  // namespace

StatusOr<DeployRequest> RequestFromJob(const json& job) {
  if (!job.is_object()) return InvalidArgumentError("the configuration has no Job object");
  DeployRequest request;
  request.store_path = StringOr(job, "StorePath");
  if (request.store_path.empty()) return InvalidArgumentError("the job names no StorePath");
  if (!job.contains("StoreType") || !job["StoreType"].is_number_integer()) {
    return InvalidArgumentError("the job names no StoreType");
  }
  request.store_type = job["StoreType"].get<int>();
  request.store_password = StringOr(job, "StorePassword");
  request.alias = StringOr(job, "Alias");
  request.thumbprint = StringOr(job, "Thumbprint");
  request.overwrite = BoolOr(job, "Overwrite");
  request.include_private_key = BoolOr(job, "PrivateKeyEntry");
  request.pfx_password = StringOr(job, "PfxPassword");
  request.create_if_missing = BoolOr(job, "CreateIfMissing");
  StatusOr<std::string> contents = pki::Base64Decode(StringOr(job, "EntryContents"));
  if (!contents.ok() || contents->empty()) {
    return InvalidArgumentError("EntryContents is not base64 of a certificate");
  }
  request.entry_contents = std::move(*contents);
  // Properties come as a JSON string (the product family's wire form), or as an object.
  const json& properties = job.contains("Properties") ? job["Properties"] : json();
  if (properties.is_object()) {
    request.properties = properties;
  } else if (properties.is_string() && !properties.get<std::string>().empty()) {
    StatusOr<json> parsed = jobs::ParseJson(properties.get<std::string>());
    if (!parsed.ok() || !parsed->is_object()) {
      return InvalidArgumentError("Properties is not a JSON object");
    }
    request.properties = std::move(*parsed);
  }
  return request;
}

FileDeployer::FileDeployer(AgentLoop& loop, std::vector<std::string> store_roots,
                           std::vector<Hook> hooks, int threads)
    : loop_(loop), store_roots_(std::move(store_roots)), hooks_(std::move(hooks)) {
  for (int i = 0; i < std::max(1, threads); ++i) workers_.emplace_back([this] { Work(); });
}

FileDeployer::~FileDeployer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void FileDeployer::Deploy(const json& job, std::function<void(DeployOutcome)> done) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back([this, job, done = std::move(done)]() mutable {
      DeployOutcome outcome = Run(job);
      loop_.Post([done = std::move(done), outcome = std::move(outcome)] { done(outcome); });
    });
  }
  wake_.notify_one();
}

DeployOutcome FileDeployer::Run(const json& job) const {
  StatusOr<DeployRequest> request = RequestFromJob(job);
  if (!request.ok()) return {kStatusFailure, request.status().message()};
  DeployResult result = agent::Deploy(*request, store_roots_);
  if (result.status == kStatusSuccess) {
    if (std::optional<std::string> failed = RunHooks(hooks_, request->store_path)) {
      return {kStatusWarning, result.message + "; " + *failed};
    }
  }
  return {result.status, result.message};
}

void FileDeployer::Work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

void MemoryDeployer::Deploy(const json& job, std::function<void(DeployOutcome)> done) {
  StatusOr<DeployRequest> request = RequestFromJob(job);
  DeployOutcome outcome = request.ok() ? DeployOutcome{kStatusSuccess, "deployed into memory"}
                                       : DeployOutcome{kStatusFailure, request.status().message()};
  loop_.Post([done = std::move(done), outcome = std::move(outcome)] { done(outcome); });
}

}  // namespace orch::agent
