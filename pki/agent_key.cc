#include "pki/agent_key.h"

#include <utility>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pki/certificate.h"
#include "pki/import_internal.h"
#include "pki/openssl_util.h"
#include "pki/x509_build.h"

namespace orch::pki {
namespace {

using internal::PkeyPtr;
using internal::X509Ptr;
using internal::X509ReqPtr;

StatusOr<X509Ptr> ParseCertificate(std::string_view der_or_pem) {
  if (internal::LooksLikePem(der_or_pem)) return internal::ParseCertificatePem(der_or_pem);
  X509Ptr cert = internal::ParseCertificateDer(der_or_pem);
  if (!cert) return InvalidArgumentError("not a DER or PEM certificate");
  return cert;
}

StatusOr<std::string> RequestDer(X509_REQ& request) {
  unsigned char* buffer = nullptr;
  const int length = i2d_X509_REQ(&request, &buffer);
  if (length <= 0) return internal::OpenSslInternalError("encoding a CSR");
  std::string der(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
  OPENSSL_free(buffer);
  return der;
}

}  // namespace

StatusOr<AgentKey> NewAgentKey() {
  ORCH_ASSIGN_OR_RETURN(PkeyPtr key, internal::NewEcP256Key());
  ORCH_ASSIGN_OR_RETURN(std::string pem, internal::PrivateKeyPem(*key));
  return AgentKey{std::move(pem)};
}

StatusOr<std::string> MakeCsr(const std::string& private_key_pem, std::string_view common_name) {
  ORCH_ASSIGN_OR_RETURN(PkeyPtr key, internal::ParsePrivateKeyPem(private_key_pem));
  X509ReqPtr request(X509_REQ_new());
  if (!request) return internal::OpenSslInternalError("allocating a CSR");
  ORCH_RETURN_IF_ERROR(
      internal::AddCommonName(*X509_REQ_get_subject_name(request.get()), common_name));
  if (X509_REQ_set_pubkey(request.get(), key.get()) != 1) {
    return internal::OpenSslInternalError("setting the CSR's public key");
  }
  // A key that cannot sign with SHA-256 (Ed25519, for one) is the caller's to change.
  if (X509_REQ_sign(request.get(), key.get(), EVP_sha256()) <= 0) {
    return InvalidArgumentError(internal::OpenSslErrorText("cannot sign a CSR with this key"));
  }
  return RequestDer(*request);
}

StatusOr<CertificateLifetime> ReadCertificateLifetime(std::string_view der_or_pem) {
  ORCH_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificate(der_or_pem));
  ORCH_ASSIGN_OR_RETURN(std::string der, internal::CertificateDer(*cert));
  ORCH_ASSIGN_OR_RETURN(CertificateInfo info, DescribeCertificate(der));
  return CertificateLifetime{info.not_before, info.not_after, std::move(info.thumbprint)};
}

bool KeyMatchesCertificate(const std::string& private_key_pem,
                           std::string_view certificate_der_or_pem) {
  StatusOr<PkeyPtr> key = internal::ParsePrivateKeyPem(private_key_pem);
  StatusOr<X509Ptr> cert = ParseCertificate(certificate_der_or_pem);
  if (!key.ok() || !cert.ok()) return false;
  return internal::KeyMatchesCertificate(**cert, **key);
}

}  // namespace orch::pki
