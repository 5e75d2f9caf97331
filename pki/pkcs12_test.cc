// BuildPkcs12(): the files handed to agents, checked by reading them back.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "pki/certificate.h"
#include "pki/test_certs.h"
#include "tests/testing/status_matchers.h"

namespace orch::pki {
namespace {

using testing::EcChain;
using ::testing::HasSubstr;
using testing::RsaChain;
using testing::TestChain;

// Imports the chain's leaf with key and issuers from PEM, as an operator's import would.
ImportedCertificate ImportFullChain(const TestChain& c) {
  auto imported = ImportCertificate(
      c.leaf.cert_pem + c.leaf.key_pkcs8_pem + c.issuing.cert_pem + c.root.cert_pem, "");
  EXPECT_OK(imported);
  return std::move(imported).value();
}

std::vector<std::string> Ders(const std::vector<CertificateInfo>& certs) {
  std::vector<std::string> ders;
  ders.reserve(certs.size());
  for (const CertificateInfo& c : certs) ders.push_back(c.der);
  return ders;
}

TEST(BuildPkcs12Test, RoundTripsThroughImportWithThePassword) {
  // Given an imported certificate with key and chain, the built PKCS#12 imports back to the
  // same leaf, chain and key with the password.
  ImportedCertificate original = ImportFullChain(RsaChain());
  ASSERT_OK_AND_ASSIGN(std::string p12,
                       BuildPkcs12(original.leaf, original.chain, *original.private_key_pkcs8_der,
                                   "agent-pfx-password", "www"));
  ASSERT_OK_AND_ASSIGN(ImportedCertificate back, ImportCertificate(p12, "agent-pfx-password"));
  EXPECT_EQ(back.leaf.der, original.leaf.der);
  EXPECT_EQ(Ders(back.chain), Ders(original.chain));
  ASSERT_TRUE(back.HasPrivateKey());
  EXPECT_EQ(*back.private_key_pkcs8_der, *original.private_key_pkcs8_der);
  EXPECT_FALSE(ImportCertificate(p12, "not-the-password").ok());
}

TEST(BuildPkcs12Test, WithoutKeyHoldsCertificatesOnly) {
  // Given no private key, the PKCS#12 holds the certificates and imports without a key.
  ImportedCertificate original = ImportFullChain(EcChain());
  ASSERT_OK_AND_ASSIGN(std::string p12,
                       BuildPkcs12(original.leaf, original.chain, std::nullopt, "pw", ""));
  ASSERT_OK_AND_ASSIGN(ImportedCertificate back, ImportCertificate(p12, "pw"));
  EXPECT_EQ(back.leaf.der, original.leaf.der);
  EXPECT_EQ(Ders(back.chain), Ders(original.chain));
  EXPECT_FALSE(back.HasPrivateKey());
}

TEST(BuildPkcs12Test, EmptyPasswordRoundTrips) {
  // Given the empty password, the PKCS#12 opens with the empty password.
  ImportedCertificate original = ImportFullChain(EcChain());
  ASSERT_OK_AND_ASSIGN(std::string p12,
                       BuildPkcs12(original.leaf, {}, *original.private_key_pkcs8_der, "", "a"));
  ASSERT_OK_AND_ASSIGN(ImportedCertificate back, ImportCertificate(p12, ""));
  EXPECT_TRUE(back.HasPrivateKey());
}

TEST(BuildPkcs12Test, UsesSha256MacAndSetsTheAlias) {
  // Given an alias, OpenSSL reads the file back with a SHA-256 MAC of 2048 iterations and the
  // alias as the leaf's friendly name.
  ImportedCertificate original = ImportFullChain(EcChain());
  ASSERT_OK_AND_ASSIGN(std::string der,
                       BuildPkcs12(original.leaf, original.chain, *original.private_key_pkcs8_der,
                                   "pw", "web-server"));
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  PKCS12* p12 = d2i_PKCS12(nullptr, &in, static_cast<long>(der.size()));
  ASSERT_NE(p12, nullptr);
  const ASN1_OBJECT* mac_oid = nullptr;
  const X509_ALGOR* mac_alg = nullptr;
  const ASN1_INTEGER* iterations = nullptr;
  PKCS12_get0_mac(nullptr, &mac_alg, nullptr, &iterations, p12);
  ASSERT_NE(mac_alg, nullptr);
  X509_ALGOR_get0(&mac_oid, nullptr, nullptr, mac_alg);
  EXPECT_EQ(OBJ_obj2nid(mac_oid), NID_sha256);
  EXPECT_EQ(ASN1_INTEGER_get(iterations), 2048);
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ASSERT_EQ(PKCS12_parse(p12, "pw", &key, &cert, nullptr), 1);
  int alias_length = 0;
  const unsigned char* alias = X509_alias_get0(cert, &alias_length);
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(alias), alias_length), "web-server");
  X509_free(cert);
  EVP_PKEY_free(key);
  PKCS12_free(p12);
}

TEST(BuildPkcs12Test, RejectsMismatchedKey) {
  // Given a key that is not the leaf's, building fails as InvalidArgument.
  ImportedCertificate original = ImportFullChain(EcChain());
  auto p12 = BuildPkcs12(original.leaf, {}, RsaChain().leaf.key_pkcs8_der, "pw", "");
  ASSERT_FALSE(p12.ok());
  EXPECT_EQ(p12.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p12.status().message(), HasSubstr("does not match"));
}

TEST(BuildPkcs12Test, RejectsBadInputs) {
  // Given a leaf that is not DER, a key that is not PKCS#8, or a NUL in the password,
  // building fails as InvalidArgument.
  ImportedCertificate original = ImportFullChain(EcChain());
  CertificateInfo broken = original.leaf;
  broken.der = "not der";
  EXPECT_EQ(BuildPkcs12(broken, {}, std::nullopt, "pw", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildPkcs12(original.leaf, {broken}, std::nullopt, "pw", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildPkcs12(original.leaf, {}, std::string_view("junk"), "pw", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      BuildPkcs12(original.leaf, {}, std::nullopt, std::string("a\0b", 3), "").status().code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orch::pki
