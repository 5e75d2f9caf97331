#include "pki/agent_key.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "common/fake_clock.h"
#include "common/guid.h"
#include "pki/ca.h"
#include "pki/csr.h"
#include "pki/test_keys.h"
#include "tests/testing/status_matchers.h"

namespace orch::pki {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct ReqFree {
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
};

// The request's subject CN and signature algorithm, read back with OpenSSL alone.
struct ParsedCsr {
  std::string common_name;
  int signature_nid = NID_undef;
};

ParsedCsr ParseCsr(const std::string& der) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509_REQ, ReqFree> request(
      d2i_X509_REQ(nullptr, &in, static_cast<long>(der.size())));
  ParsedCsr parsed;
  if (!request) return parsed;
  char cn[128] = {};
  const int length = X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(request.get()),
                                               NID_commonName, cn, sizeof cn);
  if (length > 0) parsed.common_name.assign(cn, static_cast<size_t>(length));
  parsed.signature_nid = X509_REQ_get_signature_nid(request.get());
  return parsed;
}

std::string NewKeyPem() {
  StatusOr<AgentKey> key = NewAgentKey();
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() ? key->private_key_pem : std::string();
}

// An internal CA in a directory of its own, removed afterwards.
class AgentEnrollmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("orchd-agent-key-" + NewGuid());
    std::filesystem::create_directory(dir_);
    const CaFiles files{(dir_ / "ca.crt").string(), (dir_ / "ca.key").string(), true};
    ASSERT_OK_AND_ASSIGN(ca_, CertificateAuthority::LoadOrCreate(files, clock_));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The certificate the CA issues for a CSR made from `key_pem`.
  StatusOr<CertificateInfo> Enroll(const std::string& key_pem) {
    ORCH_ASSIGN_OR_RETURN(std::string der, MakeCsr(key_pem, "web01.example.com"));
    ORCH_ASSIGN_OR_RETURN(VerifiedCsr csr, VerifyCsr(der));
    return ca_->SignAgentCertificate(csr, "web01.example.com", std::chrono::days(30));
  }

  FakeClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<CertificateAuthority> ca_;
};

TEST(NewAgentKeyTest, MakesADifferentPkcs8P256KeyEachTime) {
  // Given two new keys, both are PKCS#8 PEM, they differ, and each enrolls as EC-P-256.
  const std::string first = NewKeyPem();
  const std::string second = NewKeyPem();
  EXPECT_THAT(first, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_THAT(second, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_NE(first, second);
  for (const std::string& pem : {first, second}) {
    ASSERT_OK_AND_ASSIGN(std::string der, MakeCsr(pem, "agent01"));
    ASSERT_OK_AND_ASSIGN(VerifiedCsr csr, VerifyCsr(der));
    EXPECT_EQ(csr.key_type, "EC-P-256");
  }
}

TEST(MakeCsrTest, VerifiesAndCarriesTheCommonNameAndSha256) {
  // Given a new key and a UTF-8 CN, the request verifies and names the CN, signed with SHA-256.
  ASSERT_OK_AND_ASSIGN(std::string der, MakeCsr(NewKeyPem(), "hôte-01.example.com"));
  ASSERT_OK_AND_ASSIGN(VerifiedCsr csr, VerifyCsr(der));
  EXPECT_EQ(csr.der, der);
  const ParsedCsr parsed = ParseCsr(der);
  EXPECT_EQ(parsed.common_name, "hôte-01.example.com");
  EXPECT_EQ(parsed.signature_nid, NID_ecdsa_with_SHA256);
}

TEST(MakeCsrTest, SignsRsaKeysWithSha256Too) {
  // Given an RSA-2048 test key, the request verifies and is signed sha256WithRSAEncryption.
  const testing::TestKey key = testing::GenerateTestKey(testing::TestKeyType::kRsa2048);
  ASSERT_OK_AND_ASSIGN(std::string der, MakeCsr(key.pkcs8_pem, "rsa-agent"));
  ASSERT_OK_AND_ASSIGN(VerifiedCsr csr, VerifyCsr(der));
  EXPECT_EQ(csr.key_type, "RSA-2048");
  EXPECT_EQ(ParseCsr(der).signature_nid, NID_sha256WithRSAEncryption);
}

TEST(MakeCsrTest, MalformedKeyPemAndBadCommonNameAreInvalidArgument) {
  // Given garbage, a truncated key, a certificate instead of a key, and CNs of 0 and 65
  // characters, each is refused as InvalidArgument.
  const std::string pem = NewKeyPem();
  for (const std::string& bad :
       {std::string(), std::string("not a key"), pem.substr(0, pem.size() / 2),
        testing::DerToPem("\x30\x03\x02\x01\x01", "CERTIFICATE")}) {
    EXPECT_EQ(MakeCsr(bad, "agent01").status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(MakeCsr(pem, "").status().code(), StatusCode::kInvalidArgument);
  StatusOr<std::string> too_long = MakeCsr(pem, std::string(65, 'a'));
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(too_long.status().message(), HasSubstr("1 to 64 characters"));
  EXPECT_OK(MakeCsr(pem, std::string(64, 'a')));
}

TEST_F(AgentEnrollmentTest, CaSignsTheCsrAndTheCertificateMatchesTheKey) {
  // Given a new key enrolled with the internal CA, the certificate matches that key, as DER
  // and as PEM.
  const std::string key = NewKeyPem();
  ASSERT_OK_AND_ASSIGN(CertificateInfo cert, Enroll(key));
  EXPECT_EQ(cert.issued_dn, "CN=web01.example.com");
  EXPECT_TRUE(KeyMatchesCertificate(key, cert.der));
  EXPECT_TRUE(KeyMatchesCertificate(key, testing::DerToPem(cert.der, "CERTIFICATE")));
  EXPECT_OK(ca_->VerifyClientCertificate(cert.der));
}

TEST_F(AgentEnrollmentTest, WrongOrUnreadableKeyOrCertificateDoesNotMatch) {
  // Given another agent's key, an unreadable key and an unreadable certificate, none match.
  const std::string key = NewKeyPem();
  ASSERT_OK_AND_ASSIGN(CertificateInfo cert, Enroll(key));
  EXPECT_FALSE(KeyMatchesCertificate(NewKeyPem(), cert.der));
  EXPECT_FALSE(KeyMatchesCertificate("not a key", cert.der));
  EXPECT_FALSE(KeyMatchesCertificate(key, "not a certificate"));
  EXPECT_FALSE(KeyMatchesCertificate(key, cert.der + "x"));
}

TEST_F(AgentEnrollmentTest, ReadsTheLifetimeFromDerAndPem) {
  // Given a 30-day certificate issued now, both encodings give the backdated notBefore, the
  // notAfter and the thumbprint.
  ASSERT_OK_AND_ASSIGN(CertificateInfo cert, Enroll(NewKeyPem()));
  const std::string pem = testing::DerToPem(cert.der, "CERTIFICATE");
  for (const std::string& input : {cert.der, pem, pem + NewKeyPem()}) {
    ASSERT_OK_AND_ASSIGN(CertificateLifetime lifetime, ReadCertificateLifetime(input));
    EXPECT_EQ(lifetime.not_before, clock_.WallNow() - kNotBeforeBackdate);
    EXPECT_EQ(lifetime.not_after, clock_.WallNow() + std::chrono::days(30));
    EXPECT_EQ(lifetime.thumbprint, testing::Sha1HexUpper(cert.der));
  }
}

TEST(ReadCertificateLifetimeTest, RefusesWhatIsNotACertificate) {
  // Given empty input, garbage, DER that is not a certificate and PEM without one, each
  // is InvalidArgument.
  for (const std::string& bad :
       {std::string(), std::string("garbage"), std::string("\x30\x03\x02\x01\x01"), NewKeyPem()}) {
    EXPECT_EQ(ReadCertificateLifetime(bad).status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace orch::pki
