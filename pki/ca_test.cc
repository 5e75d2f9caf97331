#include "pki/ca.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/fake_clock.h"
#include "pki/test_keys.h"
#include "tests/testing/status_matchers.h"

namespace orch::pki {
namespace {

using testing::GenerateTestKey;
using ::testing::HasSubstr;
using testing::MakeCsrDer;
using testing::TestKeyType;

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "orchd-ca-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

CaFiles FilesIn(const ScratchDir& dir) {
  return CaFiles{dir.File("ca.crt"), dir.File("ca.key"), true};
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
std::unique_ptr<X509, X509Free> Parse(const std::string& der) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  return std::unique_ptr<X509, X509Free>(d2i_X509(nullptr, &in, static_cast<long>(der.size())));
}

TEST(CertificateAuthorityTest, GeneratesOnFirstStartAndLoadsTheSameAfterwards) {
  // Given an empty directory, the CA is created with a 0600 key and loaded unchanged next time.
  ScratchDir dir;
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto created, CertificateAuthority::LoadOrCreate(FilesIn(dir), clock));
  EXPECT_TRUE(created->generated());
  EXPECT_EQ(Mode(dir.File("ca.key")), 0600u);
  EXPECT_THAT(created->certificate().issued_dn, HasSubstr("orchd agent CA"));
  ASSERT_OK_AND_ASSIGN(auto loaded, CertificateAuthority::LoadOrCreate(FilesIn(dir), clock));
  EXPECT_FALSE(loaded->generated());
  EXPECT_EQ(loaded->certificate().thumbprint, created->certificate().thumbprint);
  auto cert = Parse(loaded->certificate().der);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
}

TEST(CertificateAuthorityTest, RefusesHalfACaAMissingNamedCaAndAWorldReadableKey) {
  // Given a key without certificate, a named CA that does not exist and a 0644 key, each
  // start is refused with a message naming the file.
  ScratchDir dir;
  FakeClock clock;
  ASSERT_OK(CertificateAuthority::LoadOrCreate(FilesIn(dir), clock));
  std::filesystem::remove(dir.File("ca.crt"));
  auto half = CertificateAuthority::LoadOrCreate(FilesIn(dir), clock);
  ASSERT_FALSE(half.ok());
  EXPECT_THAT(half.status().message(), HasSubstr("does not"));
  ScratchDir other;
  CaFiles named{other.File("ca.crt"), other.File("ca.key"), false};
  EXPECT_EQ(CertificateAuthority::LoadOrCreate(named, clock).status().code(),
            StatusCode::kFailedPrecondition);
  ScratchDir third;
  ASSERT_OK(CertificateAuthority::LoadOrCreate(FilesIn(third), clock));
  ::chmod(third.File("ca.key").c_str(), 0644);
  auto exposed = CertificateAuthority::LoadOrCreate(FilesIn(third), clock);
  ASSERT_FALSE(exposed.ok());
  EXPECT_THAT(exposed.status().message(), HasSubstr("chmod"));
}

TEST(CertificateAuthorityTest, SignsAgentCertificateWithClientAuthBackdatedValidity) {
  // Given a P-256 CSR, the certificate has CN = ClientMachine, EKU clientAuth, notBefore
  // 5 minutes back, the configured validity, a 128-bit serial and verifies against the CA.
  ScratchDir dir;
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto ca, CertificateAuthority::LoadOrCreate(FilesIn(dir), clock));
  ASSERT_OK_AND_ASSIGN(VerifiedCsr csr,
                       VerifyCsr(MakeCsrDer(GenerateTestKey(TestKeyType::kEcP256), "ignored")));
  ASSERT_OK_AND_ASSIGN(CertificateInfo info,
                       ca->SignAgentCertificate(csr, "web01.example.com", std::chrono::days(30)));
  EXPECT_EQ(info.issued_dn, "CN=web01.example.com");
  EXPECT_EQ(info.issuer_dn, ca->certificate().issued_dn);
  EXPECT_EQ(info.not_before, clock.WallNow() - std::chrono::minutes(5));
  EXPECT_EQ(info.not_after, clock.WallNow() + std::chrono::days(30));
  EXPECT_EQ(info.serial_number.size(), 32u);
  EXPECT_EQ(info.thumbprint, testing::Sha1HexUpper(info.der));
  auto cert = Parse(info.der);
  EXPECT_NE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT, 0u);
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER, 0u);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_OK(ca->VerifyClientCertificate(info.der));
}

TEST(CertificateAuthorityTest, RsaCsrAndTooLongClientMachine) {
  // Given an RSA-2048 CSR the CA signs it; a 65-character ClientMachine cannot be a CN.
  ScratchDir dir;
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto ca, CertificateAuthority::LoadOrCreate(FilesIn(dir), clock));
  ASSERT_OK_AND_ASSIGN(VerifiedCsr csr,
                       VerifyCsr(MakeCsrDer(GenerateTestKey(TestKeyType::kRsa2048), "x")));
  EXPECT_OK(ca->SignAgentCertificate(csr, "rsa-agent", std::chrono::days(1)));
  EXPECT_EQ(
      ca->SignAgentCertificate(csr, std::string(65, 'a'), std::chrono::days(1)).status().code(),
      StatusCode::kInvalidArgument);
}

TEST(CertificateAuthorityTest, VerifyClientCertificateRefusesExpiredAndForeign) {
  // Given a certificate past its notAfter and one from another CA, both are refused.
  ScratchDir dir, other_dir;
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto ca, CertificateAuthority::LoadOrCreate(FilesIn(dir), clock));
  ASSERT_OK_AND_ASSIGN(auto other, CertificateAuthority::LoadOrCreate(FilesIn(other_dir), clock));
  ASSERT_OK_AND_ASSIGN(VerifiedCsr csr,
                       VerifyCsr(MakeCsrDer(GenerateTestKey(TestKeyType::kEcP256), "x")));
  ASSERT_OK_AND_ASSIGN(CertificateInfo foreign,
                       other->SignAgentCertificate(csr, "a", std::chrono::days(1)));
  EXPECT_EQ(ca->VerifyClientCertificate(foreign.der).code(), StatusCode::kUnauthenticated);
  ASSERT_OK_AND_ASSIGN(CertificateInfo mine,
                       ca->SignAgentCertificate(csr, "a", std::chrono::days(1)));
  clock.Advance(std::chrono::days(2));
  EXPECT_EQ(ca->VerifyClientCertificate(mine.der).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(ca->VerifyClientCertificate("garbage").code(), StatusCode::kUnauthenticated);
}

TEST(CertificateAuthorityTest, IssuesServerCertificateForDnsAndIpNames) {
  // Given names "localhost" and "127.0.0.1", the server certificate carries both as SANs,
  // EKU serverAuth, and a chain ending in the CA.
  ScratchDir dir;
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto ca, CertificateAuthority::LoadOrCreate(FilesIn(dir), clock));
  ASSERT_OK_AND_ASSIGN(
      ServerCredential credential,
      ca->IssueServerCertificate({"localhost", "127.0.0.1"}, std::chrono::days(1)));
  EXPECT_THAT(credential.key_pem, HasSubstr("BEGIN PRIVATE KEY"));
  EXPECT_THAT(credential.cert_chain_pem, HasSubstr(ca->CertificatePem()));
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported,
                       ImportCertificate(credential.cert_chain_pem + credential.key_pem, ""));
  auto cert = Parse(imported.leaf.der);
  EXPECT_NE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER, 0u);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
}

}  // namespace
}  // namespace orch::pki
