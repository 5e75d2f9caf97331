#include "scheduler/pool_membership.h"

namespace orch::scheduler {

const std::string& PoolMembership::PoolOf(std::string_view agent_id) const {
  auto found = pool_of_.find(std::string(agent_id));
  return found == pool_of_.end() ? default_pool_ : found->second;
}

bool PoolMembership::Replace(uint64_t read, const std::vector<store::AgentInPool>& members) {
  if (read <= applied_) return false;
  applied_ = read;
  pool_of_.clear();
  for (const store::AgentInPool& member : members) pool_of_[member.agent_id] = member.pool_id;
  return true;
}

}  // namespace orch::scheduler
