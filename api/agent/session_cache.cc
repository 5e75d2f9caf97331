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

bool SessionCache::MayKeep(uint64_t issued) {
  // A change counted since the read was issued may have come after its snapshot.
  Revalidate();
  if (issued != changes_) return false;
  if (size() >= capacity_) {
    sessions_.clear();
    agents_.clear();
  }
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
        if (known && MayKeep(issued)) sessions_.emplace(key, **found);
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
        if (agent.ok() && MayKeep(issued)) agents_.emplace(key, *agent);
        done(std::move(agent));
      });
}

void SessionCache::Touched(std::string_view token_hash, WallTime at) {
  auto held = sessions_.find(std::string(token_hash));
  if (held == sessions_.end()) return;
  held->second.last_call_at = std::max(held->second.last_call_at, at);
}

}  // namespace orch::api
