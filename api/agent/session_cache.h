// SessionCache: the sessions and agents that agents' calls authenticate with, kept in memory
// on the event loop, so that a heartbeat, poll, configuration or completion call reads neither
// its session nor its agent from the store. What it lacks is read through a StoreReader, off
// the loop. It stays exact through store::AgentChanges: every write that creates or ends
// sessions or changes agents is counted, naming its agent when it concerns one; when the count
// moved since the cache was filled it drops the entries of the agents named (an agent and its
// sessions), or everything for a change that names none, and a read answered after a change to
// its agent (or to any) since it was issued is answered but not kept. A disapproved, reset or re-enrolling agent, a revoked secret or a
// replaced session is therefore seen by the next call after its write, as when every call
// read the store.
//
// What a cached session lacks is the calls made on it since it was read; Touched() adds them,
// so that its last_call_at is what the store will hold once SessionTouches has written them.
// A cached agent's LastSeen and last error lag (they are written without counting a change);
// the callers here only use its id, machine, capabilities and status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/agent_repository.h"
#include "store/store_reader.h"

namespace orch::api {

class SessionCache {
 public:
  /// Sessions or agents held at most; past that everything is dropped and read again.
  static constexpr size_t kDefaultCapacity = 100'000;

  explicit SessionCache(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}
  SessionCache(const SessionCache&) = delete;
  SessionCache& operator=(const SessionCache&) = delete;

  using SessionDone = std::function<void(StatusOr<std::optional<store::SessionRecord>>)>;
  using AgentDone = std::function<void(StatusOr<store::Agent>)>;

  /// Answers `done` with the session whose token hashes to `token_hash`, or nullopt: from
  /// memory before returning, or read through `reader` (then remembered unless a change to
  /// its agent, or to any agent, was counted between the read's issue and its answer). Unknown hashes are read each time.
  /// REQUIRES: called on the loop's thread; this cache outlives the read's answer.
  void FindSession(store::StoreReader& reader, std::string_view token_hash, SessionDone done);

  /// Answers `done` with the agent `id`, as AgentRepository::GetAgent answers it; from memory
  /// (before returning) when it can be. REQUIRES: as FindSession().
  void GetAgent(store::StoreReader& reader, std::string_view id, AgentDone done);

  /// Records a call at `at` on the remembered session of `token_hash`, if any.
  void Touched(std::string_view token_hash, WallTime at);

  /// Sessions and agents held.
  size_t size() const { return sessions_.size() + agents_.size(); }

 private:
  // Drops what the changes counted since the cache was filled concern: the agents they name
  // with their sessions, or everything.
  void Revalidate();
  // Drops agent `agent_id` (lowercase) and its sessions.
  void Drop(const std::string& agent_id);
  void Clear();
  // Whether a value of agent `agent_id` read under the count `issued` may be kept, making
  // room for it.
  bool MayKeep(uint64_t issued, const std::string& agent_id);

  const size_t capacity_;
  uint64_t changes_ = 0;  // AgentChanges::Current() that what is held was read under
  std::unordered_map<std::string, store::SessionRecord> sessions_;  // by token hash
  std::unordered_map<std::string, store::Agent> agents_;            // by lowercase id
  // The token hashes of the sessions held, by their agent's lowercase id.
  std::unordered_map<std::string, std::vector<std::string>> sessions_of_agent_;
};

}  // namespace orch::api
