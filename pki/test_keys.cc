#include "pki/test_keys.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "pki/agent_key.h"

namespace orch::pki::testing {
namespace {

#define TEST_KEYS_CHECK(cond)                                                               \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: test material: %s failed\n", __FILE__, __LINE__, #cond); \
      ERR_print_errors_fp(stderr);                                                          \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

EVP_PKEY* Generate(TestKeyType type) {
  switch (type) {
    case TestKeyType::kEcP256: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    case TestKeyType::kEcP384: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    case TestKeyType::kEcP521: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
    case TestKeyType::kEcSecp256k1: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1");
    case TestKeyType::kRsa1024: return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
    case TestKeyType::kRsa2048: return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  }
  return nullptr;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  TEST_KEYS_CHECK(length > 0);
  return std::string(data, static_cast<size_t>(length));
}

}  // namespace

TestKey GenerateTestKey(TestKeyType type) {
  PkeyPtr key(Generate(type));
  TEST_KEYS_CHECK(key != nullptr);
  TestKey out;
  std::unique_ptr<BIO, BioFree> pem(BIO_new(BIO_s_mem()));
  TEST_KEYS_CHECK(
      PEM_write_bio_PrivateKey(pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  out.pkcs8_pem = BioText(pem.get());
  std::unique_ptr<BIO, BioFree> der(BIO_new(BIO_s_mem()));
  TEST_KEYS_CHECK(i2d_PKCS8PrivateKeyInfo_bio(der.get(), key.get()) == 1);
  out.pkcs8_der = BioText(der.get());
  return out;
}

std::string MakeCsrDer(const TestKey& key, std::string_view common_name) {
  StatusOr<std::string> der = MakeCsr(key.pkcs8_pem, common_name);
  if (!der.ok()) {
    std::fprintf(stderr, "test material: MakeCsr: %s\n", der.status().ToString().c_str());
    std::abort();
  }
  return std::move(*der);
}

std::string CorruptCsrSignature(std::string csr_der) {
  // The signature BIT STRING ends the request; its last byte is signature content.
  csr_der.back() = static_cast<char>(csr_der.back() ^ 0x01);
  return csr_der;
}

std::string DerToPem(std::string_view der, std::string_view label) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  TEST_KEYS_CHECK(PEM_write_bio(bio.get(), std::string(label).c_str(), "",
                                reinterpret_cast<const unsigned char*>(der.data()),
                                static_cast<long>(der.size())) > 0);
  return BioText(bio.get());
}

std::string Sha1HexUpper(std::string_view der) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(der.data()), der.size(), digest);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace orch::pki::testing
