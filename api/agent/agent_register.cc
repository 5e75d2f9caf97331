// POST /KeyfactorAgents/Session/Register (SPEC §6.2, §6.6): who the agent is, whether it may
// have a session, its client certificate, and the reenrollment flags.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/agent/agent_api.h"
#include "api/agent/agent_auth.h"
#include "api/agent/agent_register_request.h"
#include "api/agent/agent_wire.h"
#include "api/json_body.h"
#include "common/guid.h"
#include "common/logging.h"
#include "pki/base64.h"
#include "pki/ca.h"
#include "pki/csr.h"
#include "pki/token.h"
#include "scheduler/scheduler.h"
#include "store/agent_repository.h"
#include "store/store_reader.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

using agent_wire::AgentError;
using nlohmann::json;
using store::Agent;
using store::AgentStatus;
using store::Reenrollment;

std::shared_ptr<spdlog::logger> Log() {
  return GetLogger("api");
}

// The agent a registration is about, or why it may not be about any.
struct Identity {
  std::optional<Agent> agent;  // nullopt: a first registration creates one
  std::optional<AgentError> refusal;
};

Identity Refuse(std::string message) {
  return Identity{std::nullopt, AgentError{agent_wire::kIdentityRefused, std::move(message)}};
}

StatusOr<Identity> IdentifyByCertificate(store::AgentRepository& agents, const RegisterRequest& req,
                                         const std::string& thumbprint) {
  ORCH_ASSIGN_OR_RETURN(std::optional<Agent> agent, agents.FindAgentByThumbprint(thumbprint));
  if (!agent || !CertificateBelongs(*agent, thumbprint)) {
    return Refuse("the client certificate belongs to no agent; register with an agent secret");
  }
  if (!req.agent_id.empty() && agent->agent_id != req.agent_id) {
    return Refuse("the client certificate does not belong to agent " + req.agent_id);
  }
  return Identity{std::move(agent), std::nullopt};
}

StatusOr<Identity> Identify(store::AgentRepository& agents, const RegisterRequest& req,
                            const AgentCaller& caller) {
  if (caller.kind == AgentCaller::Kind::kCertificate) {
    return IdentifyByCertificate(agents, req, caller.certificate_thumbprint);
  }
  if (req.agent_id.empty()) return Identity{};
  ORCH_ASSIGN_OR_RETURN(std::optional<Agent> agent, agents.FindAgent(req.agent_id));
  if (!agent) {
    return Refuse("no agent with id " + req.agent_id + "; send an empty AgentId to enroll");
  }
  // A secret may speak only for the agents it enrolled.
  if (agent->username != caller.secret_name) {
    return Refuse("agent " + req.agent_id + " did not enroll with agent secret \"" +
                  caller.secret_name + "\"");
  }
  return Identity{std::move(agent), std::nullopt};
}

// The CSR field's base64 DER, decoded (unless far too long to be a CSR) and verified.
StatusOr<pki::VerifiedCsr> DecodeCsr(const std::string& text) {
  if (text.size() > 2 * pki::kMaxCsrBytes) {
    return InvalidArgumentError("CSR is larger than the " + std::to_string(pki::kMaxCsrBytes) +
                                " bytes accepted");
  }
  StatusOr<std::string> der = pki::Base64Decode(text);
  if (!der.ok()) return InvalidArgumentError("CSR is not base64: " + der.status().message());
  return pki::VerifyCsr(*der);
}

json SessionJson(const Agent& agent, const RegisterRequest& req, const json& token,
                 const json& certificate, json jobs_json, std::chrono::minutes heartbeat) {
  return {{"Token", token},
          {"AgentId", agent.agent_id},
          {"Certificate", certificate},
          {"HeartbeatInterval", heartbeat.count()},
          {"ClientMachine", req.client_machine},
          {"ClientParameters", req.client_parameters},
          {"Jobs", std::move(jobs_json)}};
}

json Refusal(const AgentError& error) {
  return {{"Result", agent_wire::ResultJson(agent_wire::kResultFailure, error)},
          {"Session", nullptr}};
}

// One registration, from authenticated caller to answer. Its writes go through the writer, so
// it lives until its answer is sent.
class Registration final : public std::enable_shared_from_this<Registration> {
 public:
  Registration(const AgentApi::Context& context, RegisterRequest req, AgentCaller caller,
               ReplyFn reply)
      : context_(context),
        req_(std::move(req)),
        caller_(std::move(caller)),
        reply_(std::move(reply)),
        now_(context.deps.clock->WallNow()) {}

  void Run();

 private:
  // Goes on once the agent the registration is about has been read.
  void Identified(StatusOr<Identity> identity, const std::optional<pki::VerifiedCsr>& csr);
  void RecordRefusal(const Agent& agent, const AgentError& error, json answer);
  std::optional<std::pair<AgentError, json>> Gatekeep(const Agent& agent, bool has_csr) const;
  void Admit(Agent agent, bool created, const std::optional<pki::VerifiedCsr>& csr);
  void Answer(const Agent& agent, bool created, const std::optional<AgentError>& warning,
              const std::string& token, const json& certificate);
  Agent NewAgent() const;
  void ApplyRequest(Agent& agent) const;
  StatusOr<std::string> Enroll(Agent& agent, const pki::VerifiedCsr& csr);
  void LogOutcome(const Agent& agent, bool created, bool enrolled) const;
  // Replies with the answer (200) or the error; `on_sent` goes with a 200.
  void Finish(StatusOr<json> answer, std::function<void(bool)> on_sent = nullptr) const;

  const AgentApi::Context& context_;
  const RegisterRequest req_;
  const AgentCaller caller_;
  const ReplyFn reply_;
  const WallTime now_;
};

// A refused agent keeps the refusal in LastErrorCode/LastErrorMessage for operators to see;
// `answer` is sent once that is written.
void Registration::RecordRefusal(const Agent& agent, const AgentError& error, json answer) {
  Log()->warn("agent {} ({}) refused: {}", agent.agent_id, agent.client_machine, error.message);
  context_.deps.writer->Submit(
      [id = agent.agent_id, code = agent_wire::ErrorCodeNumber(error.code),
       message = error.message, now = now_](store::Repositories& writer) {
        return writer.agents().RecordError(id, code, message, now);
      },
      [self = shared_from_this(), answer = std::move(answer)](Status recorded) {
        if (!recorded.ok()) return self->Finish(recorded);
        self->Finish(answer);
      });
}

Agent Registration::NewAgent() const {
  Agent agent;
  agent.agent_id = NewGuid();
  agent.username = caller_.secret_name;
  agent.created_at = now_;
  for (const config::AutoApproveRule& rule : context_.settings.auto_approve) {
    if (config::Matches(rule, req_.client_machine, caller_.secret_name)) {
      agent.status = AgentStatus::kApproved;
    }
  }
  return agent;
}

void Registration::ApplyRequest(Agent& agent) const {
  agent.client_machine = req_.client_machine;
  agent.agent_platform = req_.agent_platform;
  agent.version = req_.agent_version;
  agent.capabilities = req_.capabilities;
  agent.last_seen = now_;
  if (caller_.kind == AgentCaller::Kind::kCertificate) {
    agent.last_thumbprint_used = caller_.certificate_thumbprint;
  }
  agent.last_error_code.reset();
  agent.last_error_message.reset();
}

// Issues the agent's new certificate; the one it replaces becomes the legacy thumbprint.
StatusOr<std::string> Registration::Enroll(Agent& agent, const pki::VerifiedCsr& csr) {
  ORCH_ASSIGN_OR_RETURN(pki::CertificateInfo issued,
                        context_.deps.ca->SignAgentCertificate(
                            csr, req_.client_machine, context_.settings.agent_cert_validity));
  if (!agent.thumbprint.empty()) agent.legacy_thumbprint = agent.thumbprint;
  agent.thumbprint = issued.thumbprint;
  agent.reenrollment = Reenrollment::kNone;
  return issued.der;
}

void Registration::LogOutcome(const Agent& agent, bool created, bool enrolled) const {
  const std::string via = caller_.kind == AgentCaller::Kind::kCertificate
                              ? "client certificate " + caller_.certificate_thumbprint
                              : "agent secret \"" + caller_.secret_name + "\"";
  static constexpr const char* kStatusNames[] = {"", "New", "Approved", "Disapproved"};
  Log()->info("agent {} ({}) {} with {}; {}{}", agent.agent_id, agent.client_machine,
              created ? "enrolled" : "registered", via,
              kStatusNames[static_cast<int>(agent.status)],
              enrolled ? "; issued certificate " + agent.thumbprint : "");
}

// The refusal and answer for an agent that may not have a session now, or nullopt when it may.
std::optional<std::pair<AgentError, json>> Registration::Gatekeep(const Agent& agent,
                                                                  bool has_csr) const {
  if (agent.status == AgentStatus::kDisapproved) {
    AgentError error{agent_wire::kAgentDisapproved, "agent " + agent.agent_id + " is disapproved"};
    json answer = Refusal(error);
    return std::pair(std::move(error), std::move(answer));
  }
  if (agent.reenrollment == Reenrollment::kRequired && !has_csr) {
    AgentError error{agent_wire::kReenrollmentRequired,
                     "a new client certificate is required: register again with a CSR"};
    // The agent learns its id (it may have registered by certificate) but gets no token.
    json answer{
        {"Result", agent_wire::ResultJson(agent_wire::kResultFailure, error)},
        {"Session",
         SessionJson(agent, req_, nullptr, nullptr, json::array(), context_.settings.heartbeat)}};
    return std::pair(std::move(error), std::move(answer));
  }
  return std::nullopt;
}

// Signs the CSR, saves the agent with its new session, then answers with its due jobs.
void Registration::Admit(Agent agent, bool created, const std::optional<pki::VerifiedCsr>& csr) {
  std::optional<AgentError> warning;
  if (agent.reenrollment == Reenrollment::kRequested && !csr) {
    warning = AgentError{agent_wire::kReenrollmentRequested,
                         "a new client certificate is requested: register with a CSR"};
  }
  json certificate = nullptr;
  if (csr) {
    StatusOr<std::string> der = Enroll(agent, *csr);
    if (!der.ok() && der.status().code() == StatusCode::kInvalidArgument) {
      return Finish(Refusal({agent_wire::kCsrRefused, der.status().message()}));
    }
    if (!der.ok()) return Finish(der.status());
    certificate = pki::Base64Encode(*der);
  }
  ApplyRequest(agent);
  std::string token = NewGuid();
  store::SessionRecord session{pki::TokenHash(token), agent.agent_id, caller_.secret_id, now_,
                               now_};
  auto saved = std::make_shared<const Agent>(std::move(agent));
  context_.deps.writer->Submit(
      [saved, created, session = std::move(session),
       enrolled = csr.has_value()](store::Repositories& writer) -> Status {
        store::AgentRepository& agents = writer.agents();
        if (created) return agents.SaveRegistration(*saved, created, session);
        // An operator may have approved, disapproved or asked for reenrollment since the
        // agent was read: what the operator set wins over the copy read before.
        ORCH_ASSIGN_OR_RETURN(Agent current, agents.GetAgent(saved->agent_id));
        Agent merged = *saved;
        merged.status = current.status;
        if (!enrolled) merged.reenrollment = current.reenrollment;
        return agents.SaveRegistration(merged, created, session);
      },
      [self = shared_from_this(), saved, created, warning, token = std::move(token),
       certificate = std::move(certificate), enrolled = csr.has_value()](Status written) {
        if (!written.ok()) return self->Finish(written);
        self->LogOutcome(*saved, created, enrolled);
        self->Answer(*saved, created, warning, token, certificate);
      });
}

// The session answer with the agent's due jobs. Agents ignore the jobs of a first
// registration (SPEC §6.6), and only approved ones get any.
void Registration::Answer(const Agent& agent, bool created,
                          const std::optional<AgentError>& warning, const std::string& token,
                          const json& certificate) {
  const int status = warning ? agent_wire::kResultWarning : agent_wire::kResultSuccess;
  json answer{{"Result", agent_wire::ResultJson(status, warning)},
              {"Session", SessionJson(agent, req_, token, certificate, json::array(),
                                      context_.settings.heartbeat)}};
  if (created || agent.status != AgentStatus::kApproved || context_.deps.scheduler == nullptr) {
    return Finish(std::move(answer));
  }
  context_.deps.scheduler->TakeDueRuns(
      agent_wire::IdentityOf(agent),
      [self = shared_from_this(), agent_id = agent.agent_id,
       answer = std::move(answer)](StatusOr<std::vector<store::RunRecord>> runs) mutable {
        if (!runs.ok()) return self->Finish(runs.status());
        answer["Session"]["Jobs"] = agent_wire::JobsJson(*runs);
        self->Finish(std::move(answer),
                     agent_wire::HandAgainIfUnsent(self->context_.deps.scheduler, agent_id, *runs));
      });
}

void Registration::Finish(StatusOr<json> answer, std::function<void(bool)> on_sent) const {
  if (!answer.ok()) return reply_(ErrorReply(answer.status()));
  Response response = agent_wire::Reply(*answer);
  response.on_sent = std::move(on_sent);
  reply_(std::move(response));
}

void Registration::Run() {
  std::optional<pki::VerifiedCsr> csr;
  if (req_.csr) {
    StatusOr<pki::VerifiedCsr> verified = DecodeCsr(*req_.csr);
    if (!verified.ok()) {
      return Finish(Refusal({agent_wire::kCsrRefused, verified.status().message()}));
    }
    csr = *std::move(verified);
  }
  // The agent is read off the loop; the registration goes on when it comes back.
  context_.deps.reader->Read<Identity>(
      [req = req_, caller = caller_](store::Repositories& db) {
        return Identify(db.agents(), req, caller);
      },
      [self = shared_from_this(), csr = std::move(csr)](StatusOr<Identity> identity) {
        self->Identified(std::move(identity), csr);
      });
}

void Registration::Identified(StatusOr<Identity> identity,
                              const std::optional<pki::VerifiedCsr>& csr) {
  if (!identity.ok()) return Finish(identity.status());
  if (identity->refusal) return Finish(Refusal(*identity->refusal));
  const bool created = !identity->agent;
  Agent agent = created ? NewAgent() : *std::move(identity->agent);
  if (auto refused = Gatekeep(agent, csr.has_value())) {
    return RecordRefusal(agent, refused->first, std::move(refused->second));
  }
  Admit(std::move(agent), created, csr);
}

void HandleRegister(const AgentApi::Context& context, const Request& request, ReplyFn reply) {
  StatusOr<RegisterRequest> parsed = ParseRegisterRequest(request);
  const AgentApi::Context* ctx = &context;
  AuthenticateAgent(
      request, context,
      [ctx, ip = request.remote_ip, parsed = std::move(parsed),
       reply = std::move(reply)](StatusOr<AgentCaller> caller) mutable {
        if (!caller.ok() && caller.status().code() == StatusCode::kUnauthenticated) {
          Log()->info("registration from {} refused: {}", ip, caller.status().message());
          return reply(agent_wire::Unauthenticated(caller.status()));
        }
        if (!caller.ok()) return reply(ErrorReply(caller.status()));
        if (!parsed.ok()) return reply(ErrorReply(parsed.status()));
        auto registration = std::make_shared<Registration>(*ctx, *std::move(parsed),
                                                           *std::move(caller), std::move(reply));
        registration->Run();
      });
}

}  // namespace

void RegisterSessionRoutes(Router& router, const AgentApi::Context& context) {
  router.AddAsync("POST", "/KeyfactorAgents/Session/Register",
                  [&context](const Request& request, const PathParams&, ReplyFn reply) {
                    HandleRegister(context, request, std::move(reply));
                  });
}

}  // namespace orch::api
