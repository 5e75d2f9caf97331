#include "scheduler/pool_membership.h"

#include <gtest/gtest.h>

namespace orch::scheduler {
namespace {

constexpr char kAgentA[] = "0a000000-0000-4000-8000-000000000001";
constexpr char kAgentB[] = "0b000000-0000-4000-8000-000000000002";
constexpr char kWebPool[] = "0c000000-0000-4000-8000-000000000003";
constexpr char kDbPool[] = "0d000000-0000-4000-8000-000000000004";

TEST(PoolMembershipTest, AnAgentInNoCustomPoolBelongsToTheDefaultPool) {
  PoolMembership membership;
  EXPECT_EQ(membership.PoolOf(kAgentA), store::kDefaultPoolId);
  ASSERT_TRUE(membership.Replace(membership.BeginRead(), {{kAgentA, kWebPool}}));
  EXPECT_EQ(membership.PoolOf(kAgentA), kWebPool);
  EXPECT_EQ(membership.PoolOf(kAgentB), store::kDefaultPoolId);
  EXPECT_EQ(membership.size(), 1u);
}

TEST(PoolMembershipTest, AReplacementDropsWhatItNoLongerLists) {
  PoolMembership membership;
  ASSERT_TRUE(
      membership.Replace(membership.BeginRead(), {{kAgentA, kWebPool}, {kAgentB, kDbPool}}));
  ASSERT_TRUE(membership.Replace(membership.BeginRead(), {{kAgentB, kWebPool}}));
  EXPECT_EQ(membership.PoolOf(kAgentA), store::kDefaultPoolId);
  EXPECT_EQ(membership.PoolOf(kAgentB), kWebPool);
}

TEST(PoolMembershipTest, AnOlderReadingAnsweredLateDoesNotUndoANewerOne) {
  // Given two readings begun in order, the second answered first.
  PoolMembership membership;
  const uint64_t older = membership.BeginRead();
  const uint64_t newer = membership.BeginRead();
  ASSERT_TRUE(membership.Replace(newer, {{kAgentA, kDbPool}}));
  // Then the older answer is refused and the newer memberships stay.
  EXPECT_FALSE(membership.Replace(older, {{kAgentA, kWebPool}}));
  EXPECT_EQ(membership.PoolOf(kAgentA), kDbPool);
}

}  // namespace
}  // namespace orch::scheduler
