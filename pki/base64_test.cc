#include "pki/base64.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::pki {
namespace {

TEST(Base64Test, EncodesRfc4648Vectors) {
  // Given the RFC 4648 §10 test vectors, encoding gives the published text.
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, RoundTripsEveryByteValue) {
  // Given all 256 byte values at every length remainder, decode(encode(x)) == x.
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = all.size() - 3; n <= all.size(); ++n) {
    std::string input = all.substr(0, n);
    ASSERT_OK_AND_ASSIGN(std::string decoded, Base64Decode(Base64Encode(input)));
    EXPECT_EQ(decoded, input);
  }
}

TEST(Base64Test, IgnoresWhitespaceAndLineBreaks) {
  // Given base64 wrapped over lines with CRLF, tabs and spaces, the bytes decode unchanged.
  ASSERT_OK_AND_ASSIGN(std::string decoded, Base64Decode(" Zm9v\r\nYmFy\n\tZm9v YmE=\n"));
  EXPECT_EQ(decoded, "foobarfooba");
}

TEST(Base64Test, AcceptsMissingPadding) {
  // Given text whose final group lacks '=', it decodes as if padded.
  ASSERT_OK_AND_ASSIGN(std::string one, Base64Decode("Zg"));
  EXPECT_EQ(one, "f");
  ASSERT_OK_AND_ASSIGN(std::string two, Base64Decode("Zm8"));
  EXPECT_EQ(two, "fo");
}

TEST(Base64Test, RejectsCharactersOutsideTheAlphabet) {
  // Given URL-safe or stray characters, decoding fails and names the offset.
  for (std::string_view bad : {"Zm9v-mFy", "Zm9v_mFy", "Zm9v*mFy", "Zm9v.mFy"}) {
    auto decoded = Base64Decode(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find("offset 4"), std::string::npos)
        << decoded.status().message();
  }
  EXPECT_FALSE(Base64Decode(std::string("Zm9v\0mFy", 8)).ok());
}

TEST(Base64Test, RejectsMisplacedOrIncompletePadding) {
  // Given '=' in the middle, too much of it or too little, decoding fails.
  for (std::string_view bad : {"Zg==Zg==", "Z===", "=", "Zm9v=", "Zg=", "Zm9vY", "Zg=x"}) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  }
}

TEST(Base64Test, RejectsNonZeroUnusedBits) {
  // Given "Zh==" (same byte as "Zg==" but with stray low bits), decoding fails.
  EXPECT_FALSE(Base64Decode("Zh==").ok());
  EXPECT_FALSE(Base64Decode("Zm9=").ok());
}

}  // namespace
}  // namespace orch::pki
