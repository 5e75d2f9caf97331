// Internal to pki/: the readers behind ImportCertificate(), one per input format.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pki/openssl_util.h"

namespace orch::pki::internal {

/// What an input held, before the leaf is chosen and the chain ordered.
struct KeyAndCertificates {
  PkeyPtr key;                 // null when the input held no private key
  std::vector<X509Ptr> certs;  // in input order
};

/// True when `bytes` looks like PEM text (holds a "-----BEGIN " line).
bool LooksLikePem(std::string_view bytes);

/// Reads every CERTIFICATE block and at most one private-key block of PEM text.
StatusOr<KeyAndCertificates> ReadPem(std::string_view bytes, std::string_view password);

/// Makes a private OpenSSL library context with the default and legacy providers this
/// thread's default for the scope's lifetime, so legacy-encrypted (RC2-40, 3DES) PKCS#12
/// files can be read without offering legacy algorithms process-wide.
class ScopedPkcs12LibCtx {
 public:
  ScopedPkcs12LibCtx();
  ScopedPkcs12LibCtx(const ScopedPkcs12LibCtx&) = delete;
  ScopedPkcs12LibCtx& operator=(const ScopedPkcs12LibCtx&) = delete;
  ~ScopedPkcs12LibCtx();

 private:
  OSSL_LIB_CTX* previous_ = nullptr;
};

/// Parses a DER PKCS#12 spanning all of `der`; nullptr when it is not one.
Pkcs12Ptr ParsePkcs12Der(std::string_view der);

/// Checks the MAC of `p12` (when it has one) with `password` and returns the password as the
/// PKCS#12 routines must be given it: an empty password may have been encoded as none
/// (nullptr) or as an empty string, depending on the tool that wrote the file. nullopt when
/// the MAC does not match. The pointer refers into `password`.
std::optional<const char*> Pkcs12MacPassword(PKCS12& p12, const std::string& password);

/// The DER encoding of `p12`.
StatusOr<std::string> Pkcs12Der(PKCS12& p12);

/// Decrypts `p12` with `password` and returns its key and certificates.
StatusOr<KeyAndCertificates> ReadPkcs12(PKCS12& p12, std::string_view password);

}  // namespace orch::pki::internal
