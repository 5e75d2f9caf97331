#include "store/agent_changes.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace orch::store {
namespace {

using ::testing::UnorderedElementsAre;

constexpr char kAgentA[] = "0a000000-0000-4000-8000-000000000001";
constexpr char kAgentB[] = "0b000000-0000-4000-8000-000000000002";

TEST(AgentChangesTest, ChangesNameTheirAgentsLowercaseAndAnyAgentHidesTheList) {
  // Given changes to two agents, one in capitals, the changes since then name both in lowercase;
  // once a change for any agent is counted, the list is refused until a later start.
  const uint64_t start = AgentChanges::Current();
  EXPECT_THAT(AgentChanges::Since(start), ::testing::Optional(::testing::IsEmpty()));
  AgentChanges::Note(kAgentA);
  AgentChanges::Note("0B000000-0000-4000-8000-000000000002");
  EXPECT_EQ(AgentChanges::Current(), start + 2);
  EXPECT_THAT(AgentChanges::Since(start), ::testing::Optional(UnorderedElementsAre(kAgentA, kAgentB)));
  EXPECT_THAT(AgentChanges::Since(start + 1), ::testing::Optional(UnorderedElementsAre(kAgentB)));
  AgentChanges::Note();
  EXPECT_EQ(AgentChanges::Since(start), std::nullopt);
  const uint64_t after = AgentChanges::Current();
  AgentChanges::Note(kAgentA);
  EXPECT_THAT(AgentChanges::Since(after), ::testing::Optional(UnorderedElementsAre(kAgentA)));
}

TEST(AgentChangesTest, NoteAgainCountsTheSameChangesOnceMore) {
  // Given two changes, counting them again moves the count by two and names the same agents.
  const uint64_t start = AgentChanges::Current();
  AgentChanges::Note(kAgentA);
  AgentChanges::Note(kAgentB);
  const uint64_t committed = AgentChanges::Current();
  AgentChanges::NoteAgain(start);
  EXPECT_EQ(AgentChanges::Current(), committed + 2);
  EXPECT_THAT(AgentChanges::Since(committed), ::testing::Optional(UnorderedElementsAre(kAgentA, kAgentB)));
}

TEST(AgentChangesTest, ACacheFurtherBehindThanTheLogDropsEverything) {
  // Given more changes than the log remembers, the changes since before them are unknown.
  const uint64_t start = AgentChanges::Current();
  for (size_t i = 0; i <= AgentChanges::kRemembered; ++i) AgentChanges::Note(kAgentA);
  EXPECT_EQ(AgentChanges::Since(start), std::nullopt);
  EXPECT_THAT(AgentChanges::Since(AgentChanges::Current() - 1),
              ::testing::Optional(UnorderedElementsAre(kAgentA)));
}

}  // namespace
}  // namespace orch::store
