#include "pki/test_certs.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

#include "pki/openssl_util.h"
#include "pki/test_rsa_keys.h"

namespace orch::pki::testing {
namespace {

using internal::BioPtr;
using internal::Pkcs12Ptr;
using internal::PkeyPtr;
using internal::X509Ptr;
using internal::X509StackPtr;

// Test material either builds or the test binary cannot do anything useful.
#define TEST_CERTS_CHECK(cond)                                                              \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: test material: %s failed\n", __FILE__, __LINE__, #cond); \
      ERR_print_errors_fp(stderr);                                                          \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

constexpr std::time_t kLeafNotBefore = 1704164645;  // 2024-01-02T03:04:05Z
constexpr std::time_t kLeafNotAfter = 2019783845;   // 2034-01-02T03:04:05Z

enum class KeyType { kEc, kRsa };

PkeyPtr GenerateKey(KeyType type) {
  PkeyPtr key(type == KeyType::kEc ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                   : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  TEST_CERTS_CHECK(key != nullptr);
  return key;
}

// Builds "C=US, O=Example Org[, OU=...], CN=..." in the conventional root-first order.
void SetName(X509_NAME* name, const char* cn, const char* ou) {
  auto add = [&](const char* field, const char* value) {
    TEST_CERTS_CHECK(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                                reinterpret_cast<const unsigned char*>(value), -1,
                                                -1, 0) == 1);
  };
  add("C", "US");
  add("O", "Example Org");
  if (ou != nullptr) add("OU", ou);
  add("CN", cn);
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  TEST_CERTS_CHECK(ext != nullptr);
  TEST_CERTS_CHECK(X509_add_ext(cert, ext, -1) == 1);
  X509_EXTENSION_free(ext);
}

struct CertSpec {
  const char* cn;
  const char* ou;
  long serial;
  std::time_t not_before;
  const char* not_after;  // ASN.1 GeneralizedTime text
  bool is_ca;
};

X509Ptr MakeCert(const CertSpec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  TEST_CERTS_CHECK(cert && X509_set_version(cert.get(), X509_VERSION_3) == 1);
  TEST_CERTS_CHECK(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), spec.serial) == 1);
  SetName(X509_get_subject_name(cert.get()), spec.cn, spec.ou);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  TEST_CERTS_CHECK(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1);
  TEST_CERTS_CHECK(ASN1_TIME_set(X509_getm_notBefore(cert.get()), spec.not_before) != nullptr);
  TEST_CERTS_CHECK(ASN1_TIME_set_string_X509(X509_getm_notAfter(cert.get()), spec.not_after) == 1);
  TEST_CERTS_CHECK(X509_set_pubkey(cert.get(), key) == 1);
  AddExtension(cert.get(), signer, NID_basic_constraints,
               spec.is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  TEST_CERTS_CHECK(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) >
                   0);
  return cert;
}

std::string DrainBio(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  TEST_CERTS_CHECK(length > 0);
  return std::string(data, static_cast<size_t>(length));
}

BioPtr NewMemBio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  TEST_CERTS_CHECK(bio != nullptr);
  return bio;
}

std::string CertDer(X509* cert) {
  unsigned char* buffer = nullptr;
  int length = i2d_X509(cert, &buffer);
  TEST_CERTS_CHECK(length > 0);
  std::string der(reinterpret_cast<char*>(buffer), static_cast<size_t>(length));
  OPENSSL_free(buffer);
  return der;
}

std::string CertPem(X509* cert) {
  BioPtr bio = NewMemBio();
  TEST_CERTS_CHECK(PEM_write_bio_X509(bio.get(), cert) == 1);
  return DrainBio(bio.get());
}

std::string KeyPkcs8Der(EVP_PKEY* key) {
  BioPtr bio = NewMemBio();
  TEST_CERTS_CHECK(i2d_PKCS8PrivateKey_bio(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) ==
                   1);
  return DrainBio(bio.get());
}

std::string KeyPem(EVP_PKEY* key, bool traditional, const EVP_CIPHER* cipher) {
  BioPtr bio = NewMemBio();
  auto* password = reinterpret_cast<unsigned char*>(const_cast<char*>(kPemKeyPassword.data()));
  int password_length = cipher != nullptr ? static_cast<int>(kPemKeyPassword.size()) : 0;
  int ok = traditional
               ? PEM_write_bio_PrivateKey_traditional(bio.get(), key, cipher,
                                                      cipher ? password : nullptr, password_length,
                                                      nullptr, nullptr)
               : PEM_write_bio_PKCS8PrivateKey(bio.get(), key, cipher,
                                               cipher ? reinterpret_cast<char*>(password) : nullptr,
                                               password_length, nullptr, nullptr);
  TEST_CERTS_CHECK(ok == 1);
  return DrainBio(bio.get());
}

TestCredential Describe(X509* cert, EVP_PKEY* key) {
  TestCredential out;
  out.cert_der = CertDer(cert);
  out.cert_pem = CertPem(cert);
  out.key_pkcs8_der = KeyPkcs8Der(key);
  out.key_pkcs8_pem = KeyPem(key, /*traditional=*/false, nullptr);
  out.key_traditional_pem = KeyPem(key, /*traditional=*/true, nullptr);
  out.key_encrypted_pkcs8_pem = KeyPem(key, /*traditional=*/false, EVP_aes_256_cbc());
  out.key_encrypted_traditional_pem = KeyPem(key, /*traditional=*/true, EVP_aes_128_cbc());
  return out;
}

// The chain's RSA keys are fixed (pki/test_rsa_keys.h); its EC keys are generated, which is fast.
PkeyPtr ChainKey(KeyType type, int index) {
  if (type == KeyType::kEc) return GenerateKey(type);
  const char* pem = kFixedRsaKeysPem[index];
  BioPtr bio(BIO_new_mem_buf(pem, -1));
  TEST_CERTS_CHECK(bio != nullptr);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  TEST_CERTS_CHECK(key != nullptr);
  return key;
}

TestChain MakeChain(KeyType type) {
  PkeyPtr root_key = ChainKey(type, 0);
  PkeyPtr issuing_key = ChainKey(type, 1);
  PkeyPtr leaf_key = ChainKey(type, 2);
  X509Ptr root = MakeCert({"Test Root CA", nullptr, 1, kLeafNotBefore, "99991231235959Z", true},
                          root_key.get(), nullptr, nullptr);
  X509Ptr issuing =
      MakeCert({"Test Issuing CA", nullptr, 2, kLeafNotBefore, "20390101000000Z", true},
               issuing_key.get(), root.get(), root_key.get());
  X509Ptr leaf = MakeCert(
      {"leaf.example.com", "Web", 0x0A1B2C3D4E5F, kLeafNotBefore, "20340102030405Z", false},
      leaf_key.get(), issuing.get(), issuing_key.get());
  return {Describe(root.get(), root_key.get()), Describe(issuing.get(), issuing_key.get()),
          Describe(leaf.get(), leaf_key.get())};
}

X509Ptr ParseCert(std::string_view der) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &in, static_cast<long>(der.size())));
  TEST_CERTS_CHECK(cert != nullptr);
  return cert;
}

PkeyPtr ParseKey(std::string_view der) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  PkeyPtr key(d2i_AutoPrivateKey(nullptr, &in, static_cast<long>(der.size())));
  TEST_CERTS_CHECK(key != nullptr);
  return key;
}

// Windows-2016-style algorithms live in OpenSSL's legacy provider.
OSSL_LIB_CTX* LegacyLibCtx() {
  static OSSL_LIB_CTX* const kLibCtx = [] {
    OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
    TEST_CERTS_CHECK(c != nullptr);
    TEST_CERTS_CHECK(OSSL_PROVIDER_load(c, "default") != nullptr);
    TEST_CERTS_CHECK(OSSL_PROVIDER_load(c, "legacy") != nullptr);
    return c;
  }();
  return kLibCtx;
}

}  // namespace

WallTime LeafNotBefore() {
  return std::chrono::system_clock::from_time_t(kLeafNotBefore);
}
WallTime LeafNotAfter() {
  return std::chrono::system_clock::from_time_t(kLeafNotAfter);
}

const TestChain& EcChain() {
  static const TestChain kChain = MakeChain(KeyType::kEc);
  return kChain;
}

const TestChain& RsaChain() {
  static const TestChain kChain = MakeChain(KeyType::kRsa);
  return kChain;
}

std::string SelfSignedDer(const std::vector<NameEntry>& entries) {
  PkeyPtr key = GenerateKey(KeyType::kEc);
  X509Ptr cert(X509_new());
  TEST_CERTS_CHECK(cert && X509_set_version(cert.get(), X509_VERSION_3) == 1);
  TEST_CERTS_CHECK(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7) == 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const NameEntry& e : entries) {
    TEST_CERTS_CHECK(
        X509_NAME_add_entry_by_txt(name, e.field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(e.value.c_str()), -1, -1,
                                   e.same_rdn ? -1 : 0) == 1);
  }
  TEST_CERTS_CHECK(X509_set_issuer_name(cert.get(), name) == 1);
  TEST_CERTS_CHECK(ASN1_TIME_set(X509_getm_notBefore(cert.get()), kLeafNotBefore) != nullptr);
  TEST_CERTS_CHECK(ASN1_TIME_set(X509_getm_notAfter(cert.get()), kLeafNotAfter) != nullptr);
  TEST_CERTS_CHECK(X509_set_pubkey(cert.get(), key.get()) == 1);
  TEST_CERTS_CHECK(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
  return CertDer(cert.get());
}

std::string MakePkcs12(const TestCredential& leaf, const std::vector<const TestCredential*>& chain,
                       std::string_view password, bool legacy) {
  X509Ptr cert = ParseCert(leaf.cert_der);
  PkeyPtr key = ParseKey(leaf.key_pkcs8_der);
  X509StackPtr ca(sk_X509_new_null());
  TEST_CERTS_CHECK(ca != nullptr);
  for (const TestCredential* c : chain) {
    TEST_CERTS_CHECK(sk_X509_push(ca.get(), ParseCert(c->cert_der).release()) > 0);
  }
  std::string pass(password);
  Pkcs12Ptr p12(legacy ? PKCS12_create_ex(pass.c_str(), "legacy", key.get(), cert.get(), ca.get(),
                                          NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                                          NID_pbe_WithSHA1And40BitRC2_CBC, 2048, 2048, 0,
                                          LegacyLibCtx(), nullptr)
                       : PKCS12_create(pass.c_str(), "modern", key.get(), cert.get(), ca.get(),
                                       NID_aes_256_cbc, NID_aes_256_cbc, 2048, -1, 0));
  TEST_CERTS_CHECK(p12 != nullptr);
  if (!legacy) {
    TEST_CERTS_CHECK(PKCS12_set_mac(p12.get(), pass.c_str(), -1, nullptr, 0, 2048, EVP_sha256()) ==
                     1);
  }
  unsigned char* buffer = nullptr;
  int length = i2d_PKCS12(p12.get(), &buffer);
  TEST_CERTS_CHECK(length > 0);
  std::string der(reinterpret_cast<char*>(buffer), static_cast<size_t>(length));
  OPENSSL_free(buffer);
  return der;
}

std::string IndependentThumbprint(std::string_view der) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  TEST_CERTS_CHECK(EVP_Digest(der.data(), der.size(), digest, &length, EVP_sha1(), nullptr) == 1);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02X", digest[i]);
    hex += pair;
  }
  return hex;
}

bool KeyMatchesCert(std::string_view key_pkcs8_der, std::string_view cert_der) {
  X509Ptr cert = ParseCert(cert_der);
  PkeyPtr key = ParseKey(key_pkcs8_der);
  bool matches = X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  return matches;
}

}  // namespace orch::pki::testing
