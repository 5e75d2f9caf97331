#include "pki/ca.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "common/guid.h"
#include "pki/hash.h"
#include "pki/key_files.h"
#include "pki/openssl_util.h"
#include "pki/x509_build.h"

namespace orch::pki {

using internal::PkeyPtr;
using internal::X509Ptr;
using internal::X509ReqPtr;

struct CertificateAuthority::Impl {
  const Clock* clock = nullptr;
  X509Ptr cert;
  PkeyPtr key;
  CertificateInfo info;
  bool generated = false;
};

namespace {

using StorePtr = std::unique_ptr<X509_STORE, internal::OpenSslDeleter<&X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, internal::OpenSslDeleter<&X509_STORE_CTX_free>>;

constexpr std::string_view kCaOrganization = "orchd";

StatusOr<std::unique_ptr<CertificateAuthority::Impl>> MakeImpl(X509Ptr cert, PkeyPtr key,
                                                               const Clock& clock) {
  auto impl = std::make_unique<CertificateAuthority::Impl>();
  ORCH_ASSIGN_OR_RETURN(std::string der, internal::CertificateDer(*cert));
  ORCH_ASSIGN_OR_RETURN(impl->info, DescribeCertificate(der));
  impl->clock = &clock;
  impl->cert = std::move(cert);
  impl->key = std::move(key);
  return impl;
}

StatusOr<X509Ptr> SelfSignedCa(EVP_PKEY& key, WallTime now) {
  const std::string cn = "orchd agent CA " + HexEncode(RandomBytes(4));
  ORCH_ASSIGN_OR_RETURN(X509Ptr cert,
                        internal::NewCertificate(cn, kCaOrganization, key, now - kNotBeforeBackdate,
                                                 now + kCaValidity));
  ORCH_RETURN_IF_ERROR(
      internal::AddExtension(*cert, *cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  ORCH_RETURN_IF_ERROR(
      internal::AddExtension(*cert, *cert, NID_key_usage, "critical,keyCertSign,cRLSign"));
  ORCH_RETURN_IF_ERROR(internal::AddExtension(*cert, *cert, NID_subject_key_identifier, "hash"));
  ORCH_RETURN_IF_ERROR(internal::SignWith(*cert, *cert, key));
  return cert;
}

// The key first: a crash between the two writes leaves a key without a certificate, which the
// next start reports instead of silently making a second CA.
Status WriteCaFiles(const CaFiles& files, X509& cert, EVP_PKEY& key) {
  ORCH_ASSIGN_OR_RETURN(std::string key_pem, internal::PrivateKeyPem(key));
  Status written = internal::WriteNewFile(files.key_path, key_pem, 0600);
  Cleanse(key_pem);
  ORCH_RETURN_IF_ERROR(written);
  ORCH_ASSIGN_OR_RETURN(std::string cert_pem, internal::CertificatePem(cert));
  if (Status status = internal::WriteNewFile(files.cert_path, cert_pem, 0644); !status.ok()) {
    // A key left behind makes the next start refuse the half-made CA: say which file to remove.
    if (::unlink(files.key_path.c_str()) != 0) {
      return std::move(status).Context("cannot remove " + files.key_path + " (" +
                                       std::strerror(errno) + "); remove it before restarting");
    }
    return status;
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<CertificateAuthority::Impl>> CreateCa(const CaFiles& files,
                                                               const Clock& clock) {
  ORCH_ASSIGN_OR_RETURN(PkeyPtr key, internal::NewEcP256Key());
  ORCH_ASSIGN_OR_RETURN(X509Ptr cert, SelfSignedCa(*key, clock.WallNow()));
  ORCH_RETURN_IF_ERROR(WriteCaFiles(files, *cert, *key).Context("creating the CA"));
  ORCH_ASSIGN_OR_RETURN(auto impl, MakeImpl(std::move(cert), std::move(key), clock));
  impl->generated = true;
  return impl;
}

StatusOr<PkeyPtr> LoadKey(const std::string& path) {
  ORCH_ASSIGN_OR_RETURN(std::string pem, internal::ReadPemFile(path, true));
  StatusOr<PkeyPtr> key = internal::ParsePrivateKeyPem(pem);
  Cleanse(pem);
  if (!key.ok()) return FailedPreconditionError("CA key " + path + ": " + key.status().message());
  return key;
}

StatusOr<std::unique_ptr<CertificateAuthority::Impl>> LoadCa(const CaFiles& files,
                                                             const Clock& clock) {
  ORCH_ASSIGN_OR_RETURN(std::string cert_pem, internal::ReadPemFile(files.cert_path, false));
  StatusOr<X509Ptr> cert = internal::ParseCertificatePem(cert_pem);
  if (!cert.ok()) {
    return FailedPreconditionError("CA certificate " + files.cert_path + ": " +
                                   cert.status().message());
  }
  ORCH_ASSIGN_OR_RETURN(PkeyPtr key, LoadKey(files.key_path));
  if (X509_check_ca(cert->get()) < 1) {
    return FailedPreconditionError("CA certificate " + files.cert_path +
                                   " is not a CA certificate (basicConstraints CA:TRUE)");
  }
  if (!internal::KeyMatchesCertificate(**cert, *key)) {
    return FailedPreconditionError("CA key " + files.key_path + " does not match " +
                                   files.cert_path);
  }
  return MakeImpl(std::move(cert).value(), std::move(key), clock);
}

Status CheckPresence(const CaFiles& files, bool cert_exists, bool key_exists) {
  if (cert_exists && key_exists) return Status::Ok();
  if (cert_exists || key_exists) {
    const std::string& found = cert_exists ? files.cert_path : files.key_path;
    const std::string& missing = cert_exists ? files.key_path : files.cert_path;
    return FailedPreconditionError("CA file " + found + " exists but " + missing +
                                   " does not; restore it, or remove both to create a new CA "
                                   "(every agent must then enroll again)");
  }
  return FailedPreconditionError("CA certificate " + files.cert_path + " does not exist");
}

StatusOr<X509ReqPtr> ParseRequest(std::string_view der) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  X509ReqPtr request(d2i_X509_REQ(nullptr, &in, static_cast<long>(der.size())));
  if (!request) return InvalidArgumentError(internal::OpenSslErrorText("CSR cannot be parsed"));
  return request;
}

}  // namespace

StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::LoadOrCreate(
    const CaFiles& files, const Clock& clock) {
  const bool cert_exists = internal::FileExists(files.cert_path);
  const bool key_exists = internal::FileExists(files.key_path);
  std::unique_ptr<Impl> impl;
  if (!cert_exists && !key_exists && files.generate) {
    ORCH_ASSIGN_OR_RETURN(impl, CreateCa(files, clock));
  } else {
    ORCH_RETURN_IF_ERROR(CheckPresence(files, cert_exists, key_exists));
    ORCH_ASSIGN_OR_RETURN(impl, LoadCa(files, clock));
  }
  return std::unique_ptr<CertificateAuthority>(new CertificateAuthority(std::move(impl)));
}

CertificateAuthority::CertificateAuthority(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CertificateAuthority::~CertificateAuthority() = default;

const CertificateInfo& CertificateAuthority::certificate() const {
  return impl_->info;
}

std::string CertificateAuthority::CertificatePem() const {
  StatusOr<std::string> pem = internal::CertificatePem(*impl_->cert);
  return pem.ok() ? *pem : std::string();
}

bool CertificateAuthority::generated() const {
  return impl_->generated;
}

StatusOr<CertificateInfo> CertificateAuthority::SignAgentCertificate(
    const VerifiedCsr& csr, std::string_view client_machine, std::chrono::seconds validity) const {
  ORCH_ASSIGN_OR_RETURN(X509ReqPtr request, ParseRequest(csr.der));
  EVP_PKEY* public_key = X509_REQ_get0_pubkey(request.get());
  if (public_key == nullptr) return InvalidArgumentError("CSR public key cannot be read");
  const WallTime now = impl_->clock->WallNow();
  ORCH_ASSIGN_OR_RETURN(X509Ptr cert,
                        internal::NewCertificate(client_machine, "", *public_key,
                                                 now - kNotBeforeBackdate, now + validity));
  X509& ca = *impl_->cert;
  ORCH_RETURN_IF_ERROR(
      internal::AddExtension(*cert, ca, NID_basic_constraints, "critical,CA:FALSE"));
  const char* usage = EVP_PKEY_is_a(public_key, "RSA") == 1
                          ? "critical,digitalSignature,keyEncipherment"
                          : "critical,digitalSignature";
  ORCH_RETURN_IF_ERROR(internal::AddExtension(*cert, ca, NID_key_usage, usage));
  ORCH_RETURN_IF_ERROR(internal::AddExtension(*cert, ca, NID_ext_key_usage, "clientAuth"));
  ORCH_RETURN_IF_ERROR(internal::AddExtension(*cert, ca, NID_subject_key_identifier, "hash"));
  ORCH_RETURN_IF_ERROR(internal::AddExtension(*cert, ca, NID_authority_key_identifier, "keyid"));
  ORCH_RETURN_IF_ERROR(internal::SignWith(*cert, ca, *impl_->key));
  ORCH_ASSIGN_OR_RETURN(std::string der, internal::CertificateDer(*cert));
  return DescribeCertificate(der);
}

StatusOr<ServerCredential> CertificateAuthority::IssueServerCertificate(
    const std::vector<std::string>& names, std::chrono::seconds validity) const {
  if (names.empty()) return InvalidArgumentError("a server certificate needs at least one name");
  ORCH_ASSIGN_OR_RETURN(PkeyPtr key, internal::NewEcP256Key());
  const WallTime now = impl_->clock->WallNow();
  ORCH_ASSIGN_OR_RETURN(X509Ptr cert,
                        internal::NewCertificate(names.front(), kCaOrganization, *key,
                                                 now - kNotBeforeBackdate, now + validity));
  X509& ca = *impl_->cert;
  ORCH_RETURN_IF_ERROR(
      internal::AddExtension(*cert, ca, NID_basic_constraints, "critical,CA:FALSE"));
  ORCH_RETURN_IF_ERROR(
      internal::AddExtension(*cert, ca, NID_key_usage, "critical,digitalSignature"));
  ORCH_RETURN_IF_ERROR(internal::AddExtension(*cert, ca, NID_ext_key_usage, "serverAuth"));
  ORCH_RETURN_IF_ERROR(internal::AddSubjectAltNames(*cert, names));
  ORCH_RETURN_IF_ERROR(internal::AddExtension(*cert, ca, NID_authority_key_identifier, "keyid"));
  ORCH_RETURN_IF_ERROR(internal::SignWith(*cert, ca, *impl_->key));
  ServerCredential credential;
  ORCH_ASSIGN_OR_RETURN(std::string leaf_pem, internal::CertificatePem(*cert));
  credential.cert_chain_pem = leaf_pem + CertificatePem();
  ORCH_ASSIGN_OR_RETURN(credential.key_pem, internal::PrivateKeyPem(*key));
  return credential;
}

Status CertificateAuthority::VerifyClientCertificate(std::string_view leaf_der) const {
  X509Ptr leaf = internal::ParseCertificateDer(leaf_der);
  if (!leaf) return UnauthenticatedError("client certificate is not a DER certificate");
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), impl_->cert.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr) != 1) {
    return internal::OpenSslInternalError("preparing certificate verification");
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                             std::chrono::system_clock::to_time_t(impl_->clock->WallNow()));
  if (X509_verify_cert(ctx.get()) == 1) return Status::Ok();
  const int error = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  return UnauthenticatedError(std::string("client certificate not accepted: ") +
                              X509_verify_cert_error_string(error));
}

}  // namespace orch::pki
