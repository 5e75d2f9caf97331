// ReadPkcs12Bags(), MakePkcs12EntryBags() and WritePkcs12Bags(): PKCS#12 stores of several
// entries, checked against ImportCertificate() and files OpenSSL wrote directly.
#include "pki/pkcs12_store.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/certificate.h"
#include "pki/hash.h"
#include "pki/test_certs.h"
#include "tests/testing/status_matchers.h"

namespace orch::pki {
namespace {

using testing::EcChain;
using ::testing::ElementsAre;
using testing::RsaChain;
using testing::TestChain;
using Kind = Pkcs12Bag::Kind;

CertificateInfo Info(const std::string& der) {
  auto info = DescribeCertificate(der);
  EXPECT_OK(info);
  return info.ok() ? *info : CertificateInfo{};
}

std::vector<Kind> Kinds(const std::vector<Pkcs12Bag>& bags) {
  std::vector<Kind> kinds;
  for (const Pkcs12Bag& bag : bags) kinds.push_back(bag.kind);
  return kinds;
}

std::vector<std::string> Ders(const std::vector<Pkcs12Bag>& bags) {
  std::vector<std::string> ders;
  for (const Pkcs12Bag& bag : bags) ders.push_back(bag.der);
  return ders;
}

std::vector<Pkcs12Bag> EntryBags(const TestChain& c, std::string_view alias,
                                 std::string_view password) {
  auto bags = MakePkcs12EntryBags(alias, Info(c.leaf.cert_der), {Info(c.issuing.cert_der)},
                                  c.leaf.key_pkcs8_der, password);
  EXPECT_OK(bags);
  return bags.ok() ? *bags : std::vector<Pkcs12Bag>{};
}

TEST(Pkcs12StoreTest, EntryBagsCarryAliasAndSharedKeyId) {
  // Given an entry with a key and one chain certificate, the leaf and key bags carry the
  // alias and the leaf's SHA-1 as localKeyId; the chain bag carries neither.
  const auto& c = RsaChain();
  std::vector<Pkcs12Bag> bags = EntryBags(c, "web", "store-pw");
  ASSERT_THAT(Kinds(bags), ElementsAre(Kind::kCertificate, Kind::kPrivateKey, Kind::kCertificate));
  EXPECT_EQ(bags[0].friendly_name, "web");
  EXPECT_EQ(bags[1].friendly_name, "web");
  EXPECT_EQ(bags[0].local_key_id, Sha1(c.leaf.cert_der));
  EXPECT_EQ(bags[1].local_key_id, bags[0].local_key_id);
  EXPECT_EQ(bags[0].certificate_der, c.leaf.cert_der);
  EXPECT_EQ(bags[2].certificate_der, c.issuing.cert_der);
  EXPECT_TRUE(bags[2].friendly_name.empty());
  EXPECT_TRUE(bags[2].local_key_id.empty());
}

TEST(Pkcs12StoreTest, WrittenFileImportsWithKeyAndChain) {
  // Given one entry written under a password, ImportCertificate reads back leaf, key, chain.
  const auto& c = EcChain();
  ASSERT_OK_AND_ASSIGN(std::string p12, WritePkcs12Bags(EntryBags(c, "api", "pw"), "pw"));
  ASSERT_OK_AND_ASSIGN(ImportedCertificate back, ImportCertificate(p12, "pw"));
  EXPECT_EQ(back.leaf.der, c.leaf.cert_der);
  ASSERT_TRUE(back.HasPrivateKey());
  EXPECT_EQ(*back.private_key_pkcs8_der, c.leaf.key_pkcs8_der);
  ASSERT_EQ(back.chain.size(), 1u);
  EXPECT_EQ(back.chain[0].der, c.issuing.cert_der);
}

TEST(Pkcs12StoreTest, ReadWriteReadKeepsEveryBag) {
  // Given two entries written and read back, writing them again keeps every bag's DER.
  std::vector<Pkcs12Bag> bags = EntryBags(RsaChain(), "first", "pw");
  std::vector<Pkcs12Bag> second = EntryBags(EcChain(), "second", "pw");
  bags.insert(bags.end(), second.begin(), second.end());
  ASSERT_OK_AND_ASSIGN(std::string p12, WritePkcs12Bags(bags, "pw"));
  ASSERT_OK_AND_ASSIGN(std::vector<Pkcs12Bag> read, ReadPkcs12Bags(p12, "pw"));
  ASSERT_OK_AND_ASSIGN(std::string again, WritePkcs12Bags(read, "pw"));
  ASSERT_OK_AND_ASSIGN(std::vector<Pkcs12Bag> reread, ReadPkcs12Bags(again, "pw"));
  EXPECT_EQ(Ders(reread), Ders(read));
  // Shrouded keys go in their own SafeContents after the certificates.
  EXPECT_THAT(Kinds(read), ElementsAre(Kind::kCertificate, Kind::kCertificate, Kind::kCertificate,
                                       Kind::kCertificate, Kind::kPrivateKey, Kind::kPrivateKey));
}

TEST(Pkcs12StoreTest, ReadsFilesOpenSslWrote) {
  // Given PKCS#12 files written by OpenSSL directly, modern and legacy, their bags are read.
  const auto& c = RsaChain();
  for (bool legacy : {false, true}) {
    std::string p12 = testing::MakePkcs12(c.leaf, {&c.issuing, &c.root}, "secret", legacy);
    ASSERT_OK_AND_ASSIGN(std::vector<Pkcs12Bag> bags, ReadPkcs12Bags(p12, "secret"));
    ASSERT_EQ(bags.size(), 4u);
    const Pkcs12Bag* leaf = nullptr;
    const Pkcs12Bag* key = nullptr;
    for (const Pkcs12Bag& bag : bags) {
      if (bag.kind == Kind::kPrivateKey) key = &bag;
      if (bag.certificate_der == c.leaf.cert_der) leaf = &bag;
    }
    ASSERT_NE(leaf, nullptr);
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(leaf->friendly_name, legacy ? "legacy" : "modern");
    EXPECT_EQ(key->local_key_id, leaf->local_key_id);
    EXPECT_FALSE(leaf->local_key_id.empty());
  }
}

TEST(Pkcs12StoreTest, WrongPasswordAndGarbageAreRefused) {
  // Given a wrong password or bytes that are not a PKCS#12, reading fails with InvalidArgument.
  ASSERT_OK_AND_ASSIGN(std::string p12,
                       WritePkcs12Bags(EntryBags(EcChain(), "a", "right"), "right"));
  EXPECT_EQ(ReadPkcs12Bags(p12, "wrong").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadPkcs12Bags("not a pkcs12", "right").status().code(), StatusCode::kInvalidArgument);
}

TEST(Pkcs12StoreTest, EmptyPasswordRoundTrips) {
  // Given an empty store password, the file is written and read back with it.
  ASSERT_OK_AND_ASSIGN(std::string p12, WritePkcs12Bags(EntryBags(EcChain(), "a", ""), ""));
  ASSERT_OK_AND_ASSIGN(std::vector<Pkcs12Bag> bags, ReadPkcs12Bags(p12, ""));
  EXPECT_EQ(bags.size(), 3u);
}

TEST(Pkcs12StoreTest, KeyOfAnotherCertificateIsRefused) {
  // Given a key that does not belong to the leaf, no bags are made.
  auto bags = MakePkcs12EntryBags("x", Info(RsaChain().leaf.cert_der), {},
                                  EcChain().leaf.key_pkcs8_der, "pw");
  EXPECT_EQ(bags.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orch::pki
