#include "api/agent/session_cache.h"

#include <algorithm>

#include "jobs/ascii.h"
#include "store/agent_changes.h"

namespace orch::api {

void SessionCache::Revalidate() {
  const uint64_t now = store::AgentChanges::Current();
  if (now == changes_) return;
  sessions_.clear();
  agents_.clear();
  changes_ = now;
}

bool SessionCache::MayKeep() {
  if (store::AgentChanges::Current() != changes_) return false;
  if (size() >= capacity_) {
    sessions_.clear();
    agents_.clear();
  }
  return true;
}

StatusOr<std::optional<store::SessionRecord>> SessionCache::FindSession(
    store::Repositories& store, std::string_view token_hash) {
  Revalidate();
  std::string key(token_hash);
  if (auto held = sessions_.find(key); held != sessions_.end()) {
    return std::optional<store::SessionRecord>(held->second);
  }
  StatusOr<std::optional<store::SessionRecord>> found =
      store.agents().FindSession(token_hash);
  if (found.ok() && found->has_value() && MayKeep()) sessions_.emplace(std::move(key), **found);
  return found;
}

StatusOr<store::Agent> SessionCache::GetAgent(store::Repositories& store, std::string_view id) {
  Revalidate();
  std::string key = jobs::AsciiLowercase(id);
  if (auto held = agents_.find(key); held != agents_.end()) return held->second;
  StatusOr<store::Agent> agent = store.agents().GetAgent(id);
  if (agent.ok() && MayKeep()) agents_.emplace(std::move(key), *agent);
  return agent;
}

void SessionCache::Touched(std::string_view token_hash, WallTime at) {
  auto held = sessions_.find(std::string(token_hash));
  if (held == sessions_.end()) return;
  held->second.last_call_at = std::max(held->second.last_call_at, at);
}

}  // namespace orch::api
