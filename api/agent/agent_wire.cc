#include "api/agent/agent_wire.h"

#include <charconv>

#include "api/agent/session_cache.h"
#include "api/agent/session_touches.h"
#include "api/errors.h"
#include "jobs/ascii.h"
#include "jobs/store_types.h"
#include "pki/token.h"
#include "store/repositories.h"
#include "store/store_writer.h"

namespace orch::api::agent_wire {

int64_t ErrorCodeNumber(std::string_view code_string) {
  uint32_t value = 0;
  std::from_chars(code_string.data(), code_string.data() + code_string.size(), value, 16);
  return static_cast<int32_t>(value);
}

nlohmann::json ResultJson(int status, const std::optional<AgentError>& error) {
  nlohmann::json error_json = nullptr;
  if (error) {
    error_json = {{"Code", ErrorCodeNumber(error->code)},
                  {"CodeString", std::string(error->code)},
                  {"Message", error->message}};
  }
  return {{"Status", status}, {"Error", std::move(error_json)}};
}

Response Reply(const nlohmann::json& body) {
  return JsonResponse(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response Unauthenticated(const Status& status) {
  Response response = ErrorResponse(401, "SECURITY_ERROR", status.message());
  response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"orchd agents\"");
  return response;
}

void FindLiveSession(const AgentApi::Context& context, std::string_view token, SessionDone done) {
  const AgentApi::Context* ctx = &context;
  std::string hash = pki::TokenHash(token);
  context.sessions->FindSession(
      *context.deps.reader, hash,
      [ctx, hash, done = std::move(done)](StatusOr<std::optional<store::SessionRecord>> found) {
        if (!found.ok() || !found->has_value()) return done(std::move(found));
        const auto idle = ctx->deps.clock->WallNow() - ctx->deps.touches->LastCall(**found);
        if (idle <= 2 * ctx->settings.heartbeat) return done(std::move(found));
        // An expired session is deleted by the writer; the call is answered once it is gone.
        ctx->deps.touches->Forget(hash);
        ctx->deps.writer->Submit(
            [hash](store::Repositories& db) { return db.agents().DeleteSession(hash); },
            [done](Status deleted) {
              if (!deleted.ok()) return done(deleted);
              done(std::optional<store::SessionRecord>());
            });
      });
}

void TouchSession(const AgentApi::Context& context, const store::SessionRecord& session) {
  const WallTime now = context.deps.clock->WallNow();
  context.deps.touches->Touch(session, now);
  if (context.sessions) context.sessions->Touched(session.token_hash, now);
}

void GetAgent(const AgentApi::Context& context, std::string_view id,
              std::function<void(StatusOr<store::Agent>)> done) {
  context.sessions->GetAgent(*context.deps.reader, id, std::move(done));
}

scheduler::AgentIdentity IdentityOf(const store::Agent& agent) {
  scheduler::AgentIdentity identity{agent.agent_id, agent.client_machine, {}};
  for (const jobs::StoreType& type : jobs::BuiltInStoreTypes()) {
    const std::string wanted = jobs::AsciiLowercase(jobs::ManagementCapability(type));
    for (const std::string& capability : agent.capabilities) {
      if (jobs::AsciiLowercase(capability) == wanted) {
        identity.store_types.push_back(type.store_type);
        break;
      }
    }
  }
  return identity;
}

nlohmann::json JobsJson(const std::vector<store::RunRecord>& runs) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const store::RunRecord& run : runs) {
    const jobs::StoreType* type = jobs::FindStoreType(run.store_type);
    jobs.push_back({{"JobTypeId", type ? std::string(type->management_job_type) : std::string()},
                    {"JobId", run.job_id},
                    {"ConfigurationEndpoint", kConfigurationEndpoint},
                    {"CompletionEndpoint", kCompletionEndpoint},
                    {"Schedule", nullptr},
                    {"Cron", nullptr},
                    {"Priority", 3}});
  }
  return jobs;
}

std::function<void(bool)> HandAgainIfUnsent(scheduler::Scheduler* scheduler, std::string agent_id,
                                            const std::vector<store::RunRecord>& runs) {
  if (scheduler == nullptr || runs.empty()) return nullptr;
  std::vector<int64_t> run_ids;
  run_ids.reserve(runs.size());
  for (const store::RunRecord& run : runs) run_ids.push_back(run.run_id);
  return [scheduler, agent_id = std::move(agent_id), run_ids = std::move(run_ids)](bool sent) {
    if (!sent) scheduler->Unsent(agent_id, run_ids);
  };
}

}  // namespace orch::api::agent_wire
