#include "pki/hash.h"

#include <string>

#include <gtest/gtest.h>

#include "common/guid.h"

namespace orch::pki {
namespace {

TEST(HashTest, Sha256MatchesFipsVectors) {
  // Given the FIPS 180-2 test messages, SHA-256 gives the published digests.
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256("abc").size(), 32u);
  EXPECT_EQ(HexEncode(Sha256("abc")), Sha256Hex("abc"));
}

TEST(HashTest, Sha1MatchesFipsVector) {
  // Given "abc", SHA-1 gives the published digest (used for thumbprints).
  EXPECT_EQ(HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(HashTest, Sha256HandlesEmbeddedNul) {
  // Given inputs that differ only after a NUL byte, their digests differ.
  EXPECT_NE(Sha256(std::string("a\0b", 3)), Sha256(std::string("a\0c", 3)));
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  // Given equal, differing and prefix-related strings, only equal ones compare equal.
  EXPECT_TRUE(ConstantTimeEquals("secret-token", "secret-token"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("secret-token", "secret-tokeN"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret-token"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(CleanseTest, EmptiesTheString) {
  // Given a string holding a secret, Cleanse leaves it empty.
  std::string secret = "a secret longer than the small-string buffer";
  Cleanse(secret);
  EXPECT_TRUE(secret.empty());
}

}  // namespace
}  // namespace orch::pki
