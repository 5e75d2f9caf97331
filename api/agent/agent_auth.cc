#include "api/agent/agent_auth.h"

#include <algorithm>

#include "common/logging.h"
#include "jobs/ascii.h"
#include "pki/base64.h"
#include "pki/ca.h"
#include "pki/certificate.h"
#include "pki/hash.h"
#include "pki/token.h"
#include "store/store_reader.h"
#include "store/repositories.h"
#include "store/secret_repository.h"

namespace orch::api {
namespace {

// Longest credential read from a header; anything longer is refused unread.
constexpr size_t kMaxCredentialBytes = 4096;

constexpr std::string_view kBadSecret = "the agent secret is not valid or has been revoked";

Status Refused(std::string_view message) {
  return UnauthenticatedError(std::string(message));
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         jobs::EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

void BasicCaller(std::string_view encoded, const AgentApi::Context& context, CallerDone done) {
  StatusOr<std::string> decoded = pki::Base64Decode(encoded);
  const size_t colon = decoded.ok() ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) {
    if (decoded.ok()) pki::Cleanse(*decoded);
    return done(Refused("malformed Basic credentials; send base64(secret name:secret value)"));
  }
  std::string name = decoded->substr(0, colon);
  std::string value = decoded->substr(colon + 1);
  std::string hash = pki::TokenHash(value);
  pki::Cleanse(value);
  pki::Cleanse(*decoded);
  using Found = std::optional<store::SecretRecord>;
  context.deps.reader->Read<Found>(
      [name = std::move(name)](store::Repositories& db) {
        return db.secrets().FindSecretByName(name);
      },
      [hash = std::move(hash), done = std::move(done)](StatusOr<Found> secret) {
        if (!secret.ok()) return done(secret.status());
        if (!*secret || (*secret)->status != store::SecretStatus::kActive ||
            !pki::ConstantTimeEquals((*secret)->hash, hash)) {
          return done(Refused(kBadSecret));
        }
        done(AgentCaller{AgentCaller::Kind::kSecret, (*secret)->id, (*secret)->name, ""});
      });
}

void BearerCaller(std::string_view token, const AgentApi::Context& context, CallerDone done) {
  using Found = std::optional<store::AccessTokenRecord>;
  const Clock* clock = context.deps.clock;
  context.deps.reader->Read<Found>(
      [hash = pki::TokenHash(token)](store::Repositories& db) {
        return db.secrets().FindAccessToken(hash);
      },
      [clock, done = std::move(done)](StatusOr<Found> found) {
        if (!found.ok()) return done(found.status());
        if (!*found || (*found)->secret_status != store::SecretStatus::kActive ||
            clock->WallNow() >= (*found)->expires_at) {
          return done(
              Refused("the access token is not valid, has expired, or its secret was revoked"));
        }
        done(AgentCaller{AgentCaller::Kind::kAccessToken, (*found)->secret_id,
                         (*found)->secret_name, ""});
      });
}

void AuthorizationCaller(std::string_view header, const AgentApi::Context& context,
                         CallerDone done) {
  if (header.size() > kMaxCredentialBytes) {
    return done(Refused("the Authorization header is too long"));
  }
  const size_t space = header.find(' ');
  const std::string_view credential =
      space == std::string_view::npos ? std::string_view() : header.substr(space + 1);
  if (StartsWithIgnoreCase(header, "Basic ") && !credential.empty()) {
    return BasicCaller(credential, context, std::move(done));
  }
  if (StartsWithIgnoreCase(header, "Bearer ") && !credential.empty()) {
    return BearerCaller(credential, context, std::move(done));
  }
  done(
      Refused("unsupported Authorization header; use Basic (agent secret) or Bearer "
              "(access token)"));
}

// The certificate a trusted reverse proxy passed on, verified here since no handshake did.
StatusOr<std::string> ProxiedCertificate(const Request& request, const std::string& header,
                                         const AgentApi::Context& context) {
  const auto& proxies = context.settings.trusted_proxies;
  if (std::find(proxies.begin(), proxies.end(), request.remote_ip) == proxies.end()) {
    GetLogger("api")->warn("ignoring X-ARR-ClientCert from {}: not in agents.trusted_proxies",
                           request.remote_ip.empty() ? "a local peer" : request.remote_ip);
    return std::string();
  }
  StatusOr<pki::ImportedCertificate> imported = [&]() -> StatusOr<pki::ImportedCertificate> {
    StatusOr<std::string> der = pki::Base64Decode(header);
    return pki::ImportCertificate(der.ok() ? *der : header, "");
  }();
  if (!imported.ok()) return Refused("X-ARR-ClientCert does not hold a certificate");
  ORCH_RETURN_IF_ERROR(context.deps.ca->VerifyClientCertificate(imported->leaf.der));
  return imported->leaf.der;
}

// The caller by certificate: the one a trusted proxy passed on, or the TLS handshake's.
StatusOr<AgentCaller> CertificateOrRefusal(const Request& request,
                                           const AgentApi::Context& context) {
  ORCH_ASSIGN_OR_RETURN(std::string thumbprint, PresentedThumbprint(request, context));
  if (thumbprint.empty()) {
    return Refused(
        "authentication required: HTTP Basic with an agent secret, a Bearer access "
        "token, or a client certificate issued by orchd's CA");
  }
  AgentCaller caller;
  caller.kind = AgentCaller::Kind::kCertificate;
  caller.certificate_thumbprint = std::move(thumbprint);
  return caller;
}

}  // namespace

void AuthenticateAgent(const Request& request, const AgentApi::Context& context, CallerDone done) {
  if (const std::string* header = request.Header("authorization")) {
    return AuthorizationCaller(*header, context, std::move(done));
  }
  done(CertificateOrRefusal(request, context));
}

StatusOr<std::string> PresentedThumbprint(const Request& request,
                                          const AgentApi::Context& context) {
  std::string der;
  // Behind a trusted proxy the TLS peer is the proxy; the agent's certificate is the header's.
  if (const std::string* header = request.Header("x-arr-clientcert")) {
    if (header->size() > 4 * pki::kMaxImportBytes / 3) {
      return Refused("X-ARR-ClientCert is too large");
    }
    ORCH_ASSIGN_OR_RETURN(der, ProxiedCertificate(request, *header, context));
  }
  if (der.empty()) {
    // The TLS handshake's certificate, already verified against orchd's CA, in the canonical
    // DER the handshake gave: its thumbprint is the hash of those bytes. Session calls ask for
    // it on every heartbeat and poll, so it is not described whole each time.
    if (request.client_certificate_der.empty()) return std::string();
    return pki::CertificateThumbprint(request.client_certificate_der);
  }
  ORCH_ASSIGN_OR_RETURN(pki::CertificateInfo info, pki::DescribeCertificate(der));
  return info.thumbprint;
}

bool CertificateBelongs(const store::Agent& agent, const std::string& thumbprint) {
  if (agent.thumbprint == thumbprint) return true;
  return agent.legacy_thumbprint == thumbprint && agent.reenrollment != store::Reenrollment::kNone;
}

Status CheckPresentedCertificate(const std::string& presented, const store::Agent& agent) {
  if (presented.empty() || CertificateBelongs(agent, presented)) return Status::Ok();
  return PermissionDeniedError("the client certificate does not belong to the session's agent");
}

}  // namespace orch::api
