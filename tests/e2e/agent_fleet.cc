#include "tests/e2e/agent_fleet.h"

#include <signal.h>

#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "tests/testing/tls_client.h"

namespace orch::e2e {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";
constexpr milliseconds kCallTimeout{30000};
// An agent gives up after this many failed calls (orchd gone, or something is badly wrong).
constexpr int64_t kMaxErrors = 20;
// Between attempts to reach an orchd that is restarting.
constexpr milliseconds kReconnectPause{20};

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

  // A registration with the agent secret: the first (AgentId "") makes a new agent (New until
  // approved); a later one, after a lost session, names the agent. Either answers a session
  // whose token the job calls carry.
  Status RegisterSession() {
    const json body = {{"AgentId", record_.agent_id},
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
    if (!record_.agent_id.empty()) ++record_.registrations;
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
      if (SessionLost(answer)) continue;
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
  // After a restart a session may be gone: a 401 registers the agent again (when surviving
  // restarts); answers whether it did, so that the call is made again.
  bool SessionLost(const StatusOr<std::pair<int, json>>& answer) {
    if (!fleet_.config_.survive_restarts || !answer.ok() || answer->first != 401) return false;
    Status registered = RegisterSession();
    if (!registered.ok()) Error("registering again: " + registered.ToString());
    return registered.ok();
  }

  // A session call, made again with a new session after a lost one.
  StatusOr<std::pair<int, json>> SessionPost(const std::string& path, json body) {
    for (int attempt = 0;; ++attempt) {
      body["SessionToken"] = token_;
      StatusOr<std::pair<int, json>> answer = Post(path, body, {}, kCallTimeout);
      if (attempt > 0 || !SessionLost(answer)) return answer;
    }
  }

  void RunJob(const json& job) {
    const std::string job_id = job.value("JobId", "");
    StatusOr<std::pair<int, json>> configured =
        SessionPost("/" + job.value("ConfigurationEndpoint", ""), {{"JobId", job_id}});
    if (!configured.ok() || configured->first != 200) {
      return Error(configured.ok() ? "configuration answered " + std::to_string(configured->first) +
                                         ": " + configured->second.dump().substr(0, 300)
                                   : "configuration: " + configured.status().ToString());
    }
    ++record_.configured;
    if (configured->second.value("JobCancelled", false)) {
      ++record_.cancelled;
      return;
    }
    const int64_t audit_id = configured->second.value("AuditId", int64_t{0});
    const int status =
        fleet_.config_.completion_status ? fleet_.config_.completion_status(audit_id) : 2;
    const int64_t reconnects = record_.reconnects;
    StatusOr<std::pair<int, json>> done = SessionPost(
        "/" + job.value("CompletionEndpoint", ""),
        {{"JobId", job_id}, {"AuditId", audit_id}, {"Status", status}, {"Message", "fleet"}});
    if (done.ok() && done->first == 409 && record_.reconnects != reconnects) {
      ++record_.completion_conflicts;
      return;
    }
    if (!done.ok() || done->first != 200) {
      return Error(done.ok() ? "completion answered " + std::to_string(done->first)
                             : "completion: " + done.status().ToString());
    }
    record_.completions.push_back(WallClock::now());
    record_.completed_audit_ids.push_back(audit_id);
    ++fleet_.completed_;
    fleet_.Note(nullptr);
  }

  // One call; a broken connection is re-opened once, or, when surviving restarts, until orchd
  // answers (at most restart_wait). Nothing is re-sent once the fleet is stopping.
  StatusOr<std::pair<int, json>> Post(const std::string& path, const json& body,
                                      const std::vector<std::string>& headers,
                                      milliseconds timeout) {
    const auto give_up = std::chrono::steady_clock::now() + fleet_.config_.restart_wait;
    for (int attempt = 0;; ++attempt) {
      Status sent = client_ ? Status::Ok() : Connect();
      if (sent.ok()) {
        StatusOr<testing::TlsReply> reply =
            client_->Request("POST", path, body.dump(), headers, timeout);
        if (reply.ok()) {
          return std::make_pair(reply->status, json::parse(reply->body, nullptr, false));
        }
        sent = reply.status();
      }
      client_.reset();
      if (fleet_.stop_) return sent;
      if (!fleet_.config_.survive_restarts && attempt > 0) return sent;
      if (fleet_.config_.survive_restarts) {
        if (std::chrono::steady_clock::now() > give_up) return sent;
        std::this_thread::sleep_for(kReconnectPause);
      }
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
    : config_(std::move(config)), records_(static_cast<size_t>(agents)) {
  // TLS writes go through write(2): one to an orchd that was killed must fail, not end the
  // process with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
}

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

}  // namespace orch::e2e
