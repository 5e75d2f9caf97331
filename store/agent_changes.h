// AgentChanges: a count of the writes that can change whether an agent session is accepted:
// agents updated, approved, disapproved, reset or asked to re-enroll or registered again, and
// sessions created or ended (a revoked secret ends its sessions too). A new agent and its first
// session are not counted: no cache can hold anything of them. Caches of sessions and agents
// kept on the event loop compare it with the count they were filled under and drop
// everything when it moved, so a change is seen by the next call after its write.
//
// The stores count a change when they make it, on whatever connection; the writer thread
// counts it once more after the commit of a group that held one, before any write of the
// group is answered. A cache filled between the two counts reads the state before the
// commit, and the second count makes it stale. The count is one per process: a change in
// any database drops every cache, which only costs a re-read.
#pragma once

#include <cstdint>

namespace orch::store {

class AgentChanges {
 public:
  /// The count so far. Thread-safe.
  static uint64_t Current();
  /// Counts one change. Thread-safe.
  static void Note();
};

}  // namespace orch::store
