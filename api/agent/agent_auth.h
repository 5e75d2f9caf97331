// Internal to api/agent/: who is calling the agent listener (SPEC §6.1).
#pragma once

#include <functional>
#include <string>

#include "api/agent/agent_api.h"
#include "api/http.h"
#include "common/status.h"
#include "store/agent_repository.h"

namespace orch::api {

/// An authenticated agent-listener caller.
struct AgentCaller {
  enum class Kind { kSecret, kAccessToken, kCertificate };
  Kind kind = Kind::kSecret;
  std::string secret_id;               // kSecret, kAccessToken: the secret behind the credential
  std::string secret_name;             // kSecret, kAccessToken
  std::string certificate_thumbprint;  // kCertificate: uppercase SHA-1 hex
};

using CallerDone = std::function<void(StatusOr<AgentCaller>)>;

/// Authenticates `request` by, in this order: an Authorization header (Basic with an agent
/// secret's name and value, or Bearer with an access token), the client certificate verified
/// in the TLS handshake, or an X-ARR-ClientCert header (base64 DER or PEM) from an address in
/// trusted_proxies, verified here against the internal CA. Unauthenticated, with a message
/// that never echoes a credential, when none of them holds. A secret or token is looked up
/// through the context's reader, and `done` runs later on the loop's thread; a certificate
/// is answered before this returns. A refused or failed read answers its own error.
void AuthenticateAgent(const Request& request, const AgentApi::Context& context, CallerDone done);

/// The uppercase SHA-1 thumbprint of the client certificate `request` presents: the one a
/// trusted proxy passed in X-ARR-ClientCert (verified here), else the one verified in the TLS
/// handshake; "" when it presents none. Unauthenticated when a proxied one does not hold.
StatusOr<std::string> PresentedThumbprint(const Request& request, const AgentApi::Context& context);

/// True when `thumbprint` is `agent`'s certificate, or its previous one while the agent is
/// asked to enroll for a new one.
bool CertificateBelongs(const store::Agent& agent, const std::string& thumbprint);

/// Ok when `presented` (a PresentedThumbprint()) is empty or belongs to `agent`, the agent
/// of the session a call names; PermissionDenied otherwise, so that one agent's certificate
/// never carries another agent's session token.
Status CheckPresentedCertificate(const std::string& presented, const store::Agent& agent);

}  // namespace orch::api
