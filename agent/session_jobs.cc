// AgentSession: each job orchd hands out — its configuration, the deploy (one job at a time per
// store, at most max_parallel at once) and the completion, sent again until orchd takes it.
#include <utility>

#include "agent/session.h"
#include "agent/session_answer.h"
#include "jobs/bounded_json.h"

namespace orch::agent {
namespace {

using answers::ErrorText;
using answers::Parse;
using nlohmann::json;

// A relative endpoint as handed out ("KeyfactorAgents/X/Y" or "/KeyfactorAgents/X/Y").
std::string Endpoint(const json& value) {
  std::string path = value.is_string() ? value.get<std::string>() : "";
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  return path;
}

}  // namespace

void AgentSession::Configure(const json& job) {
  const std::string job_id = jobs::JsonString(job, "JobId");
  if (job_id.empty() || known_jobs_.count(job_id) > 0) return;
  known_jobs_.insert(job_id);
  const std::string configuration = Endpoint(jobs::JsonMember(job, "ConfigurationEndpoint"));
  const std::string completion = Endpoint(jobs::JsonMember(job, "CompletionEndpoint"));
  const json body = {{"SessionToken", token_}, {"JobId", job_id}};
  std::weak_ptr<AgentSession> self = weak_from_this();
  transport_.Post(
      configuration, body.dump(), ClientCertificate(),
      [self, job_id, completion](StatusOr<Answer> answer) {
        auto session = self.lock();
        if (!session || session->stopped_) return;
        StatusOr<json> body =
            answer.ok() ? Parse(*answer, "configuration") : StatusOr<json>(answer.status());
        if (!body.ok() || answer->status != 200) {
          // The run stays leased to this agent; orchd offers it again after the lease.
          session->Log(2, "job " + job_id + ": configuration failed: " +
                              (body.ok() ? ErrorText(*answer) : body.status().message()));
          session->known_jobs_.erase(job_id);
          return;
        }
        if (jobs::JsonBool(*body, "JobCancelled") ||
            jobs::JsonInt(jobs::JsonMember(*body, "Result"), "Status") != 1 ||
            !jobs::JsonMember(*body, "Job").is_object()) {
          session->Log(1, "job " + job_id + ": cancelled by orchd");
          session->known_jobs_.erase(job_id);
          return;
        }
        json run = *body;
        run["JobId"] = job_id;
        session->queue_.emplace_back(std::move(run), completion);
        session->RunQueued();
      });
}

void AgentSession::RunQueued() {
  for (auto it = queue_.begin(); it != queue_.end() && running_ < settings_.max_parallel;) {
    const std::string store = jobs::JsonString(jobs::JsonMember(it->first, "Job"), "StorePath");
    if (busy_stores_.count(store) > 0) {  // one job at a time per store
      ++it;
      continue;
    }
    json run = std::move(it->first);
    std::string completion = std::move(it->second);
    it = queue_.erase(it);
    busy_stores_.insert(store);
    ++running_;
    std::weak_ptr<AgentSession> self = weak_from_this();
    const json job = jobs::JsonMember(run, "Job");
    deployer_.Deploy(job, [self, run = std::move(run), completion = std::move(completion),
                           store](DeployOutcome outcome) {
      auto session = self.lock();
      if (!session) return;
      session->busy_stores_.erase(store);
      --session->running_;
      session->Log(outcome.status == 2 ? 0 : 1, "job " + jobs::JsonString(run, "JobId") + " on " +
                                                    store + ": " + outcome.message);
      session->Complete({{"JobId", jobs::JsonMember(run, "JobId")},
                         {"AuditId", jobs::JsonMember(run, "AuditId")},
                         {"Status", outcome.status},
                         {"Message", outcome.message}},
                        completion);
      session->RunQueued();
    });
  }
}

void AgentSession::Complete(json body, std::string completion_path) {
  body["SessionToken"] = token_;
  std::weak_ptr<AgentSession> self = weak_from_this();
  transport_.Post(
      completion_path, body.dump(), ClientCertificate(),
      [self, body, completion_path](StatusOr<Answer> answer) {
        auto session = self.lock();
        if (!session) return;
        const std::string job_id = jobs::JsonString(body, "JobId");
        auto again = [session, body, completion_path] { session->Complete(body, completion_path); };
        if (!answer.ok() || answer->status == 401 || answer->status >= 500) {
          // orchd is away or the session ended: the result is kept and sent again.
          if (!session->stopped_) {
            session->RetryLater(
                "completing job " + job_id,
                answer.ok() ? UnavailableError(ErrorText(*answer)) : answer.status(), again);
          }
          return;
        }
        session->known_jobs_.erase(job_id);
        if (answer->status != 200) {
          session->Log(2, "job " + job_id + ": orchd refused the completion (" +
                              ErrorText(*answer) + "); the run is no longer this agent's");
          return;
        }
        ++session->stats_.jobs_completed;
      });
}

}  // namespace orch::agent
