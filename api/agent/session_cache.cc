#include "api/agent/session_cache.h"

#include <algorithm>

#include "jobs/ascii.h"
#include "store/agent_changes.h"

namespace orch::api {

void SessionCache::Revalidate() {
  const uint64_t now = store::AgentChanges::Current();
  if (now == changes_) return;
  std::optional<std::vector<std::string>> changed = store::AgentChanges::Since(changes_);
  changes_ = now;
  if (!changed) return Clear();
  for (const std::string& agent_id : *changed) Drop(agent_id);
}

void SessionCache::Drop(const std::string& agent_id) {
  agents_.erase(agent_id);
  auto held = sessions_of_agent_.find(agent_id);
  if (held == sessions_of_agent_.end()) return;
  for (const std::string& hash : held->second) sessions_.erase(hash);
  sessions_of_agent_.erase(held);
}

void SessionCache::Clear() {
  sessions_.clear();
  agents_.clear();
  sessions_of_agent_.clear();
}

bool SessionCache::MayKeep(uint64_t issued, const std::string& agent_id) {
  Revalidate();
  // A change to the agent counted since the read was issued may have come after its snapshot.
  std::optional<std::vector<std::string>> changed = store::AgentChanges::Since(issued);
  if (!changed || std::find(changed->begin(), changed->end(), agent_id) != changed->end()) {
    return false;
  }
  if (size() >= capacity_) Clear();
  return true;
}

void SessionCache::FindSession(store::StoreReader& reader, std::string_view token_hash,
                               SessionDone done) {
  using Found = std::optional<store::SessionRecord>;
  Revalidate();
  std::string key(token_hash);
  if (auto held = sessions_.find(key); held != sessions_.end()) return done(Found(held->second));
  reader.Read<Found>(
      [key](store::Repositories& db) { return db.agents().FindSession(key); },
      [this, key, issued = changes_, done = std::move(done)](StatusOr<Found> found) {
        const bool known = found.ok() && found->has_value();
        if (known) {
          const std::string agent_id = jobs::AsciiLowercase((*found)->agent_id);
          if (MayKeep(issued, agent_id) && sessions_.emplace(key, **found).second) {
            sessions_of_agent_[agent_id].push_back(key);
          }
        }
        done(std::move(found));
      });
}

void SessionCache::GetAgent(store::StoreReader& reader, std::string_view id, AgentDone done) {
  Revalidate();
  std::string key = jobs::AsciiLowercase(id);
  if (auto held = agents_.find(key); held != agents_.end()) return done(held->second);
  reader.Read<store::Agent>(
      [id = std::string(id)](store::Repositories& db) { return db.agents().GetAgent(id); },
      [this, key, issued = changes_, done = std::move(done)](StatusOr<store::Agent> agent) {
        if (agent.ok() && MayKeep(issued, key)) agents_.emplace(key, *agent);
        done(std::move(agent));
      });
}

void SessionCache::Touched(std::string_view token_hash, WallTime at) {
  auto held = sessions_.find(std::string(token_hash));
  if (held == sessions_.end()) return;
  held->second.last_call_at = std::max(held->second.last_call_at, at);
}

}  // namespace orch::api
