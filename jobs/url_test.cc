#include "jobs/url.h"

#include <gtest/gtest.h>

namespace orch::jobs {
namespace {

TEST(UrlTest, PercentDecodes) {
  // Given escapes, plus signs and stray percent signs, decoding follows the form rules.
  EXPECT_EQ(PercentDecode("a%20b+c"), "a b c");
  EXPECT_EQ(PercentDecode("%22x%22%2b%2B"), "\"x\"++");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%C3%A9"), "\xC3\xA9");
}

TEST(UrlTest, PercentEncodesAllButUnreservedBytesAndRoundTrips) {
  // Given spaces, quotes, slashes and UTF-8, only unreserved bytes stay; decoding restores all.
  EXPECT_EQ(PercentEncode("Alias -eq \"a/b\" ~x_y.z"), "Alias%20-eq%20%22a%2Fb%22%20~x_y.z");
  EXPECT_EQ(PercentEncode("\xC3\xA9+"), "%C3%A9%2B");
  const std::string text = "State -eq \"Scheduled\" AND Name -contains \"%\"";
  EXPECT_EQ(PercentDecode(PercentEncode(text)), text);
}

TEST(UrlTest, ParsesQueryStrings) {
  // Given a query string with repeats, bare names and empty parts, pairs decode as documented.
  auto params = ParseQueryString(
      "pq.queryString=Status+-eq+%221%22&pq.returnLimit=10&flag&&=x&pq.returnLimit=20");
  EXPECT_EQ(params.size(), 3u);
  EXPECT_EQ(params["pq.queryString"], "Status -eq \"1\"");
  EXPECT_EQ(params["pq.returnLimit"], "10");
  EXPECT_EQ(params["flag"], "");
  EXPECT_TRUE(ParseQueryString("").empty());
  EXPECT_EQ(ParseQueryString("a=b=c")["a"], "b=c");
}

}  // namespace
}  // namespace orch::jobs
