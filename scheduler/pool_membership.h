// PoolMembership: which custom pool each agent belongs to, in memory, so that a poll or a
// registration finds its agent's pool without reading the store. An agent in no custom pool
// belongs to the Default Agent Pool. The scheduler loads it at start and replaces it whenever
// pools change; a replacement read before an earlier one's answer arrived wins over it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/pool_repository.h"

namespace orch::scheduler {

class PoolMembership {
 public:
  /// The pool of `agent_id` (lowercase GUID): its custom pool, or the Default pool's id.
  const std::string& PoolOf(std::string_view agent_id) const;

  /// Starts a new reading of the memberships; answers its number for Replace().
  uint64_t BeginRead() { return ++reads_begun_; }
  /// Replaces the memberships with `members`, as read by the reading `read` (from
  /// BeginRead()); answers false, changing nothing, when a later reading has already been
  /// applied.
  bool Replace(uint64_t read, const std::vector<store::AgentInPool>& members);

  /// Agents in custom pools.
  size_t size() const { return pool_of_.size(); }

 private:
  const std::string default_pool_{store::kDefaultPoolId};
  std::unordered_map<std::string, std::string> pool_of_;
  uint64_t reads_begun_ = 0;
  uint64_t applied_ = 0;
};

}  // namespace orch::scheduler
