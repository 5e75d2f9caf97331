// AgentChanges: a log of the writes that can change whether an agent session is accepted:
// agents updated, approved, disapproved, reset or asked to re-enroll or registered again, and
// sessions created or ended (a revoked secret ends its sessions too). A new agent and its first
// session are not counted: no cache can hold anything of them. Each change names the agent it
// concerns, or none when it may concern any (a revoked secret, an ended session).
//
// Caches of sessions and agents kept on the event loop remember the count they were filled
// under; when it moved, they drop what the changes since then concern (everything when one of
// them names no agent, or when the log no longer reaches back that far), so a change is seen by
// the next call after its write.
//
// The stores count a change when they make it, on whatever connection; the writer thread
// counts the changes of a group once more after its commit, before any write of the group is
// answered. A cache filled between the two counts reads the state before the commit, and the
// second count makes it stale. The log is one per process: a change in any database drops the
// entries it names from every cache, which only costs a re-read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orch::store {

class AgentChanges {
 public:
  /// Changes remembered; a cache further behind drops everything.
  static constexpr size_t kRemembered = 4096;

  /// The count so far. Thread-safe, as is everything here.
  static uint64_t Current();
  /// Counts a change that may concern any agent.
  static void Note();
  /// Counts a change to agent `agent_id` (its row or its sessions); the id in any case.
  static void Note(std::string_view agent_id);
  /// Counts again every change counted after `since` (the writer, after a commit).
  static void NoteAgain(uint64_t since);
  /// The agents (lowercase ids) that the changes counted after `since` concern; nullopt when
  /// one of them may concern any agent or the log no longer reaches back to `since`.
  static std::optional<std::vector<std::string>> Since(uint64_t since);
};

}  // namespace orch::store
