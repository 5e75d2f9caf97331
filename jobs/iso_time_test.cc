#include "jobs/iso_time.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::jobs {
namespace {

TEST(IsoTimeTest, ParsesOffsetsAndFractions) {
  // Given ISO 8601 times in every accepted shape, each names the expected UTC instant.
  struct Case {
    std::string in;
    std::string utc;
  };
  std::vector<Case> cases = {
      {"2026-11-22T13:30:00Z", "2026-11-22T13:30:00Z"},
      {"2026-11-22T13:30Z", "2026-11-22T13:30:00Z"},
      {"2026-11-22T13:30", "2026-11-22T13:30:00Z"},  // no offset = UTC
      {"2026-11-22t13:30:00z", "2026-11-22T13:30:00Z"},
      {"2026-11-22T13:30:00+02:00", "2026-11-22T11:30:00Z"},
      {"2026-11-22T01:30:00-05:30", "2026-11-22T07:00:00Z"},
      {"2026-11-22T13:30:00.5Z", "2026-11-22T13:30:00.500Z"},
      {"2026-11-22T13:30:00.123456789Z", "2026-11-22T13:30:00.123Z"},
      {"2028-02-29T00:00:00Z", "2028-02-29T00:00:00Z"},
      {"1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"},
      {"2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z"},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(WallTime time, ParseIsoTime(c.in));
    EXPECT_EQ(FormatIsoTime(time), c.utc) << c.in;
  }
}

TEST(IsoTimeTest, RejectsMalformedTimes) {
  // Given malformed or impossible times, each is InvalidArgument.
  for (std::string bad :
       {"", "2026-11-22", "2026-11-22 13:30:00Z", "2026-11-22T13", "26-11-22T13:30",
        "2026-13-01T00:00Z", "2027-02-29T00:00Z", "2026-11-22T24:00Z", "2026-11-22T13:60Z",
        "2026-11-22T13:30:60Z", "2026-11-22T13:30:00.Z", "2026-11-22T13:30:00.1234567890Z",
        "2026-11-22T13:30:00+0200", "2026-11-22T13:30:00+24:00", "2026-11-22T13:30:00ZZ",
        "1899-12-31T23:59Z", "2201-01-01T00:00Z", "2026-11-22T13:30:00 Z"}) {
    StatusOr<WallTime> parsed = ParseIsoTime(bad);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(IsoTimeTest, UnixMillisRoundTrip) {
  // Given an instant with milliseconds, Unix milliseconds convert both ways.
  ASSERT_OK_AND_ASSIGN(WallTime time, ParseIsoTime("2027-01-31T08:00:00.250Z"));
  EXPECT_EQ(ToUnixMillis(time), 1801382400250);
  EXPECT_EQ(FromUnixMillis(1801382400250), time);
  EXPECT_EQ(ToUnixMillis(WallTime()), 0);
}

}  // namespace
}  // namespace orch::jobs
