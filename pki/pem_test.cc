// PemEncode() and ReadPemCertificateFile(): the PEM text of certificate store files.
#include "pki/pem.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/test_certs.h"
#include "tests/testing/status_matchers.h"

namespace orch::pki {
namespace {

using testing::EcChain;
using ::testing::ElementsAre;
using testing::RsaChain;

TEST(PemEncodeTest, MatchesOpenSslOutput) {
  // Given a certificate and a key, the blocks equal what OpenSSL's PEM writer produced.
  const auto& leaf = RsaChain().leaf;
  EXPECT_EQ(PemEncode(leaf.cert_der, "CERTIFICATE"), leaf.cert_pem);
  EXPECT_EQ(PemEncode(leaf.key_pkcs8_der, "PRIVATE KEY"), leaf.key_pkcs8_pem);
  EXPECT_EQ(PemEncode(EcChain().leaf.cert_der, "CERTIFICATE"), EcChain().leaf.cert_pem);
}

TEST(ReadPemCertificateFileTest, ReadsCertificatesAndCountsKeys) {
  // Given a leaf, its key and its issuer with text around them, every certificate is read
  // in order and the key is counted without being decoded.
  const auto& c = EcChain();
  std::string text = "# web server\n" + c.leaf.cert_pem + c.issuing.cert_pem +
                     c.leaf.key_encrypted_pkcs8_pem + "trailing words\n";
  ASSERT_OK_AND_ASSIGN(PemFileContents contents, ReadPemCertificateFile(text));
  EXPECT_THAT(contents.certificate_ders, ElementsAre(c.leaf.cert_der, c.issuing.cert_der));
  EXPECT_EQ(contents.private_key_blocks, 1u);
}

TEST(ReadPemCertificateFileTest, BlankTextHoldsNothing) {
  // Given an empty or whitespace-only file, it holds no certificates and is not an error.
  for (const char* text : {"", " \n\t\r\n"}) {
    ASSERT_OK_AND_ASSIGN(PemFileContents contents, ReadPemCertificateFile(text));
    EXPECT_TRUE(contents.certificate_ders.empty());
    EXPECT_EQ(contents.private_key_blocks, 0u);
  }
}

TEST(ReadPemCertificateFileTest, RefusesTextThatIsNotCertificates) {
  // Given text without certificates, a damaged block or a truncated one, reading fails.
  const auto& leaf = RsaChain().leaf;
  std::string damaged = leaf.cert_pem;
  damaged[damaged.size() / 2] = '*';
  std::string truncated = leaf.cert_pem.substr(0, leaf.cert_pem.size() - 30);
  for (const std::string& text :
       {std::string("not a certificate\n"), damaged, truncated, leaf.key_pkcs8_pem,
        std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}) {
    auto contents = ReadPemCertificateFile(text);
    EXPECT_EQ(contents.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace orch::pki
