// Internal to pki/: owning pointers for OpenSSL objects and OpenSSL errors as Status.
// Included only by pki/ .cc files (and the pki tests), never by a public pki/ header.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "common/status.h"

namespace orch::pki::internal {

/// A unique_ptr deleter that calls an OpenSSL free function.
template <auto kFree>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};

/// Frees a certificate stack and every certificate in it.
void FreeX509Stack(STACK_OF(X509) * stack);

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free_all>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<&EVP_CIPHER_CTX_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, OpenSslDeleter<&PKCS12_free>>;
using Pkcs8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, OpenSslDeleter<&PKCS8_PRIV_KEY_INFO_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<&EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<&X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<&X509_REQ_free>>;
using X509SigPtr = std::unique_ptr<X509_SIG, OpenSslDeleter<&X509_SIG_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), OpenSslDeleter<&FreeX509Stack>>;

/// `what` followed by the reason of the newest queued OpenSSL error; clears the error queue.
/// OpenSSL reason strings name algorithms and failure kinds, never key or password bytes.
std::string OpenSslErrorText(std::string_view what);

/// InternalError(OpenSslErrorText(what)): for failures that only a broken library or an
/// exhausted heap explains.
Status OpenSslInternalError(std::string_view what);

/// A read-only memory BIO over `bytes`, which must outlive it.
StatusOr<BioPtr> MemoryBio(std::string_view bytes);

/// The DER encoding of `cert`.
StatusOr<std::string> CertificateDer(const X509& cert);

/// Parses exactly one DER certificate spanning all of `der`; nullptr when it is not one.
X509Ptr ParseCertificateDer(std::string_view der);

/// The unencrypted PKCS#8 PrivateKeyInfo DER of `key`.
StatusOr<std::string> PrivateKeyPkcs8Der(const EVP_PKEY& key);

/// Parses unencrypted PKCS#8 PrivateKeyInfo DER spanning all of `der`.
StatusOr<PkeyPtr> ParsePrivateKeyPkcs8Der(std::string_view der);

/// True when `key` is the private half of `cert`'s public key.
bool KeyMatchesCertificate(const X509& cert, const EVP_PKEY& key);

}  // namespace orch::pki::internal
