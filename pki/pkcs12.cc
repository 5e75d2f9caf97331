// PKCS#12 in both directions: reading imports (including legacy-encrypted files) and building
// the files handed to agents.
#include <climits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include "pki/certificate.h"
#include "pki/hash.h"
#include "pki/import_internal.h"

namespace orch::pki {
namespace internal {
namespace {

constexpr std::string_view kWrongPassword = "wrong password or corrupt PKCS#12";

// PKCS#12 files exported by Windows before Server 2019 and by older Java encrypt their
// certificates with RC2-40, which OpenSSL 3 keeps in its "legacy" provider. Loading that
// provider process-wide would offer legacy algorithms everywhere; instead a private library
// context holds default + legacy and is made this thread's default only while a PKCS#12 is
// read. It lives for the whole process (never freed), like OpenSSL's own default context.
OSSL_LIB_CTX* MakePkcs12LibCtx() {
  OSSL_LIB_CTX* ctx = OSSL_LIB_CTX_new();
  if (ctx == nullptr || OSSL_PROVIDER_load(ctx, "default") == nullptr) {
    OSSL_LIB_CTX_free(ctx);
    ERR_clear_error();
    return nullptr;
  }
  // Without the legacy module only modern files can be read; that is not an error.
  if (OSSL_PROVIDER_load(ctx, "legacy") == nullptr) ERR_clear_error();
  return ctx;
}

OSSL_LIB_CTX* Pkcs12LibCtx() {
  static OSSL_LIB_CTX* const kLibCtx = MakePkcs12LibCtx();
  return kLibCtx;
}

// The contents of a PKCS#12 as DER, so nothing made under the private context outlives it.
struct Pkcs12Contents {
  std::optional<std::string> key_pkcs8_der;
  std::vector<std::string> cert_ders;

  Pkcs12Contents() = default;
  Pkcs12Contents(Pkcs12Contents&&) = default;
  Pkcs12Contents& operator=(Pkcs12Contents&&) = default;
  ~Pkcs12Contents() {
    if (key_pkcs8_der) Cleanse(*key_pkcs8_der);
  }
};

Status AppendCertificate(X509& cert, std::vector<std::string>& out) {
  ORCH_ASSIGN_OR_RETURN(std::string der, CertificateDer(cert));
  out.push_back(std::move(der));
  return Status::Ok();
}

StatusOr<Pkcs12Contents> Pkcs12ToDer(EVP_PKEY* key, X509* cert, STACK_OF(X509) * ca) {
  Pkcs12Contents contents;
  if (key != nullptr) {
    ORCH_ASSIGN_OR_RETURN(contents.key_pkcs8_der, PrivateKeyPkcs8Der(*key));
  }
  if (cert != nullptr) ORCH_RETURN_IF_ERROR(AppendCertificate(*cert, contents.cert_ders));
  for (int i = 0; i < sk_X509_num(ca); ++i) {
    ORCH_RETURN_IF_ERROR(AppendCertificate(*sk_X509_value(ca, i), contents.cert_ders));
  }
  return contents;
}

StatusOr<Pkcs12Contents> DecryptPkcs12(PKCS12& p12, const std::string& password) {
  ScopedPkcs12LibCtx scope;
  if (!Pkcs12MacPassword(p12, password)) return InvalidArgumentError(std::string(kWrongPassword));
  EVP_PKEY* raw_key = nullptr;
  X509* raw_cert = nullptr;
  STACK_OF(X509)* raw_ca = nullptr;
  if (PKCS12_parse(&p12, password.c_str(), &raw_key, &raw_cert, &raw_ca) != 1) {
    // The MAC was fine (or absent), so this is a bad password on an unsigned file, damage,
    // or an algorithm this OpenSSL cannot run; the reason text tells them apart.
    return InvalidArgumentError(OpenSslErrorText(kWrongPassword));
  }
  PkeyPtr key(raw_key);
  X509Ptr cert(raw_cert);
  X509StackPtr ca(raw_ca);
  return Pkcs12ToDer(key.get(), cert.get(), ca.get());
}

}  // namespace

std::optional<const char*> Pkcs12MacPassword(PKCS12& p12, const std::string& password) {
  if (!PKCS12_mac_present(&p12)) return password.c_str();
  // An empty password is encoded either as no password or as an empty string, depending on
  // the tool that wrote the file; both are tried, as OpenSSL's own pkcs12 command does.
  std::optional<const char*> matched;
  if (!password.empty()) {
    if (PKCS12_verify_mac(&p12, password.c_str(), static_cast<int>(password.size())) == 1) {
      matched = password.c_str();
    }
  } else if (PKCS12_verify_mac(&p12, nullptr, 0) == 1) {
    matched = nullptr;
  } else if (PKCS12_verify_mac(&p12, "", 0) == 1) {
    matched = password.c_str();
  }
  ERR_clear_error();
  return matched;
}

StatusOr<std::string> Pkcs12Der(PKCS12& p12) {
  unsigned char* buffer = nullptr;
  int length = i2d_PKCS12(&p12, &buffer);
  if (length <= 0) return OpenSslInternalError("encoding a PKCS#12");
  std::string der(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
  OPENSSL_free(buffer);
  return der;
}

ScopedPkcs12LibCtx::ScopedPkcs12LibCtx() {
  if (OSSL_LIB_CTX* ctx = Pkcs12LibCtx()) previous_ = OSSL_LIB_CTX_set0_default(ctx);
}

ScopedPkcs12LibCtx::~ScopedPkcs12LibCtx() {
  if (previous_ != nullptr) OSSL_LIB_CTX_set0_default(previous_);
}

Pkcs12Ptr ParsePkcs12Der(std::string_view der) {
  if (der.empty() || der.size() > static_cast<size_t>(LONG_MAX)) return nullptr;
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = in + der.size();
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &in, static_cast<long>(der.size())));
  if (!p12 || in != end) {
    ERR_clear_error();
    return nullptr;
  }
  return p12;
}

StatusOr<KeyAndCertificates> ReadPkcs12(PKCS12& p12, std::string_view password) {
  std::string password_copy(password);  // PKCS12_parse wants a C string
  auto contents = DecryptPkcs12(p12, password_copy);
  Cleanse(password_copy);
  if (!contents.ok()) return contents.status();
  KeyAndCertificates out;
  if (contents->key_pkcs8_der) {
    ORCH_ASSIGN_OR_RETURN(out.key, ParsePrivateKeyPkcs8Der(*contents->key_pkcs8_der));
  }
  for (const std::string& der : contents->cert_ders) {
    X509Ptr cert = ParseCertificateDer(der);
    if (!cert) return InternalError("re-reading a certificate from a PKCS#12 failed");
    out.certs.push_back(std::move(cert));
  }
  if (out.certs.empty()) return InvalidArgumentError("PKCS#12 holds no certificate");
  return out;
}

}  // namespace internal

namespace {

using internal::OpenSslInternalError;
using internal::X509Ptr;

StatusOr<X509Ptr> CertificateFromInfo(const CertificateInfo& info, std::string_view what) {
  X509Ptr cert = internal::ParseCertificateDer(info.der);
  if (!cert) return InvalidArgumentError(std::string(what) + " is not a DER certificate");
  return cert;
}

StatusOr<internal::X509StackPtr> CertificateStack(const std::vector<CertificateInfo>& chain) {
  internal::X509StackPtr stack(sk_X509_new_null());
  if (!stack) return OpenSslInternalError("allocating a certificate stack");
  for (const CertificateInfo& info : chain) {
    ORCH_ASSIGN_OR_RETURN(X509Ptr cert, CertificateFromInfo(info, "a chain certificate"));
    X509* raw = cert.release();  // the stack owns it once pushed
    if (sk_X509_push(stack.get(), raw) <= 0) {
      X509_free(raw);
      return OpenSslInternalError("building a certificate stack");
    }
  }
  return stack;
}

StatusOr<internal::PkeyPtr> MatchingKey(const X509& leaf, std::optional<std::string_view> der) {
  if (!der) return internal::PkeyPtr();
  ORCH_ASSIGN_OR_RETURN(internal::PkeyPtr key, internal::ParsePrivateKeyPkcs8Der(*der));
  if (!internal::KeyMatchesCertificate(leaf, *key)) {
    return InvalidArgumentError("private key does not match the certificate");
  }
  return key;
}

// Encrypts keys and certificates with PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC) and adds a
// SHA-256 MAC, both with 2048 iterations. The MAC is set separately because PKCS12_create
// defaults to a single MAC iteration.
StatusOr<internal::Pkcs12Ptr> CreatePkcs12(const std::string& password, const std::string& alias,
                                           EVP_PKEY* key, X509& leaf, STACK_OF(X509) * chain) {
  internal::Pkcs12Ptr p12(PKCS12_create(password.c_str(), alias.empty() ? nullptr : alias.c_str(),
                                        key, &leaf, chain, NID_aes_256_cbc, NID_aes_256_cbc,
                                        PKCS12_DEFAULT_ITER, /*mac_iter=*/-1, /*keytype=*/0));
  if (!p12) return OpenSslInternalError("creating a PKCS#12");
  if (PKCS12_set_mac(p12.get(), password.c_str(), static_cast<int>(password.size()), nullptr, 0,
                     PKCS12_DEFAULT_ITER, EVP_sha256()) != 1) {
    return OpenSslInternalError("adding the PKCS#12 MAC");
  }
  return p12;
}

}  // namespace

StatusOr<std::string> BuildPkcs12(const CertificateInfo& leaf,
                                  const std::vector<CertificateInfo>& chain,
                                  std::optional<std::string_view> private_key_pkcs8_der,
                                  std::string_view password, std::string_view alias) {
  if (password.find('\0') != std::string_view::npos || password.size() > INT_MAX) {
    return InvalidArgumentError("PKCS#12 password must not contain NUL characters");
  }
  ORCH_ASSIGN_OR_RETURN(X509Ptr cert, CertificateFromInfo(leaf, "the leaf certificate"));
  ORCH_ASSIGN_OR_RETURN(internal::X509StackPtr stack, CertificateStack(chain));
  ORCH_ASSIGN_OR_RETURN(internal::PkeyPtr key, MatchingKey(*cert, private_key_pkcs8_der));
  std::string password_copy(password);  // OpenSSL wants a C string
  auto p12 = CreatePkcs12(password_copy, std::string(alias), key.get(), *cert, stack.get());
  Cleanse(password_copy);
  if (!p12.ok()) return p12.status();
  return internal::Pkcs12Der(**p12);
}

}  // namespace orch::pki
