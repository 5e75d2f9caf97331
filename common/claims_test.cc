#include "common/claims.h"

#include <gtest/gtest.h>

namespace orch::claims {
namespace {

TEST(ClaimsTest, GlobalAndScopedClaimsAreKnown) {
  // Given every global claim and the two scopable ones with an id, each is known.
  for (std::string_view claim : kAll) EXPECT_TRUE(IsKnown(claim)) << claim;
  EXPECT_TRUE(IsKnown("/certificates/collections/read/7/"));
  EXPECT_TRUE(IsKnown("/certificate_stores/schedule/123456789012345678/"));
}

TEST(ClaimsTest, TyposAndBadScopesAreUnknown) {
  // Given misspelt claims, scopes on claims that take none and ids that are not ids, none is
  // known.
  for (std::string_view claim :
       {"/ssl/reed/", "/ssl/read", "ssl/read/", "/SSL/READ/", "/ssl/read/7/",
        "/certificate_stores/schedule//", "/certificate_stores/schedule/x/",
        "/certificate_stores/schedule/-1/", "/certificate_stores/schedule/07/",
        "/certificate_stores/schedule/7", "/certificates/collections/read/1234567890123456789/",
        "/", ""}) {
    EXPECT_FALSE(IsKnown(claim)) << claim;
  }
}

}  // namespace
}  // namespace orch::claims
