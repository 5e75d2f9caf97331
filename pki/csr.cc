#include "pki/csr.h"

#include <climits>
#include <memory>
#include <string>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pki/openssl_util.h"

namespace orch::pki {
namespace {

using internal::X509ReqPtr;

constexpr int kMinRsaBits = 2048;

X509ReqPtr ParseCsrDer(std::string_view der) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = in + der.size();
  X509ReqPtr request(d2i_X509_REQ(nullptr, &in, static_cast<long>(der.size())));
  // Trailing bytes mean the input merely starts like a request.
  if (!request || in != end) {
    ERR_clear_error();
    return nullptr;
  }
  return request;
}

// The curve's group name ("prime256v1", "secp384r1", ...) or "" when it has none.
std::string CurveName(const EVP_PKEY& key) {
  char name[64] = {};
  size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(&key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name,
                                     &length) != 1) {
    ERR_clear_error();
    return "";
  }
  return std::string(name, length);
}

StatusOr<std::string> CheckEcKey(const EVP_PKEY& key) {
  const std::string curve = CurveName(key);
  if (curve == "prime256v1" || curve == "P-256") return std::string("EC-P-256");
  if (curve == "secp384r1" || curve == "P-384") return std::string("EC-P-384");
  if (curve == "secp521r1" || curve == "P-521") return std::string("EC-P-521");
  return InvalidArgumentError("CSR key is on EC curve " + (curve.empty() ? "(unnamed)" : curve) +
                              "; EC keys must be on P-256, P-384 or P-521");
}

// The key's type for messages, or the reason it is refused.
StatusOr<std::string> CheckKey(const EVP_PKEY& key) {
  if (EVP_PKEY_is_a(&key, "RSA") == 1) {
    const int bits = EVP_PKEY_get_bits(&key);
    const std::string type = "RSA-" + std::to_string(bits);
    if (bits < kMinRsaBits) {
      return InvalidArgumentError("CSR key is " + type + "; RSA keys need at least " +
                                  std::to_string(kMinRsaBits) + " bits");
    }
    return type;
  }
  if (EVP_PKEY_is_a(&key, "EC") == 1) return CheckEcKey(key);
  return InvalidArgumentError(std::string("CSR key type ") + EVP_PKEY_get0_type_name(&key) +
                              " is not accepted; use RSA (2048 bits or more) or EC (P-256, "
                              "P-384, P-521)");
}

}  // namespace

StatusOr<VerifiedCsr> VerifyCsr(std::string_view der) {
  if (der.empty()) return InvalidArgumentError("CSR is empty");
  if (der.size() > kMaxCsrBytes) {
    return InvalidArgumentError("CSR is " + std::to_string(der.size()) + " bytes; at most " +
                                std::to_string(kMaxCsrBytes) + " are accepted");
  }
  X509ReqPtr request = ParseCsrDer(der);
  if (!request) return InvalidArgumentError("CSR is not a DER-encoded PKCS#10 request");
  EVP_PKEY* key = X509_REQ_get0_pubkey(request.get());
  if (key == nullptr) {
    ERR_clear_error();
    return InvalidArgumentError("CSR public key cannot be read");
  }
  ORCH_ASSIGN_OR_RETURN(std::string key_type, CheckKey(*key));
  // 1 is a valid signature; 0 a wrong one and -1 one that cannot even be checked.
  if (X509_REQ_verify(request.get(), key) != 1) {
    ERR_clear_error();
    return InvalidArgumentError("CSR signature does not verify");
  }
  return VerifiedCsr{std::string(der), std::move(key_type)};
}

}  // namespace orch::pki
