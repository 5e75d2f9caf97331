#include "common/fake_clock.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

using std::chrono::seconds;

TEST(FakeClockTest, AdvanceMovesBothClocks) {
  // Given a fake clock, advancing it moves wall and steady time by the same amount.
  FakeClock clock;
  WallTime w0 = clock.WallNow();
  SteadyTime s0 = clock.SteadyNow();
  clock.Advance(seconds(90));
  EXPECT_EQ(clock.WallNow() - w0, seconds(90));
  EXPECT_EQ(clock.SteadyNow() - s0, seconds(90));
}

TEST(FakeClockTest, SetWallJumpsOnlyWallTime) {
  // Given a wall-clock jump backwards, steady time does not move.
  FakeClock clock;
  SteadyTime s0 = clock.SteadyNow();
  clock.SetWall(clock.WallNow() - std::chrono::hours(2));
  EXPECT_EQ(clock.SteadyNow(), s0);
  EXPECT_EQ(clock.WallNow(), WallTime(seconds(1767225600)) - std::chrono::hours(2));
}

TEST(SystemClockTest, SteadyNeverGoesBack) {
  // Given two readings, the second is not earlier.
  SystemClock& clock = SystemClock::Instance();
  SteadyTime a = clock.SteadyNow();
  SteadyTime b = clock.SteadyNow();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace orch
