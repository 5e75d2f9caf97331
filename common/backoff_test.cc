#include "common/backoff.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace orch {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The largest double below 1: the highest draw a random source may give.
const double kAlmostOne = std::nextafter(1.0, 0.0);

// A random source that repeats `draws` in order.
std::function<double()> Sequence(std::vector<double> draws) {
  return [draws = std::move(draws), next = size_t{0}]() mutable {
    return draws[next++ % draws.size()];
  };
}

constexpr WallTime kIssued = WallTime(seconds(1767225600));  // 2026-01-01T00:00:00Z
constexpr WallTime kExpires = kIssued + days(100);

TEST(BackoffTest, FollowsTheFormulaOnAFixedRandomSource) {
  // Given ceilings 1 s, 2 s, 4 s, ... capped at 30 s, each delay is ceil(c * (1 + r) / 2).
  Backoff backoff({milliseconds(1000), milliseconds(30000)},
                  Sequence({0.0, 0.5, 0.75, 0.0, 0.25, 0.5, kAlmostOne}));
  const std::vector<milliseconds> expected = {
      milliseconds(500),   milliseconds(1500),  milliseconds(3500),  milliseconds(4000),
      milliseconds(10000), milliseconds(22500), milliseconds(30000),
  };
  for (milliseconds want : expected) EXPECT_EQ(backoff.Next(), want);
}

TEST(BackoffTest, StaysAtTheCapOnceReached) {
  // Given many attempts with the highest draw, every delay from the cap on equals the cap.
  Backoff backoff({milliseconds(100), milliseconds(5000), 3.0}, Sequence({kAlmostOne}));
  std::vector<milliseconds> delays;
  delays.reserve(200);
  for (int i = 0; i < 200; ++i) delays.push_back(backoff.Next());
  EXPECT_EQ(delays[0], milliseconds(100));
  EXPECT_EQ(delays[1], milliseconds(300));
  EXPECT_EQ(delays[2], milliseconds(900));
  EXPECT_EQ(delays[3], milliseconds(2700));
  for (size_t i = 4; i < delays.size(); ++i) EXPECT_EQ(delays[i], milliseconds(5000)) << i;
}

TEST(BackoffTest, ResetStartsOverFromInitial) {
  // Given three failures and then a success, the next delay is drawn from the first ceiling.
  Backoff backoff({milliseconds(1000), milliseconds(60000)}, Sequence({0.0}));
  EXPECT_EQ(backoff.Next(), milliseconds(500));
  EXPECT_EQ(backoff.Next(), milliseconds(1000));
  EXPECT_EQ(backoff.Next(), milliseconds(2000));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), milliseconds(500));
  EXPECT_EQ(backoff.Next(), milliseconds(1000));
}

TEST(BackoffTest, StaysWithinHalfAndAllOfTheCeilingOverManyDraws) {
  // Given a seeded pseudo-random source, every delay lies in [c/2, c] for its ceiling c.
  std::mt19937_64 engine(20260101);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Backoff backoff({milliseconds(250), milliseconds(45000), 1.5}, [&] { return uniform(engine); });
  for (int round = 0; round < 100; ++round) {
    double ceiling = 250;
    for (int attempt = 0; attempt < 30; ++attempt) {
      const auto delay = static_cast<double>(backoff.Next().count());
      EXPECT_GE(delay, ceiling / 2);
      EXPECT_LE(delay, std::ceil(ceiling));
      EXPECT_LE(delay, 45000);
      ceiling = std::min(45000.0, ceiling * 1.5);
    }
    backoff.Reset();
  }
}

TEST(BackoffTest, NeverWaitsZeroAndClampsOutOfRangeDraws) {
  // Given a 1 ms start and draws of 0, below 0 and above 1, delays stay within [1 ms, max].
  Backoff backoff({milliseconds(1), milliseconds(2)}, Sequence({0.0, -5.0, 7.0, 7.0}));
  EXPECT_EQ(backoff.Next(), milliseconds(1));
  EXPECT_EQ(backoff.Next(), milliseconds(1));
  EXPECT_EQ(backoff.Next(), milliseconds(2));
  EXPECT_EQ(backoff.Next(), milliseconds(2));
}

TEST(RandomFractionTest, DrawsFromZeroToBelowOne) {
  // Given many draws from the kernel's CSPRNG, all lie in [0, 1) and they are not all equal.
  double lowest = 1.0;
  double highest = 0.0;
  for (int i = 0; i < 1000; ++i) {
    const double draw = RandomFraction();
    ASSERT_GE(draw, 0.0);
    ASSERT_LT(draw, 1.0);
    lowest = std::min(lowest, draw);
    highest = std::max(highest, draw);
  }
  EXPECT_LT(lowest, highest);
}

TEST(RenewalWindowTest, OpensExactlyAtEightyPercentOfTheLifetime) {
  // Given a 100-day certificate, renewal starts on day 80 and not a millisecond earlier.
  EXPECT_EQ(RenewalStart(kIssued, kExpires), kIssued + days(80));
  EXPECT_TRUE(InRenewalWindow(kIssued, kExpires, kIssued + days(80)));
  EXPECT_FALSE(InRenewalWindow(kIssued, kExpires, kIssued + days(80) - milliseconds(1)));
  EXPECT_FALSE(InRenewalWindow(kIssued, kExpires, kIssued + days(1)));
  EXPECT_TRUE(InRenewalWindow(kIssued, kExpires, kIssued + days(95)));
}

TEST(RenewalWindowTest, StaysOpenAtAndAfterExpiry) {
  // Given a certificate at its notAfter and a year past it, both are due for renewal.
  EXPECT_TRUE(InRenewalWindow(kIssued, kExpires, kExpires));
  EXPECT_TRUE(InRenewalWindow(kIssued, kExpires, kExpires + days(365)));
}

TEST(RenewalWindowTest, ClosedWhileNotBeforeIsInTheFuture) {
  // Given a clock behind the certificate's notBefore, it is not yet due.
  EXPECT_FALSE(InRenewalWindow(kIssued, kExpires, kIssued - hours(1)));
  EXPECT_FALSE(InRenewalWindow(kIssued, kExpires, kIssued - days(3650)));
}

TEST(RenewalWindowTest, HonoursOtherFractions) {
  // Given fractions of one half, zero and one, the window opens halfway, at expiry and at issue.
  EXPECT_EQ(RenewalStart(kIssued, kExpires, 0.5), kIssued + days(50));
  EXPECT_FALSE(InRenewalWindow(kIssued, kExpires, kExpires - milliseconds(1), 0.0));
  EXPECT_TRUE(InRenewalWindow(kIssued, kExpires, kIssued, 1.0));
  EXPECT_FALSE(InRenewalWindow(kIssued, kExpires, kIssued - milliseconds(1), 1.0));
}

TEST(RenewalWindowTest, ExactForYearLongAndCenturyLongCertificates) {
  // Given a 365-day and a 200-year validity, the window opens on the exact second of 80 %.
  EXPECT_EQ(RenewalStart(kIssued, kIssued + days(365)), kIssued + days(292));
  const WallTime ancient = WallTime(seconds(-2208988800));  // 1900-01-01T00:00:00Z
  EXPECT_EQ(RenewalStart(ancient, ancient + days(73000)), ancient + days(58400));
}

TEST(RenewalWindowTest, DueAtNotAfterWithoutAPositiveLifetime) {
  // Given notAfter at or before notBefore, the window opens at notAfter.
  EXPECT_EQ(RenewalStart(kIssued, kIssued), kIssued);
  EXPECT_EQ(RenewalStart(kExpires, kIssued), kIssued);
  EXPECT_TRUE(InRenewalWindow(kExpires, kIssued, kIssued + seconds(1)));
}

}  // namespace
}  // namespace orch
