#include "pki/openssl_util.h"

#include <climits>
#include <string>

#include <openssl/crypto.h>
#include <openssl/err.h>

namespace orch::pki::internal {

void FreeX509Stack(STACK_OF(X509) * stack) {
  sk_X509_pop_free(stack, X509_free);
}

std::string OpenSslErrorText(std::string_view what) {
  // The newest error is the most specific one; the rest of the queue is dropped so a later,
  // unrelated failure does not report it.
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  std::string text(what);
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  if (reason != nullptr) {
    text += ": ";
    text += reason;
  }
  return text;
}

Status OpenSslInternalError(std::string_view what) {
  return InternalError(OpenSslErrorText(what));
}

StatusOr<BioPtr> MemoryBio(std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return InvalidArgumentError("input too large");
  BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  if (!bio) return OpenSslInternalError("allocating a memory BIO");
  return bio;
}

StatusOr<std::string> CertificateDer(const X509& cert) {
  int length = i2d_X509(&cert, nullptr);
  if (length <= 0) return OpenSslInternalError("encoding a certificate");
  std::string der(static_cast<size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_X509(&cert, &out) != length) return OpenSslInternalError("encoding a certificate");
  return der;
}

X509Ptr ParseCertificateDer(std::string_view der) {
  if (der.empty() || der.size() > static_cast<size_t>(LONG_MAX)) return nullptr;
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = in + der.size();
  X509Ptr cert(d2i_X509(nullptr, &in, static_cast<long>(der.size())));
  // Trailing bytes mean the input is something else that merely starts like a certificate.
  if (!cert || in != end) {
    ERR_clear_error();
    return nullptr;
  }
  return cert;
}

StatusOr<std::string> PrivateKeyPkcs8Der(const EVP_PKEY& key) {
  Pkcs8Ptr info(EVP_PKEY2PKCS8(&key));
  if (!info) return OpenSslInternalError("converting a private key to PKCS#8");
  unsigned char* buffer = nullptr;
  int length = i2d_PKCS8_PRIV_KEY_INFO(info.get(), &buffer);
  if (length <= 0) return OpenSslInternalError("encoding a private key");
  std::string der(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
  // OpenSSL's own copy of the key bytes is wiped before it goes back to the heap.
  OPENSSL_clear_free(buffer, static_cast<size_t>(length));
  return der;
}

StatusOr<PkeyPtr> ParsePrivateKeyPkcs8Der(std::string_view der) {
  if (der.empty() || der.size() > static_cast<size_t>(LONG_MAX)) {
    return InvalidArgumentError("private key is empty or too large");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = in + der.size();
  Pkcs8Ptr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &in, static_cast<long>(der.size())));
  if (!info || in != end) {
    return InvalidArgumentError(OpenSslErrorText("private key is not PKCS#8 DER"));
  }
  PkeyPtr key(EVP_PKCS82PKEY(info.get()));
  if (!key) return InvalidArgumentError(OpenSslErrorText("unusable PKCS#8 private key"));
  return key;
}

bool KeyMatchesCertificate(const X509& cert, const EVP_PKEY& key) {
  bool matches = X509_check_private_key(&cert, &key) == 1;
  // A mismatch is an answer, not an error: keep it out of the queue.
  ERR_clear_error();
  return matches;
}

}  // namespace orch::pki::internal
