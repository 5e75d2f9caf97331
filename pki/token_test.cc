#include "pki/token.h"

#include <string>

#include <gtest/gtest.h>

#include "pki/hash.h"

namespace orch::pki {
namespace {

TEST(TokenTest, TokensAreDistinctUrlSafeAndHashTo32Bytes) {
  // Given two new tokens, each is 43 URL-safe characters, they differ, and their hashes are
  // the SHA-256 of the text.
  std::string a = NewToken();
  std::string b = NewToken();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(TokenHash(a).size(), 32u);
  EXPECT_EQ(TokenHash(a), Sha256(a));
  EXPECT_NE(TokenHash(a), TokenHash(b));
}

}  // namespace
}  // namespace orch::pki
