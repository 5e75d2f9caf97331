#include "api/agent/session_touches.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/logging.h"
#include "scheduler/timer.h"
#include "store/agent_repository.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

// Records a call at `at` in `map`, keeping the latest.
void Note(std::unordered_map<std::string, WallTime>& map, const std::string& key, WallTime at) {
  auto [it, inserted] = map.try_emplace(key, at);
  if (!inserted) it->second = std::max(it->second, at);
}

}  // namespace

SessionTouches::SessionTouches(store::StoreWriter& writer, const Clock& clock,
                               scheduler::Timer& timer, std::chrono::milliseconds delay)
    : writer_(writer), clock_(clock), timer_(timer), delay_(delay) {}

SessionTouches::~SessionTouches() {
  if (armed_) timer_.Cancel();
}

void SessionTouches::Touch(const store::SessionRecord& session, WallTime now) {
  auto [it, inserted] = pending_.try_emplace(session.token_hash, Pending{session.agent_id, now});
  if (!inserted) it->second.at = std::max(it->second.at, now);
  Arm();
}

WallTime SessionTouches::LastCall(const store::SessionRecord& session) const {
  WallTime last = session.last_call_at;
  for (const PendingMap* map : {&pending_, &writing_}) {
    const auto it = map->find(session.token_hash);
    if (it != map->end()) last = std::max(last, it->second.at);
  }
  return last;
}

std::unordered_map<std::string, WallTime> SessionTouches::PendingLastSeen() const {
  std::unordered_map<std::string, WallTime> seen;
  for (const PendingMap* map : {&pending_, &writing_}) {
    for (const auto& [token_hash, pending] : *map) Note(seen, pending.agent_id, pending.at);
  }
  return seen;
}

void SessionTouches::Forget(std::string_view token_hash) {
  const std::string key(token_hash);
  pending_.erase(key);
  writing_.erase(key);
}

void SessionTouches::Flush() {
  if (armed_) {
    timer_.Cancel();
    armed_ = false;
  }
  if (pending_.empty()) return;
  std::vector<store::SessionTouch> touches;
  touches.reserve(pending_.size());
  for (auto& [token_hash, pending] : pending_) {
    touches.push_back({token_hash, pending.agent_id, pending.at});
    // In flight until committed: still seen by LastCall(), and pending again on failure.
    auto [it, inserted] = writing_.try_emplace(token_hash, pending);
    if (!inserted) it->second.at = std::max(it->second.at, pending.at);
  }
  pending_.clear();
  writer_.Submit(
      [touches](store::Repositories& store) {
        return store.agents().TouchSessions(touches);
      },
      [this, touches](Status written) { Written(touches, written); });
}

void SessionTouches::Written(const std::vector<store::SessionTouch>& touches,
                             const Status& written) {
  for (const store::SessionTouch& touch : touches) {
    const auto it = writing_.find(touch.token_hash);
    if (it == writing_.end() || it->second.at > touch.at) continue;  // a later write has it
    if (!written.ok()) {
      auto [kept, inserted] = pending_.try_emplace(it->first, it->second);
      if (!inserted) kept->second.at = std::max(kept->second.at, it->second.at);
    }
    writing_.erase(it);
  }
  if (written.ok()) return;
  GetLogger("api")->warn("recording agent session calls failed, will retry: {}",
                         written.ToString());
  Arm();
}

void SessionTouches::Arm() {
  if (armed_ || pending_.empty()) return;
  armed_ = true;
  timer_.ArmAt(clock_.SteadyNow() + delay_, [this] {
    armed_ = false;
    Flush();  // a failure is logged and re-armed when its answer comes
  });
}

}  // namespace orch::api
