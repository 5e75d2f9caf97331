#include "pki/secret_box.h"

#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "common/guid.h"
#include "tests/testing/status_matchers.h"

namespace orch::pki {
namespace {

constexpr std::string_view kAd = "certificate:17:key";

SecretBox NewBox() {
  return SecretBox(RandomBytes(kMasterKeyBytes));
}

TEST(SecretBoxTest, RoundTrips) {
  // Given plaintexts of several sizes, including empty and binary, Open returns each one.
  SecretBox box = NewBox();
  for (const std::string& plaintext :
       {std::string(), std::string("x"), std::string("a\0b\xff", 4), std::string(100000, 'k')}) {
    std::string blob = box.Seal(plaintext, kAd);
    ASSERT_OK_AND_ASSIGN(std::string opened, box.Open(blob, kAd));
    EXPECT_EQ(opened, plaintext);
  }
}

TEST(SecretBoxTest, BlobHasVersionNonceCiphertextAndTag) {
  // Given a 5-byte plaintext, the blob is 1 + 12 + 5 + 16 bytes, starts with version 1 and
  // does not contain the plaintext.
  std::string blob = NewBox().Seal("hello", kAd);
  EXPECT_EQ(blob.size(), 1u + 12u + 5u + 16u);
  EXPECT_EQ(blob[0], '\x01');
  EXPECT_EQ(blob.find("hello"), std::string::npos);
}

TEST(SecretBoxTest, TwoSealsOfTheSamePlaintextDiffer) {
  // Given the same plaintext sealed twice, the blobs (and their nonces) differ.
  SecretBox box = NewBox();
  std::string a = box.Seal("same", kAd);
  std::string b = box.Seal("same", kAd);
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(1, 12), b.substr(1, 12));
}

TEST(SecretBoxTest, AnyAlteredByteFailsToOpen) {
  // Given a blob with any single byte flipped (version, nonce, ciphertext or tag), Open fails.
  SecretBox box = NewBox();
  std::string blob = box.Seal("private key bytes", kAd);
  for (size_t i = 0; i < blob.size(); ++i) {
    std::string tampered = blob;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_FALSE(box.Open(tampered, kAd).ok()) << "byte " << i;
  }
}

TEST(SecretBoxTest, AlteredTagReportsAuthenticationFailure) {
  // Given a blob whose last tag byte changed, Open reports an authentication failure.
  SecretBox box = NewBox();
  std::string blob = box.Seal("secret", kAd);
  blob.back() = static_cast<char>(blob.back() ^ 0x80);
  auto opened = box.Open(blob, kAd);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInternal);
  EXPECT_NE(opened.status().message().find("failed authentication"), std::string::npos);
}

TEST(SecretBoxTest, WrongAssociatedDataFails) {
  // Given a blob bound to one row, opening it for another row fails.
  SecretBox box = NewBox();
  std::string blob = box.Seal("secret", "certificate:17:key");
  EXPECT_FALSE(box.Open(blob, "certificate:18:key").ok());
  EXPECT_FALSE(box.Open(blob, "").ok());
}

TEST(SecretBoxTest, WrongKeyFails) {
  // Given a blob sealed under one master key, another key cannot open it.
  std::string blob = NewBox().Seal("secret", kAd);
  EXPECT_FALSE(NewBox().Open(blob, kAd).ok());
}

TEST(SecretBoxTest, TruncatedOrUnknownVersionIsInvalidArgument) {
  // Given a blob shorter than the overhead or with version 2, Open says so.
  SecretBox box = NewBox();
  std::string blob = box.Seal("", kAd);
  EXPECT_EQ(box.Open(blob.substr(0, blob.size() - 1), kAd).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(box.Open("", kAd).status().code(), StatusCode::kInvalidArgument);
  blob[0] = '\x02';
  EXPECT_EQ(box.Open(blob, kAd).status().code(), StatusCode::kInvalidArgument);
}

TEST(SecretBoxTest, CreateChecksKeySize) {
  // Given 31 or 33 key bytes Create fails; given 32 it works.
  EXPECT_EQ(SecretBox::Create(std::string(31, 'k')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SecretBox::Create(std::string(33, 'k')).status().code(), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(SecretBox box, SecretBox::Create(std::string(32, 'k')));
  ASSERT_OK_AND_ASSIGN(std::string opened, box.Open(box.Seal("v", kAd), kAd));
  EXPECT_EQ(opened, "v");
}

TEST(SecretBoxTest, SameKeyInAnotherBoxOpens) {
  // Given two boxes made from the same key bytes (as after a restart), each opens the other's.
  std::string key = RandomBytes(kMasterKeyBytes);
  SecretBox first(key);
  SecretBox second(key);
  ASSERT_OK_AND_ASSIGN(std::string opened, second.Open(first.Seal("carry over", kAd), kAd));
  EXPECT_EQ(opened, "carry over");
}

TEST(SecretBoxTest, MovedBoxKeepsTheKey) {
  // Given a box moved into another, the destination opens what the source sealed.
  SecretBox source = NewBox();
  std::string blob = source.Seal("moved", kAd);
  SecretBox destination = std::move(source);
  ASSERT_OK_AND_ASSIGN(std::string opened, destination.Open(blob, kAd));
  EXPECT_EQ(opened, "moved");
}

}  // namespace
}  // namespace orch::pki
