// AgentSession: enrollment, registration, the session's long polls and heartbeats, and retries
// with backoff. What happens to each job orchd hands out is in session_jobs.cc.
#include "agent/session.h"

#include "agent/session_answer.h"
#include "common/logging.h"
#include "jobs/bounded_json.h"
#include "pki/agent_key.h"
#include "pki/base64.h"

namespace orch::agent {
namespace {

using answers::ErrorText;
using answers::Parse;
using nlohmann::json;

constexpr char kRegister[] = "KeyfactorAgents/Session/Register";
constexpr char kPoll[] = "KeyfactorAgents/Jobs/Poll";
constexpr char kHeartbeat[] = "KeyfactorAgents/Session/Heartbeat";
constexpr char kTenant[] = "00000000-0000-0000-0000-000000000000";
constexpr char kRegistrationRequest[] = "registration-enroll-stores";
constexpr int kPlatformNative = 5;

std::string DerToPem(const std::string& der) {
  const std::string base64 = pki::Base64Encode(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < base64.size(); i += 64) pem += base64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

}  // namespace

namespace answers {

StatusOr<json> Parse(const Answer& answer, const std::string& call) {
  StatusOr<json> body = jobs::ParseJson(answer.body);
  if (!body.ok() || !body->is_object()) {
    return InternalError(call + " answered HTTP " + std::to_string(answer.status) +
                         " without a JSON object");
  }
  return body;
}

std::string ErrorText(const Answer& answer) {
  StatusOr<json> body = jobs::ParseJson(answer.body);
  const std::string message = body.ok() ? jobs::JsonString(*body, "errorMessage") : "";
  if (!message.empty()) return "HTTP " + std::to_string(answer.status) + ": " + message;
  return "HTTP " + std::to_string(answer.status);
}

}  // namespace answers

AgentSession::AgentSession(SessionSettings settings, Transport& transport, StateStore& state,
                           Deployer& deployer, const Clock& clock, ScheduleFn schedule,
                           std::function<double()> random)
    : settings_(std::move(settings)),
      transport_(transport),
      state_store_(state),
      deployer_(deployer),
      clock_(clock),
      schedule_(std::move(schedule)),
      backoff_(BackoffPolicy{settings_.backoff_initial, settings_.backoff_max}, std::move(random)) {
}

void AgentSession::Log(int level, const std::string& message) const {
  const std::string text =
      settings_.log_name.empty() ? message : settings_.log_name + ": " + message;
  auto log = GetLogger("agent");
  if (level >= 3) {
    log->error("{}", text);
  } else if (level == 2) {
    log->warn("{}", text);
  } else if (level == 1) {
    log->info("{}", text);
  } else {
    log->debug("{}", text);
  }
}

void AgentSession::Start() {
  StatusOr<std::optional<AgentState>> loaded = state_store_.Load();
  if (!loaded.ok()) {
    RetryLater("reading the agent's state", loaded.status(), [this] { Start(); });
    return;
  }
  state_ = *loaded;
  if (!state_) {
    Enroll();
    return;
  }
  Register(RenewalDue());
}

void AgentSession::Stop() {
  stopped_ = true;
  ++generation_;
}

Credential AgentSession::ClientCertificate() const {
  Credential credential;
  if (state_ && (CertificateUsable() || settings_.secret_name.empty())) {
    credential.cert_pem = state_->cert_pem;
    credential.key_pem = state_->key_pem;
  } else {
    // An expired certificate fails every TLS handshake: the secret that enrolled the agent
    // speaks for it until a new certificate is saved.
    credential.basic_user = settings_.secret_name;
    credential.basic_password = settings_.secret_value;
  }
  return credential;
}

bool AgentSession::CertificateUsable() const {
  if (!state_) return false;
  StatusOr<pki::CertificateLifetime> lifetime = pki::ReadCertificateLifetime(state_->cert_pem);
  return lifetime.ok() && clock_.WallNow() < lifetime->not_after;
}

bool AgentSession::RenewalDue() const {
  if (!state_) return false;
  StatusOr<pki::CertificateLifetime> lifetime = pki::ReadCertificateLifetime(state_->cert_pem);
  if (!lifetime.ok()) return true;
  return InRenewalWindow(lifetime->not_before, lifetime->not_after, clock_.WallNow());
}

void AgentSession::RetryLater(const std::string& what, const Status& why,
                              std::function<void()> again) {
  ++stats_.failures;
  const std::chrono::milliseconds delay = backoff_.Next();
  const std::string error = what + ": " + why.message();
  // A retry loop logs its reason once (a warning), and each further attempt at debug level.
  if (error != last_error_) {
    Log(2, error + "; trying again in " + std::to_string(delay.count()) + " ms");
    last_error_ = error;
  } else {
    Log(0, "still " + error + "; attempt in " + std::to_string(delay.count()) + " ms");
  }
  if (stopped_) return;
  std::weak_ptr<AgentSession> self = weak_from_this();
  schedule_(delay, [self, again = std::move(again)] {
    if (auto alive = self.lock(); alive && !alive->stopped_) again();
  });
}

void AgentSession::Enroll() {
  StatusOr<pki::AgentKey> key = pki::NewAgentKey();
  StatusOr<std::string> csr =
      key.ok() ? pki::MakeCsr(key->private_key_pem, settings_.client_machine) : key.status();
  if (!csr.ok()) {
    RetryLater("making a key and CSR", csr.status(), [this] { Enroll(); });
    return;
  }
  const json body = {{"AgentId", ""},
                     {"ClientMachine", settings_.client_machine},
                     {"AgentPlatform", kPlatformNative},
                     {"AgentVersion", settings_.agent_version},
                     {"Capabilities", settings_.capabilities},
                     {"ClientParameters", json::object()},
                     {"CSR", pki::Base64Encode(*csr)},
                     {"TenantId", kTenant}};
  Credential credential;
  credential.basic_user = settings_.secret_name;
  credential.basic_password = settings_.secret_value;
  std::weak_ptr<AgentSession> self = weak_from_this();
  transport_.Post(
      kRegister, body.dump(), credential,
      [self, key_pem = key->private_key_pem](StatusOr<Answer> answer) {
        auto session = self.lock();
        if (!session || session->stopped_) return;
        auto again = [session] { session->Enroll(); };
        if (!answer.ok()) {
          session->RetryLater("enrolling", answer.status(), again);
          return;
        }
        if (answer->status != 200) {
          session->RetryLater("enrolling with secret " + session->settings_.secret_name,
                              UnauthenticatedError(ErrorText(*answer)), again);
          return;
        }
        StatusOr<json> body = Parse(*answer, "registration");
        if (!body.ok()) {
          session->RetryLater("enrolling", body.status(), again);
          return;
        }
        const json& result = jobs::JsonMember(*body, "Result");
        const json& certificate =
            jobs::JsonMember(jobs::JsonMember(*body, "Session"), "Certificate");
        const json& id = jobs::JsonMember(jobs::JsonMember(*body, "Session"), "AgentId");
        if (jobs::JsonInt(result, "Status") != 1 || !certificate.is_string() || !id.is_string()) {
          session->RetryLater("enrolling", FailedPreconditionError(result.dump()), again);
          return;
        }
        StatusOr<std::string> der = pki::Base64Decode(certificate.get<std::string>());
        if (!der.ok()) {
          session->RetryLater("enrolling", der.status(), again);
          return;
        }
        AgentState state{id.get<std::string>(), key_pem, DerToPem(*der)};
        if (Status saved = session->state_store_.Save(state); !saved.ok()) {
          session->RetryLater("saving the agent's state", saved, again);
          return;
        }
        session->state_ = std::move(state);
        ++session->stats_.enrollments;
        session->Log(1, "enrolled as agent " + session->state_->agent_id);
        session->transport_.CloseIdle();
        session->Register(false);
      });
}

void AgentSession::Register(bool with_new_key) {
  if (stopped_) return;
  std::optional<pki::AgentKey> key;
  json csr = nullptr;
  if (with_new_key) {
    StatusOr<pki::AgentKey> made = pki::NewAgentKey();
    StatusOr<std::string> request =
        made.ok() ? pki::MakeCsr(made->private_key_pem, settings_.client_machine) : made.status();
    if (!request.ok()) {
      RetryLater("making a key and CSR", request.status(), [this] { Register(true); });
      return;
    }
    key = *made;
    csr = pki::Base64Encode(*request);
  }
  json parameters = json::object();
  if (stats_.registrations == 0 && stats_.enrollments > 0) {
    parameters["RegistrationRequest"] = kRegistrationRequest;
  }
  const json body = {{"AgentId", state_->agent_id},
                     {"ClientMachine", settings_.client_machine},
                     {"AgentPlatform", kPlatformNative},
                     {"AgentVersion", settings_.agent_version},
                     {"Capabilities", settings_.capabilities},
                     {"ClientParameters", parameters},
                     {"CSR", csr},
                     {"TenantId", kTenant}};
  std::weak_ptr<AgentSession> self = weak_from_this();
  transport_.Post(
      kRegister, body.dump(), ClientCertificate(),
      [self, key, with_new_key](StatusOr<Answer> answer) {
        auto session = self.lock();
        if (!session || session->stopped_) return;
        auto again = [session, with_new_key] { session->Register(with_new_key); };
        if (!answer.ok()) {
          session->RetryLater("registering", answer.status(), again);
          return;
        }
        if (answer->status != 200) {
          session->RetryLater("registering", UnauthenticatedError(ErrorText(*answer)), again);
          return;
        }
        StatusOr<json> body = Parse(*answer, "registration");
        if (!body.ok()) {
          session->RetryLater("registering", body.status(), again);
          return;
        }
        const json& certificate =
            jobs::JsonMember(jobs::JsonMember(*body, "Session"), "Certificate");
        if (key && certificate.is_string()) {
          StatusOr<std::string> der = pki::Base64Decode(certificate.get<std::string>());
          if (der.ok()) {
            AgentState renewed{session->state_->agent_id, key->private_key_pem, DerToPem(*der)};
            if (Status saved = session->state_store_.Save(renewed); !saved.ok()) {
              session->RetryLater("saving the renewed certificate", saved, again);
              return;
            }
            session->state_ = std::move(renewed);
            session->transport_.CloseIdle();
            session->Log(1, "renewed the agent certificate");
          }
        }
        session->OnRegistered(*body, false);
      });
}

void AgentSession::OnRegistered(const json& answer, bool) {
  const json& result = jobs::JsonMember(answer, "Result");
  const int64_t status = jobs::JsonInt(result, "Status");
  const json& error = jobs::JsonMember(result, "Error");
  const std::string code = jobs::JsonString(error, "CodeString");
  const json& session = jobs::JsonMember(answer, "Session");
  if (code == "A0100008") {
    // Reenrollment required: no session until a new key is certified.
    Log(1, "orchd requires a new agent certificate: reenrolling now");
    Register(true);
    return;
  }
  if (status != 1 && code != "A0100007") {
    const std::string message = jobs::JsonString(error, "Message", result.dump());
    RetryLater("registering", FailedPreconditionError(code + " " + message),
               [this] { Register(RenewalDue()); });
    return;
  }
  ++stats_.registrations;
  token_ = jobs::JsonString(session, "Token");
  const int64_t heartbeat = jobs::JsonInt(session, "HeartbeatInterval", 5);
  heartbeat_ = std::chrono::minutes(std::max<int64_t>(1, heartbeat));
  stats_.has_session = true;
  if (!stats_.first_session_at) stats_.first_session_at = clock_.SteadyNow();
  backoff_.Reset();
  last_error_.clear();
  const uint64_t generation = ++generation_;
  Log(0, "session opened");
  const json& jobs_due = jobs::JsonMember(session, "Jobs");
  if (jobs_due.is_array()) {
    for (const json& job : jobs_due) Configure(job);
  }
  if (code == "A0100007") {
    // Reenrollment requested: keep working, and certify a new key at once.
    Log(1, "orchd asks for a new agent certificate: reenrolling");
    Register(true);
    return;
  }
  std::weak_ptr<AgentSession> self = weak_from_this();
  schedule_(heartbeat_, [self, generation] {
    if (auto alive = self.lock()) alive->Heartbeat(generation);
  });
  polling_ = false;
  Poll();
}

void AgentSession::NewSession() {
  stats_.has_session = false;
  ++generation_;
  polling_ = false;
  Register(RenewalDue());
}

void AgentSession::Poll() {
  if (stopped_ || polling_) return;
  polling_ = true;
  const uint64_t generation = generation_;
  const json body = {{"SessionToken", token_}, {"WaitSeconds", settings_.poll_wait_seconds}};
  std::weak_ptr<AgentSession> self = weak_from_this();
  transport_.Post(kPoll, body.dump(), ClientCertificate(),
                  [self, generation](StatusOr<Answer> answer) {
                    auto session = self.lock();
                    if (!session || session->stopped_ || generation != session->generation_) return;
                    session->polling_ = false;
                    if (!answer.ok()) {
                      session->stats_.has_session = false;
                      session->RetryLater("polling for jobs", answer.status(),
                                          [session] { session->NewSession(); });
                      return;
                    }
                    if (answer->status == 401) {
                      session->Log(1, "session ended (" + ErrorText(*answer) + "): registering");
                      session->NewSession();
                      return;
                    }
                    if (answer->status == 403) {
                      // Not approved (yet), or disapproved: ask again later, not in a loop.
                      session->stats_.has_session = false;
                      session->RetryLater("waiting for orchd to let this agent work",
                                          PermissionDeniedError(ErrorText(*answer)),
                                          [session] { session->NewSession(); });
                      return;
                    }
                    StatusOr<json> body = Parse(*answer, "poll");
                    if (answer->status != 200 || !body.ok()) {
                      session->RetryLater(
                          "polling for jobs",
                          body.ok() ? FailedPreconditionError(ErrorText(*answer)) : body.status(),
                          [session] { session->NewSession(); });
                      return;
                    }
                    session->backoff_.Reset();
                    session->last_error_.clear();
                    session->last_poll_answer_ = session->clock_.SteadyNow();
                    const json& jobs_due = jobs::JsonMember(*body, "Jobs");
                    if (jobs_due.is_array()) {
                      for (const json& job : jobs_due) session->Configure(job);
                    }
                    session->Poll();
                  });
}

void AgentSession::Heartbeat(uint64_t generation) {
  if (stopped_ || generation != generation_) return;
  if (RenewalDue()) {
    Log(1, "the agent certificate is in the last fifth of its life: renewing");
    ++generation_;
    Register(true);
    return;
  }
  std::weak_ptr<AgentSession> self = weak_from_this();
  // Every call keeps the session alive, and a poll answered within the interval was one:
  // then the heartbeat would only add traffic (a fleet of long-polling agents sends none).
  if (last_poll_answer_ && clock_.SteadyNow() - *last_poll_answer_ < heartbeat_) {
    schedule_(heartbeat_, [self, generation] {
      if (auto alive = self.lock()) alive->Heartbeat(generation);
    });
    return;
  }
  transport_.Post(kHeartbeat, json{{"SessionToken", token_}}.dump(), ClientCertificate(),
                  [self, generation](StatusOr<Answer> answer) {
                    auto session = self.lock();
                    if (!session || session->stopped_ || generation != session->generation_) return;
                    StatusOr<json> body =
                        answer.ok() ? Parse(*answer, "heartbeat") : StatusOr<json>(answer.status());
                    if (body.ok() && !jobs::JsonBool(*body, "SessionValid")) {
                      session->Log(1, "orchd no longer knows the session: registering");
                      session->NewSession();
                      return;
                    }
                    // A failed heartbeat is left to the poll, which notices the same outage.
                    session->schedule_(session->heartbeat_, [self, generation] {
                      if (auto alive = self.lock()) alive->Heartbeat(generation);
                    });
                  });
}

}  // namespace orch::agent
