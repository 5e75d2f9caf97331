// The agent's side of a run (SPEC §6.3–§6.5): POST /KeyfactorAgents/Jobs/Poll, and the
// configuration and completion endpoints that Session.Jobs hands out.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/agent/agent_api.h"
#include "api/agent/agent_auth.h"
#include "api/agent/agent_calls_request.h"
#include "api/agent/agent_wire.h"
#include "api/agent/job_payload.h"
#include "api/json_body.h"
#include "common/logging.h"
#include "scheduler/scheduler.h"

namespace orch::api {
namespace {

using nlohmann::json;
using store::Agent;

std::shared_ptr<spdlog::logger> Log() {
  return GetLogger("api");
}

// The approved agent behind a live session token, or an error reply.
struct SessionAgent {
  std::optional<Agent> agent;
  Response refusal;
};

// The caller of a session call once its session and agent are known.
void Admit(const AgentApi::Context& context, const std::string& presented,
           const store::SessionRecord& session, Agent agent,
           const std::function<void(SessionAgent)>& done) {
  if (Status owned = CheckPresentedCertificate(presented, agent); !owned.ok()) {
    Log()->warn("session call for agent {} refused: {}", agent.agent_id, owned.message());
    return done({std::nullopt, ErrorResponse(403, "SECURITY_ERROR", owned.message())});
  }
  agent_wire::TouchSession(context, session);
  if (agent.status != store::AgentStatus::kApproved) {
    return done({std::nullopt, ErrorResponse(403, "SECURITY_ERROR", "the agent is not approved")});
  }
  done({std::move(agent), {}});
}

// Answers `done` with the caller of a session call: before returning when its session and
// agent are cached, otherwise once they have been read. A client certificate the call
// presents must be the session's agent's: a refused call touches no session.
void AuthenticateSession(const AgentApi::Context& context, const Request& request,
                         const std::string& token, std::function<void(SessionAgent)> done) {
  StatusOr<std::string> presented = PresentedThumbprint(request, context);
  if (!presented.ok()) {
    return done({std::nullopt, agent_wire::Unauthenticated(presented.status())});
  }
  const AgentApi::Context* ctx = &context;
  agent_wire::FindLiveSession(
      context, token,
      [ctx, presented = *std::move(presented),
       done = std::move(done)](StatusOr<std::optional<store::SessionRecord>> session) {
        if (!session.ok()) return done({std::nullopt, ErrorReply(session.status())});
        if (!*session) {
          return done({std::nullopt, ErrorResponse(401, "SECURITY_ERROR",
                                                   "the session is not valid or has expired")});
        }
        auto admit = [ctx, presented, session = **session, done](StatusOr<Agent> agent) {
          if (!agent.ok()) return done({std::nullopt, ErrorReply(agent.status())});
          Admit(*ctx, presented, session, std::move(agent).value(), done);
        };
        agent_wire::GetAgent(*ctx, (*session)->agent_id, std::move(admit));
      });
}

// A refusal of the scheduler's (no such run for this agent) is a conflict with its state.
Response SchedulerRefusal(const Status& status) {
  if (status.code() == StatusCode::kFailedPrecondition) {
    return ErrorResponse(409, "VALIDATION_ERROR", status.message());
  }
  return ErrorReply(status);
}

void Poll(const AgentApi::Context& context, const Request& request, ReplyFn reply) {
  StatusOr<json> parsed = ParseJsonBody(request);
  if (!parsed.ok()) return reply(ErrorReply(parsed.status()));
  StatusOr<PollRequest> poll = ParsePollRequest(*parsed);
  if (!poll.ok()) return reply(ErrorReply(poll.status()));
  const AgentApi::Context* ctx = &context;
  AuthenticateSession(
      context, request, poll->token,
      [ctx, wait = poll->wait, reply = std::move(reply)](SessionAgent caller) {
        if (!caller.agent) return reply(std::move(caller.refusal));
        if (ctx->deps.scheduler == nullptr) {
          return reply(agent_wire::Reply({{"Jobs", json::array()}}));
        }
        ctx->deps.scheduler->Poll(
            agent_wire::IdentityOf(*caller.agent), wait,
            [ctx, agent_id = caller.agent->agent_id, reply](std::vector<store::RunRecord> runs) {
              Response answer = agent_wire::Reply({{"Jobs", agent_wire::JobsJson(runs)}});
              answer.on_sent = agent_wire::HandAgainIfUnsent(ctx->deps.scheduler, agent_id, runs);
              reply(std::move(answer));
            });
      });
}

void AnswerWithPayload(const AgentApi::Context& context, const std::string& agent_id,
                       const std::string& job_id, int64_t run_id, StatusOr<json> payload,
                       json answer, ReplyFn reply);

// The answer to a configuration call the scheduler accepted: the job, or its cancellation.
// A job that cannot be prepared has its run closed first (`reply` then follows that close).
void AnswerConfigured(const AgentApi::Context& context, const std::string& agent_id,
                      const std::string& job_id, const scheduler::Configured& configured,
                      ReplyFn reply) {
  json answer = {{"AuditId", configured.run.run_id},
                 {"JobCancelled", configured.cancelled},
                 {"Result", agent_wire::ResultJson(agent_wire::kResultSuccess, std::nullopt)},
                 {"Job", nullptr}};
  if (configured.cancelled) return reply(agent_wire::Reply(answer));
  const AgentApi::Context* ctx = &context;
  agent_wire::ReadJobRows(
      context, job_id,
      [ctx, agent_id, job_id, run_id = configured.run.run_id, answer = std::move(answer),
       reply = std::move(reply)](StatusOr<agent_wire::JobRows> rows) mutable {
        StatusOr<json> payload =
            rows.ok() ? agent_wire::JobPayload(*ctx, *rows) : StatusOr<json>(rows.status());
        AnswerWithPayload(*ctx, agent_id, job_id, run_id, std::move(payload), std::move(answer),
                          std::move(reply));
      });
}

// Answers with the job, or when it could not be prepared, closes its run first.
void AnswerWithPayload(const AgentApi::Context& context, const std::string& agent_id,
                       const std::string& job_id, int64_t run_id, StatusOr<json> payload,
                       json answer, ReplyFn reply) {
  if (payload.ok()) {
    answer["Job"] = std::move(payload).value();
    return reply(agent_wire::Reply(answer));
  }
  // The agent will not complete a run it could not be told about: close it here.
  Log()->error("run {} of job {}: configuration failed: {}", run_id, job_id,
               payload.status().ToString());
  answer["Result"] = agent_wire::ResultJson(
      agent_wire::kResultFailure,
      agent_wire::AgentError{agent_wire::kJobUnavailable, "the job could not be prepared"});
  context.deps.scheduler->Complete(
      agent_id, job_id, run_id, store::RunResult::kFailure,
      "orchd could not prepare the job: " + payload.status().message(),
      [run_id, answer = std::move(answer), reply = std::move(reply)](Status closed) {
        if (!closed.ok()) Log()->error("run {}: {}", run_id, closed.ToString());
        reply(agent_wire::Reply(answer));
      });
}

void Configure(const AgentApi::Context& context, const Request& request, ReplyFn reply) {
  StatusOr<ConfigurationRequest> parsed = [&]() -> StatusOr<ConfigurationRequest> {
    ORCH_ASSIGN_OR_RETURN(json body, ParseJsonBody(request));
    return ParseConfigurationRequest(body);
  }();
  if (!parsed.ok()) return reply(ErrorReply(parsed.status()));
  const std::string token = std::move(parsed->token);
  const std::string job_id = std::move(parsed->job_id);
  const AgentApi::Context* ctx = &context;
  auto configure = [ctx, job_id, reply = std::move(reply)](SessionAgent caller) {
    if (!caller.agent) return reply(std::move(caller.refusal));
    if (ctx->deps.scheduler == nullptr) {
      return reply(
          SchedulerRefusal(FailedPreconditionError("no run of job " + job_id + " is leased")));
    }
    ctx->deps.scheduler->Configure(
        caller.agent->agent_id, job_id,
        [ctx, agent_id = caller.agent->agent_id, job_id,
         reply](StatusOr<scheduler::Configured> configured) {
          if (!configured.ok()) return reply(SchedulerRefusal(configured.status()));
          AnswerConfigured(*ctx, agent_id, job_id, *configured, reply);
        });
  };
  AuthenticateSession(context, request, token, std::move(configure));
}

StatusOr<CompletionRequest> CompletionOf(const Request& request) {
  ORCH_ASSIGN_OR_RETURN(json parsed, ParseJsonBody(request));
  return ParseCompletionRequest(parsed);
}

void Complete(const AgentApi::Context& context, const Request& request, ReplyFn reply) {
  StatusOr<CompletionRequest> completion = CompletionOf(request);
  if (!completion.ok()) return reply(ErrorReply(completion.status()));
  const AgentApi::Context* ctx = &context;
  AuthenticateSession(
      context, request, completion->token,
      [ctx, completion = *std::move(completion), reply = std::move(reply)](SessionAgent caller) {
        if (!caller.agent) return reply(std::move(caller.refusal));
        if (ctx->deps.scheduler == nullptr) {
          return reply(SchedulerRefusal(FailedPreconditionError("no run is leased")));
        }
        ctx->deps.scheduler->Complete(
            caller.agent->agent_id, completion.job_id, completion.audit_id, completion.result,
            completion.message, [agent_id = caller.agent->agent_id, reply](Status done) {
              if (!done.ok()) {
                Log()->warn("completion from agent {} refused: {}", agent_id, done.message());
                return reply(SchedulerRefusal(done));
              }
              reply(agent_wire::Reply(
                  {{"Result", agent_wire::ResultJson(agent_wire::kResultSuccess, std::nullopt)}}));
            });
      });
}

}  // namespace

void RegisterAgentJobRoutes(Router& router, const AgentApi::Context& context) {
  const AgentApi::Context* ctx = &context;
  router.AddAsync("POST", "/KeyfactorAgents/Jobs/Poll",
                  [ctx](const Request& request, const PathParams&, ReplyFn reply) {
                    Poll(*ctx, request, std::move(reply));
                  });
  router.AddAsync("POST", "/" + std::string(agent_wire::kConfigurationEndpoint),
                  [ctx](const Request& request, const PathParams&, ReplyFn reply) {
                    Configure(*ctx, request, std::move(reply));
                  });
  router.AddAsync("POST", "/" + std::string(agent_wire::kCompletionEndpoint),
                  [ctx](const Request& request, const PathParams&, ReplyFn reply) {
                    Complete(*ctx, request, std::move(reply));
                  });
}

}  // namespace orch::api
