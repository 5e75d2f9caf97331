#include "common/guid.h"

#include <set>

#include <gtest/gtest.h>

namespace orch {
namespace {

TEST(GuidTest, NewGuidIsLowercaseVersion4) {
  // Given a fresh GUID, it has the RFC 4122 v4 shape in lowercase.
  std::string g = NewGuid();
  ASSERT_EQ(g.size(), 36u);
  EXPECT_TRUE(IsGuid(g));
  EXPECT_EQ(g[14], '4');
  EXPECT_NE(std::string("89ab").find(g[19]), std::string::npos);
  for (char c : g) EXPECT_FALSE(c >= 'A' && c <= 'F') << g;
}

TEST(GuidTest, NewGuidsDoNotRepeat) {
  // Given many GUIDs, none repeats.
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(NewGuid()).second);
}

TEST(GuidTest, IsGuidRejectsMalformed) {
  // Given strings of the wrong length, dash positions or alphabet, IsGuid says no.
  EXPECT_TRUE(IsGuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_TRUE(IsGuid("ABCDEF01-2345-4789-8bcd-ef0123456789"));
  EXPECT_FALSE(IsGuid(""));
  EXPECT_FALSE(IsGuid("00000000-0000-0000-0000-00000000000"));
  EXPECT_FALSE(IsGuid("00000000-0000-0000-0000-0000000000000"));
  EXPECT_FALSE(IsGuid("000000000-000-0000-0000-000000000000"));
  EXPECT_FALSE(IsGuid("0000000g-0000-0000-0000-000000000000"));
}

TEST(GuidTest, HexEncodeAndRandomBytes) {
  // Given bytes, hex is two lowercase digits each; random bytes have the asked length.
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x1a", 3)), "00ff1a");
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

}  // namespace
}  // namespace orch
