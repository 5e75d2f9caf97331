#include "bench/agent_fleet.h"

#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "tests/testing/tls_client.h"

namespace orch::bench {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";
constexpr milliseconds kCallTimeout{30000};
// An agent gives up after this many failed calls (orchd gone, or something is badly wrong).
constexpr int64_t kMaxErrors = 20;

}  // namespace

// One simulated agent: its connection, its session and its record.
class AgentFleet::Agent {
 public:
  Agent(AgentFleet& fleet, int index)
      : fleet_(fleet), record_(fleet.records_[static_cast<size_t>(index)]) {
    char machine[64];
    std::snprintf(machine, sizeof machine, "bench-agent-%05d", index);
    machine_ = machine;
  }

  Status Connect() {
    testing::TlsClientOptions options;
    options.ca_file = fleet_.config_.ca_file;
    ORCH_ASSIGN_OR_RETURN(testing::TlsClient client,
                          testing::TlsClient::Connect("127.0.0.1", fleet_.config_.port, options));
    client_.emplace(std::move(client));
    return Status::Ok();
  }

  // A first registration with the agent secret: a new agent (New until approved) and a
  // session whose token the job calls carry.
  Status RegisterSession() {
    const json body = {{"AgentId", ""},
                       {"ClientMachine", machine_},
                       {"AgentPlatform", 7},
                       {"AgentVersion", (uint64_t{10} << 48) | (uint64_t{4} << 32)},
                       {"Capabilities", {"CertStores.PEM.Management"}},
                       {"ClientParameters", json::object()},
                       {"CSR", nullptr},
                       {"TenantId", "00000000-0000-0000-0000-000000000000"}};
    const std::string auth =
        testing::BasicAuthHeader(fleet_.config_.secret_name, fleet_.config_.secret_value);
    ORCH_ASSIGN_OR_RETURN(auto answer, Post(kRegister, body, {auth}, kCallTimeout));
    const json& session = answer.second["Session"];
    if (answer.first != 200 || answer.second["Result"]["Status"] != 1 || !session.is_object() ||
        !session["Token"].is_string()) {
      return InternalError("registration answered " + std::to_string(answer.first) + ": " +
                           answer.second.dump().substr(0, 300));
    }
    token_ = session["Token"].get<std::string>();
    record_.agent_id = session.value("AgentId", "");
    return Status::Ok();
  }

  void PollLoop() {
    const milliseconds poll_timeout(fleet_.config_.poll_timeout_seconds * 1000);
    bool first = true;
    while (!fleet_.stop_ && record_.errors < kMaxErrors) {
      if (first) fleet_.Note(&AgentFleet::polling_);
      first = false;
      StatusOr<std::pair<int, json>> answer =
          Post(kPoll, {{"SessionToken", token_}, {"WaitSeconds", fleet_.config_.wait_seconds}}, {},
               poll_timeout);
      ++record_.polls;
      if (fleet_.stop_) return;
      if (!answer.ok() || answer->first != 200 || !answer->second["Jobs"].is_array()) {
        Error(answer.ok() ? "poll answered " + std::to_string(answer->first)
                          : "poll: " + answer.status().ToString());
        continue;
      }
      const json& jobs = answer->second["Jobs"];
      const WallClock::time_point now = WallClock::now();
      for (const json& job : jobs) record_.received.emplace_back(job.value("JobId", ""), now);
      if (!jobs.empty()) {
        fleet_.delivered_ += static_cast<int64_t>(jobs.size());
        fleet_.Note(nullptr);
      }
      for (const json& job : jobs) {
        if (fleet_.stop_) return;
        RunJob(job);
      }
    }
  }

 private:
  void RunJob(const json& job) {
    const std::string job_id = job.value("JobId", "");
    StatusOr<std::pair<int, json>> configured =
        Post("/" + job.value("ConfigurationEndpoint", ""),
             {{"SessionToken", token_}, {"JobId", job_id}}, {}, kCallTimeout);
    if (!configured.ok() || configured->first != 200) {
      return Error(configured.ok() ? "configuration answered " + std::to_string(configured->first)
                                   : "configuration: " + configured.status().ToString());
    }
    ++record_.configured;
    if (configured->second.value("JobCancelled", false)) return;
    const json complete = {{"SessionToken", token_},
                           {"JobId", job_id},
                           {"AuditId", configured->second["AuditId"]},
                           {"Status", 2},
                           {"Message", "bench"}};
    StatusOr<std::pair<int, json>> done =
        Post("/" + job.value("CompletionEndpoint", ""), complete, {}, kCallTimeout);
    if (!done.ok() || done->first != 200) {
      return Error(done.ok() ? "completion answered " + std::to_string(done->first)
                             : "completion: " + done.status().ToString());
    }
    record_.completions.push_back(WallClock::now());
    ++fleet_.completed_;
    fleet_.Note(nullptr);
  }

  // One call; a broken connection is re-opened once (unless the fleet is stopping).
  StatusOr<std::pair<int, json>> Post(const std::string& path, const json& body,
                                      const std::vector<std::string>& headers,
                                      milliseconds timeout) {
    for (int attempt = 0;; ++attempt) {
      if (!client_) ORCH_RETURN_IF_ERROR(Connect());
      StatusOr<testing::TlsReply> reply =
          client_->Request("POST", path, body.dump(), headers, timeout);
      if (reply.ok()) {
        return std::make_pair(reply->status, json::parse(reply->body, nullptr, false));
      }
      client_.reset();
      if (attempt > 0 || fleet_.stop_) return reply.status();
      ++record_.reconnects;
    }
  }

  void Error(const std::string& what) {
    if (fleet_.stop_) return;  // a call cut short by the end of the run is no error of orchd's
    if (record_.errors++ == 0) record_.first_error = what;
  }

  AgentFleet& fleet_;
  AgentRecord& record_;
  std::string machine_;
  std::optional<testing::TlsClient> client_;
  std::string token_;
};

AgentFleet::AgentFleet(FleetConfig config, int agents)
    : config_(std::move(config)), records_(static_cast<size_t>(agents)) {}

AgentFleet::~AgentFleet() {
  Stop();
}

Status AgentFleet::Register(milliseconds timeout) {
  const int agents = static_cast<int>(records_.size());
  threads_.reserve(records_.size());
  for (int i = 0; i < agents; ++i) threads_.emplace_back([this, i] { Run(i); });
  std::unique_lock lock(mu_);
  const bool done = cv_.wait_for(lock, timeout, [&] { return registered_ + failed_ == agents; });
  if (failed_ > 0)
    return UnavailableError(std::to_string(failed_) + " agent(s) failed: " + failure_);
  if (!done) return UnavailableError(std::to_string(registered_) + " agent(s) registered in time");
  return Status::Ok();
}

std::vector<std::string> AgentFleet::AgentIds() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  for (const AgentRecord& record : records_) {
    if (!record.agent_id.empty()) ids.push_back(record.agent_id);
  }
  return ids;
}

Status AgentFleet::Release(milliseconds timeout) {
  std::unique_lock lock(mu_);
  released_ = true;
  cv_.notify_all();
  if (!cv_.wait_for(lock, timeout, [&] { return polling_ == registered_; })) {
    return UnavailableError(std::to_string(polling_) + " of " + std::to_string(registered_) +
                            " agents started polling in time");
  }
  return Status::Ok();
}

bool AgentFleet::WaitDelivered(int64_t count, WallClock::time_point deadline) {
  return WaitFor(delivered_, count, deadline);
}

bool AgentFleet::WaitCompleted(int64_t count, WallClock::time_point deadline) {
  return WaitFor(completed_, count, deadline);
}

bool AgentFleet::WaitFor(const std::atomic<int64_t>& counter, int64_t count,
                         WallClock::time_point deadline) {
  std::unique_lock lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return counter.load() >= count; });
}

void AgentFleet::Note(int AgentFleet::*counter) {
  {
    std::lock_guard lock(mu_);
    if (counter != nullptr) ++(this->*counter);
  }
  cv_.notify_all();
}

void AgentFleet::RequestStop() {
  stop_ = true;
  Note(nullptr);
}

void AgentFleet::Stop() {
  RequestStop();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void AgentFleet::Run(int index) {
  Agent agent(*this, index);
  Status s = agent.Connect();
  if (s.ok()) s = agent.RegisterSession();
  {
    std::lock_guard lock(mu_);
    if (s.ok()) {
      ++registered_;
    } else if (failed_++ == 0) {
      failure_ = s.ToString();
    }
  }
  cv_.notify_all();
  if (!s.ok()) return;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return released_ || stop_.load(); });
  }
  agent.PollLoop();
}

}  // namespace orch::bench
