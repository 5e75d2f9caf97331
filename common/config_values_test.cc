#include "common/config_values.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch {
namespace {

using std::chrono::milliseconds;

TEST(ParseDurationTest, ReadsEveryUnit) {
  // Given a number with each unit, the duration is that many units.
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(*ParseDuration("10m"), std::chrono::minutes(10));
  EXPECT_EQ(*ParseDuration("1h"), std::chrono::hours(1));
  EXPECT_EQ(*ParseDuration("30d"), std::chrono::days(30));
  EXPECT_EQ(*ParseDuration("0s"), milliseconds(0));
}

TEST(ParseDurationTest, BareNumberAsksForAUnit) {
  // Given a number without a unit, the error says a unit is needed and suggests one.
  StatusOr<Duration> d = ParseDuration("90");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "\"90\" needs a unit: ms, s, m, h or d (for example 90s)");
}

TEST(ParseDurationTest, RejectsMalformedAndOverflowing) {
  // Given signs, spaces, fractions, unknown units or huge numbers, parsing fails.
  for (const char* text : {"", "-5m", " 5m", "5 m", "1.5h", "5w", "m", "5mm", "5M",
                           "99999999999999999999d", "9999999999999999s"}) {
    EXPECT_FALSE(ParseDuration(text).ok()) << text;
  }
}

TEST(ParseYamlBoolTest, ReadsYaml11BooleansInTheirThreeCases) {
  // Given the YAML 1.1 boolean words in lowercase, Capitalised and UPPERCASE, each is read.
  for (const char* text : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
    EXPECT_EQ(ParseYamlBool(text), true) << text;
  }
  for (const char* text : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
    EXPECT_EQ(ParseYamlBool(text), false) << text;
  }
  for (const char* text : {"", "y", "n", "oN", "tRUE", "1", "0", "enabled", " off"}) {
    EXPECT_EQ(ParseYamlBool(text), std::nullopt) << text;
  }
}

TEST(FormatDurationTest, UsesTheLargestExactUnit) {
  // Given durations, each is spelled in the largest unit that divides it.
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(std::chrono::minutes(90)), "90m");
  EXPECT_EQ(FormatDuration(std::chrono::days(1)), "1d");
}

TEST(ParseSizeTest, ReadsBytesAndBinaryUnits) {
  // Given plain bytes or KiB/MiB/GiB, the size is in bytes.
  EXPECT_EQ(*ParseSize("4096"), 4096u);
  EXPECT_EQ(*ParseSize("16KiB"), 16u * 1024);
  EXPECT_EQ(*ParseSize("8MiB"), 8u * 1024 * 1024);
  EXPECT_EQ(*ParseSize("1GiB"), 1024u * 1024 * 1024);
}

TEST(ParseSizeTest, RejectsDecimalUnitsAndJunk) {
  // Given decimal units, a sign or no number, parsing fails and names the unit when there is one.
  StatusOr<uint64_t> mb = ParseSize("8MB");
  ASSERT_FALSE(mb.ok());
  EXPECT_EQ(mb.status().message(),
            "unknown size unit \"MB\" in \"8MB\" (use bytes, KiB, MiB or GiB)");
  for (const char* text : {"", "-1", "KiB", "1.5MiB", "8 MiB", "8mib"}) {
    EXPECT_FALSE(ParseSize(text).ok()) << text;
  }
}

TEST(ParseSizeTest, FractionsAskForAWholeNumberAndSuggestOne) {
  // Given sizes with a fraction, the error says sizes are whole numbers and, when the size is a
  // whole number of bytes, spells it in the largest unit that holds it whole.
  EXPECT_EQ(ParseSize("1.5MiB").status().message(),
            "\"1.5MiB\" is not a whole number: sizes are whole numbers with a unit, such as "
            "1536KiB");
  EXPECT_EQ(ParseSize("0.5KiB").status().message(),
            "\"0.5KiB\" is not a whole number: sizes are whole numbers with a unit, such as 512");
  EXPECT_EQ(ParseSize("2.0GiB").status().message(),
            "\"2.0GiB\" is not a whole number: sizes are whole numbers with a unit, such as 2GiB");
  EXPECT_EQ(ParseSize("1.3KiB").status().message(),
            "\"1.3KiB\" is not a whole number: sizes are whole numbers with a unit");
  EXPECT_EQ(ParseSize("1.5").status().message(),
            "\"1.5\" is not a whole number: sizes are whole numbers with a unit");
  EXPECT_EQ(ParseSize("1.5MB").status().message(),
            "unknown size unit \".5MB\" in \"1.5MB\" (use bytes, KiB, MiB or GiB)");
}

TEST(ParseDurationTest, FractionsAskForAWholeNumberAndSuggestOne) {
  // Given durations with a fraction, the error says durations are whole numbers and suggests
  // the same duration in the largest unit that holds it whole.
  EXPECT_EQ(ParseDuration("1.5h").status().message(),
            "\"1.5h\" is not a whole number: durations are whole numbers with a unit, such as "
            "90m");
  EXPECT_EQ(ParseDuration("0.25s").status().message(),
            "\"0.25s\" is not a whole number: durations are whole numbers with a unit, such as "
            "250ms");
  EXPECT_EQ(ParseDuration("0.0001s").status().message(),
            "\"0.0001s\" is not a whole number: durations are whole numbers with a unit");
}

TEST(ParseFileModeTest, ReadsOctalWithinPermissionBits) {
  // Given three or four octal digits, the mode is their octal value; above 0777 is refused.
  EXPECT_EQ(*ParseFileMode("0660"), 0660u);
  EXPECT_EQ(*ParseFileMode("600"), 0600u);
  EXPECT_EQ(*ParseFileMode("0777"), 0777u);
  EXPECT_EQ(ParseFileMode("1777").status().message(), "mode \"1777\" must be within 0777");
  for (const char* text : {"", "66", "0888", "rw-rw----", "00660"}) {
    EXPECT_FALSE(ParseFileMode(text).ok()) << text;
  }
}

TEST(ParseListenAddressTest, ReadsIpv4AndBracketedIpv6) {
  // Given IPv4 and bracketed IPv6 addresses with ports, host and port come apart.
  ASSERT_OK_AND_ASSIGN(ListenAddress v4, ParseListenAddress("0.0.0.0:8443"));
  EXPECT_EQ(v4, (ListenAddress{"0.0.0.0", 8443}));
  ASSERT_OK_AND_ASSIGN(ListenAddress v6, ParseListenAddress("[::1]:0"));
  EXPECT_EQ(v6, (ListenAddress{"::1", 0}));
  EXPECT_EQ(FormatListenAddress(v6), "[::1]:0");
  EXPECT_EQ(FormatListenAddress(v4), "0.0.0.0:8443");
}

TEST(ParseListenAddressTest, RejectsBadHostsAndPorts) {
  // Given a port out of range, a missing port, a host name or unbracketed IPv6, parsing fails.
  EXPECT_EQ(ParseListenAddress("0.0.0.0:65536").status().message(),
            "port \"65536\" is not in 0..65535");
  for (const char* text : {"0.0.0.0", "0.0.0.0:", "0.0.0.0:-1", "localhost:8443", "::1:8443",
                           "[127.0.0.1]:80", "[::1]", ":8443"}) {
    EXPECT_FALSE(ParseListenAddress(text).ok()) << text;
  }
}

TEST(HostNamesTest, TellsDnsNamesAndAddressesApart) {
  // Given names and addresses, each check accepts only its own kind.
  EXPECT_TRUE(IsDnsName("localhost"));
  EXPECT_TRUE(IsDnsName("orchd-1.example.com"));
  EXPECT_TRUE(IsDnsName("*.example.com"));
  EXPECT_FALSE(IsDnsName(""));
  EXPECT_FALSE(IsDnsName("-bad.example.com"));
  EXPECT_FALSE(IsDnsName("a..b"));
  EXPECT_FALSE(IsDnsName("under_score.example"));
  EXPECT_TRUE(IsIpAddress("10.0.0.1"));
  EXPECT_TRUE(IsIpAddress("fe80::1"));
  EXPECT_FALSE(IsIpAddress("10.0.0.1/8"));
  EXPECT_FALSE(IsIpAddress("10.0.0"));
}

}  // namespace
}  // namespace orch
