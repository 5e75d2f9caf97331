#include "pki/certificate.h"

#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/test_certs.h"
#include "tests/testing/status_matchers.h"

namespace orch::pki {
namespace {

using testing::EcChain;
using ::testing::HasSubstr;
using testing::RsaChain;
using testing::TestChain;

// The DER of every certificate in `certs`, for comparing chains.
std::vector<std::string> Ders(const std::vector<CertificateInfo>& certs) {
  std::vector<std::string> ders;
  ders.reserve(certs.size());
  for (const CertificateInfo& c : certs) ders.push_back(c.der);
  return ders;
}

void ExpectInvalidArgument(const StatusOr<ImportedCertificate>& result, std::string_view text) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr(std::string(text)));
}

TEST(ImportCertificateTest, PemChainInAnyOrderPicksLeafAndOrdersIssuers) {
  // Given a PEM with issuing CA, root and leaf in that order and no key, the leaf is found
  // and the chain runs leaf → root.
  const TestChain& c = EcChain();
  std::string pem = c.issuing.cert_pem + c.root.cert_pem + c.leaf.cert_pem;
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported, ImportCertificate(pem, ""));
  EXPECT_EQ(imported.leaf.der, c.leaf.cert_der);
  EXPECT_EQ(Ders(imported.chain), (std::vector<std::string>{c.issuing.cert_der, c.root.cert_der}));
  EXPECT_FALSE(imported.HasPrivateKey());
}

TEST(CertificateThumbprintTest, IsTheDescribedThumbprintWithoutParsing) {
  // Given canonical DER certificates of both key types, the thumbprint computed from the bytes
  // alone is the one a full description gives, and SHA-1 computed independently.
  for (const TestChain* c : {&EcChain(), &RsaChain()}) {
    const std::string& der = c->leaf.cert_der;
    ASSERT_OK_AND_ASSIGN(CertificateInfo described, DescribeCertificate(der));
    EXPECT_EQ(CertificateThumbprint(der), described.thumbprint);
    EXPECT_EQ(CertificateThumbprint(der), testing::IndependentThumbprint(der));
  }
}

TEST(ImportCertificateTest, DescribesTheLeaf) {
  // Given a PEM leaf, its thumbprint, serial, names and validity are reported as the API
  // shows them; the thumbprint is SHA-1 of the DER computed independently.
  const TestChain& c = EcChain();
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported, ImportCertificate(c.leaf.cert_pem, ""));
  const CertificateInfo& leaf = imported.leaf;
  EXPECT_EQ(leaf.thumbprint, testing::IndependentThumbprint(c.leaf.cert_der));
  EXPECT_EQ(leaf.thumbprint.size(), 40u);
  EXPECT_EQ(leaf.serial_number, testing::kLeafSerial);
  EXPECT_EQ(leaf.issued_dn, testing::kLeafDn);
  EXPECT_EQ(leaf.issuer_dn, testing::kIssuingDn);
  EXPECT_EQ(leaf.not_before, testing::LeafNotBefore());
  EXPECT_EQ(leaf.not_after, testing::LeafNotAfter());
}

TEST(ImportCertificateTest, ClampsNotAfterInYear9999) {
  // Given a root valid until 9999-12-31, its notAfter is clamped to WallTime's last second.
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported,
                       ImportCertificate(EcChain().root.cert_der, ""));
  EXPECT_EQ(imported.leaf.not_after, std::chrono::floor<std::chrono::seconds>(WallTime::max()));
  EXPECT_EQ(imported.leaf.issued_dn, testing::kRootDn);
  EXPECT_EQ(imported.leaf.issuer_dn, testing::kRootDn);
  EXPECT_TRUE(imported.chain.empty());
}

TEST(ImportCertificateTest, DerImportsOneCertificate) {
  // Given a DER leaf, it imports with no chain and no key and the same facts as from PEM.
  const TestChain& c = EcChain();
  ASSERT_OK_AND_ASSIGN(ImportedCertificate from_der, ImportCertificate(c.leaf.cert_der, ""));
  ASSERT_OK_AND_ASSIGN(ImportedCertificate from_pem, ImportCertificate(c.leaf.cert_pem, ""));
  EXPECT_EQ(from_der.leaf.der, c.leaf.cert_der);
  EXPECT_EQ(from_der.leaf.thumbprint, from_pem.leaf.thumbprint);
  EXPECT_EQ(from_der.leaf.issued_dn, testing::kLeafDn);
  EXPECT_TRUE(from_der.chain.empty());
  EXPECT_FALSE(from_der.HasPrivateKey());
}

TEST(ImportCertificateTest, PemWithPkcs8KeyFirstKeepsTheKey) {
  // Given a PEM with the PKCS#8 key before the certificates, the key is kept and matches.
  const TestChain& c = EcChain();
  std::string pem = c.leaf.key_pkcs8_pem + c.root.cert_pem + c.issuing.cert_pem + c.leaf.cert_pem;
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported, ImportCertificate(pem, ""));
  ASSERT_TRUE(imported.HasPrivateKey());
  EXPECT_EQ(imported.leaf.der, c.leaf.cert_der);
  EXPECT_TRUE(testing::KeyMatchesCert(*imported.private_key_pkcs8_der, c.leaf.cert_der));
  EXPECT_EQ(Ders(imported.chain), (std::vector<std::string>{c.issuing.cert_der, c.root.cert_der}));
}

TEST(ImportCertificateTest, KeyPicksTheLeafEvenWhenItIssuedAnother) {
  // Given the issuing CA's key with the whole chain, the issuing CA is the leaf.
  const TestChain& c = EcChain();
  std::string pem =
      c.leaf.cert_pem + c.issuing.cert_pem + c.root.cert_pem + c.issuing.key_pkcs8_pem;
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported, ImportCertificate(pem, ""));
  EXPECT_EQ(imported.leaf.der, c.issuing.cert_der);
  EXPECT_EQ(Ders(imported.chain), (std::vector<std::string>{c.root.cert_der, c.leaf.cert_der}));
}

TEST(ImportCertificateTest, PemWithTraditionalRsaAndEcKeys) {
  // Given "RSA PRIVATE KEY" and "EC PRIVATE KEY" blocks, both import as PKCS#8 keys.
  for (const TestChain* c : {&RsaChain(), &EcChain()}) {
    ASSERT_OK_AND_ASSIGN(ImportedCertificate imported,
                         ImportCertificate(c->leaf.cert_pem + c->leaf.key_traditional_pem, ""));
    ASSERT_TRUE(imported.HasPrivateKey());
    EXPECT_TRUE(testing::KeyMatchesCert(*imported.private_key_pkcs8_der, c->leaf.cert_der));
  }
}

TEST(ImportCertificateTest, PemWithEncryptedKeysUsesThePassword) {
  // Given PKCS#8 and legacy-encrypted PEM keys, the password decrypts them.
  const TestChain& c = RsaChain();
  for (const std::string* key :
       {&c.leaf.key_encrypted_pkcs8_pem, &c.leaf.key_encrypted_traditional_pem}) {
    ASSERT_OK_AND_ASSIGN(ImportedCertificate imported,
                         ImportCertificate(c.leaf.cert_pem + *key, testing::kPemKeyPassword));
    ASSERT_TRUE(imported.HasPrivateKey());
    EXPECT_EQ(*imported.private_key_pkcs8_der, c.leaf.key_pkcs8_der);
  }
}

TEST(ImportCertificateTest, PemWithEncryptedKeyAndWrongPasswordFails) {
  // Given an encrypted PEM key and the wrong password, the import fails as InvalidArgument.
  const TestChain& c = EcChain();
  ExpectInvalidArgument(ImportCertificate(c.leaf.cert_pem + c.leaf.key_encrypted_pkcs8_pem, "no"),
                        "wrong password");
  ExpectInvalidArgument(
      ImportCertificate(c.leaf.cert_pem + c.leaf.key_encrypted_traditional_pem, "no"),
      "wrong password");
}

TEST(ImportCertificateTest, PemWithMismatchedKeyFails) {
  // Given a leaf with another certificate's key, the import fails as InvalidArgument.
  const TestChain& c = EcChain();
  ExpectInvalidArgument(ImportCertificate(c.leaf.cert_pem + c.root.key_pkcs8_pem, ""),
                        "does not match");
  ExpectInvalidArgument(ImportCertificate(c.leaf.cert_pem + RsaChain().leaf.key_pkcs8_pem, ""),
                        "does not match");
}

TEST(ImportCertificateTest, PemWithTwoKeysFails) {
  // Given a PEM with two private keys, the import fails rather than guess.
  const TestChain& c = EcChain();
  ExpectInvalidArgument(
      ImportCertificate(c.leaf.cert_pem + c.leaf.key_pkcs8_pem + c.leaf.key_traditional_pem, ""),
      "more than one private key");
}

TEST(ImportCertificateTest, PemWithoutCertificateFails) {
  // Given a PEM holding only a private key, the import fails.
  ExpectInvalidArgument(ImportCertificate(EcChain().leaf.key_pkcs8_pem, ""),
                        "no CERTIFICATE block");
}

TEST(ImportCertificateTest, PemWithCorruptBlockFails) {
  // Given a CERTIFICATE block whose base64 body is broken, the import fails.
  ExpectInvalidArgument(
      ImportCertificate("-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n", ""),
      "PEM");
}

TEST(ImportCertificateTest, PemSkipsTextAndOtherBlocksAndDuplicates) {
  // Given "Bag Attributes" text, an unrelated block and a repeated certificate, only the
  // distinct certificates are imported.
  const TestChain& c = EcChain();
  std::string pem =
      "Bag Attributes\n    friendlyName: x\n" + c.leaf.cert_pem +
      "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
      c.issuing.cert_pem + c.leaf.cert_pem;
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported, ImportCertificate(pem, ""));
  EXPECT_EQ(imported.leaf.der, c.leaf.cert_der);
  EXPECT_EQ(Ders(imported.chain), std::vector<std::string>{c.issuing.cert_der});
}

TEST(ImportCertificateTest, UnrelatedCertificatesFollowTheChain) {
  // Given a leaf, its issuer and an unrelated root, the unrelated root comes last.
  const TestChain& c = EcChain();
  std::string pem = c.leaf.cert_pem + RsaChain().root.cert_pem + c.issuing.cert_pem;
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported, ImportCertificate(pem, ""));
  EXPECT_EQ(imported.leaf.der, c.leaf.cert_der);
  EXPECT_EQ(Ders(imported.chain),
            (std::vector<std::string>{c.issuing.cert_der, RsaChain().root.cert_der}));
}

TEST(ImportCertificateTest, Pkcs12WithKeyAndChain) {
  // Given a password-protected PKCS#12 with key and chain, all of it is imported.
  const TestChain& c = RsaChain();
  std::string p12 = testing::MakePkcs12(c.leaf, {&c.root, &c.issuing}, "p12-secret");
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported, ImportCertificate(p12, "p12-secret"));
  EXPECT_EQ(imported.leaf.der, c.leaf.cert_der);
  EXPECT_EQ(Ders(imported.chain), (std::vector<std::string>{c.issuing.cert_der, c.root.cert_der}));
  ASSERT_TRUE(imported.HasPrivateKey());
  EXPECT_TRUE(testing::KeyMatchesCert(*imported.private_key_pkcs8_der, c.leaf.cert_der));
}

TEST(ImportCertificateTest, Pkcs12WithEmptyPassword) {
  // Given a PKCS#12 protected by the empty password, an empty password opens it.
  const TestChain& c = EcChain();
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported,
                       ImportCertificate(testing::MakePkcs12(c.leaf, {}, ""), ""));
  EXPECT_EQ(imported.leaf.der, c.leaf.cert_der);
  EXPECT_TRUE(imported.HasPrivateKey());
}

TEST(ImportCertificateTest, Pkcs12WithWrongPasswordFails) {
  // Given a PKCS#12 and the wrong (or a missing) password, the import fails clearly.
  const TestChain& c = EcChain();
  std::string p12 = testing::MakePkcs12(c.leaf, {&c.issuing}, "right");
  ExpectInvalidArgument(ImportCertificate(p12, "wrong"), "wrong password or corrupt PKCS#12");
  ExpectInvalidArgument(ImportCertificate(p12, ""), "wrong password or corrupt PKCS#12");
}

TEST(ImportCertificateTest, LegacyPkcs12WithRc2Imports) {
  // Given a Windows-2016-style PKCS#12 (RC2-40 certificates, 3DES key, SHA-1 MAC), it imports.
  const TestChain& c = RsaChain();
  std::string p12 = testing::MakePkcs12(c.leaf, {&c.issuing}, "legacy", /*legacy=*/true);
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported, ImportCertificate(p12, "legacy"));
  EXPECT_EQ(imported.leaf.der, c.leaf.cert_der);
  EXPECT_EQ(Ders(imported.chain), std::vector<std::string>{c.issuing.cert_der});
  EXPECT_EQ(*imported.private_key_pkcs8_der, c.leaf.key_pkcs8_der);
}

TEST(ImportCertificateTest, GarbageFails) {
  // Given bytes that are no certificate format, the import fails with the format message.
  for (const std::string& garbage :
       {std::string("hello world"), std::string(100, '\x30'), EcChain().leaf.cert_der + "x",
        EcChain().leaf.cert_der.substr(1)}) {
    ExpectInvalidArgument(ImportCertificate(garbage, ""), "not a PEM, DER or PKCS#12 certificate");
  }
}

TEST(ImportCertificateTest, EmptyAndOversizedInputFail) {
  // Given no bytes, or one byte over 1 MiB, the import fails before any parsing.
  ExpectInvalidArgument(ImportCertificate("", ""), "empty");
  std::string big = EcChain().leaf.cert_pem + std::string(kMaxImportBytes, '\n');
  ExpectInvalidArgument(ImportCertificate(big, ""), "1 MiB");
}

TEST(ImportCertificateTest, TooManyCertificatesFail) {
  // Given a PEM with 101 certificates, the import fails before ordering them.
  std::string pem;
  for (int i = 0; i < 101; ++i) pem += EcChain().leaf.cert_pem;
  ExpectInvalidArgument(ImportCertificate(pem, ""), "the limit is 100");
}

TEST(ImportCertificateTest, PasswordWithNulFails) {
  // Given a password with an embedded NUL, which OpenSSL would truncate, the import fails.
  ExpectInvalidArgument(ImportCertificate(EcChain().leaf.cert_der, std::string("a\0b", 3)), "NUL");
}

TEST(ImportCertificateTest, Base64DecodedPemImports) {
  // Given a PEM chain as the API receives it (base64 of the file), decoding then importing works.
  const TestChain& c = EcChain();
  std::string wire = Base64Encode(c.leaf.cert_pem + c.issuing.cert_pem);
  ASSERT_OK_AND_ASSIGN(std::string bytes, Base64Decode(wire));
  ASSERT_OK_AND_ASSIGN(ImportedCertificate imported, ImportCertificate(bytes, ""));
  EXPECT_EQ(imported.leaf.thumbprint, testing::IndependentThumbprint(c.leaf.cert_der));
}

TEST(DescribeCertificateTest, DistinguishedNamesReadMostSpecificFirst) {
  // Given a subject with UTF-8, a comma inside a value, a multi-valued RDN and an email
  // address, the DN reads last-attribute-first with ", " and " + ", RFC 2253 escaping and
  // readable UTF-8.
  std::string der = testing::SelfSignedDer({{"C", "DE"},
                                            {"O", "Müller, Söhne GmbH"},
                                            {"OU", "Ops"},
                                            {"OU", "PKI", /*same_rdn=*/true},
                                            {"CN", "#host.example.de"},
                                            {"emailAddress", "pki@example.de"}});
  ASSERT_OK_AND_ASSIGN(CertificateInfo info, DescribeCertificate(der));
  EXPECT_EQ(info.issued_dn,
            "emailAddress=pki@example.de, CN=\\#host.example.de, OU=PKI + OU=Ops, "
            "O=Müller\\, Söhne GmbH, C=DE");
  EXPECT_EQ(info.issuer_dn, info.issued_dn);
  EXPECT_EQ(info.serial_number, "07");
}

TEST(DescribeCertificateTest, DescribesDerAndRejectsOtherBytes) {
  // Given a DER certificate it is described; given PEM text it is refused.
  ASSERT_OK_AND_ASSIGN(CertificateInfo info, DescribeCertificate(EcChain().issuing.cert_der));
  EXPECT_EQ(info.issued_dn, testing::kIssuingDn);
  EXPECT_EQ(info.serial_number, "02");
  EXPECT_FALSE(DescribeCertificate(EcChain().issuing.cert_pem).ok());
}

}  // namespace
}  // namespace orch::pki
