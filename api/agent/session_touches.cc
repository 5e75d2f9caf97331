#include "api/agent/session_touches.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/logging.h"
#include "scheduler/timer.h"
#include "store/agent_store.h"

namespace orch::api {

SessionTouches::SessionTouches(store::SqliteStore& store, const Clock& clock,
                               scheduler::Timer& timer, std::chrono::milliseconds delay)
    : store_(store), clock_(clock), timer_(timer), delay_(delay) {}

SessionTouches::~SessionTouches() {
  if (armed_) timer_.Cancel();
}

void SessionTouches::Touch(const store::SessionRecord& session, WallTime now) {
  auto [it, inserted] = pending_.try_emplace(session.token_hash, Pending{session.agent_id, now});
  if (!inserted) it->second.at = std::max(it->second.at, now);
  Arm();
}

WallTime SessionTouches::LastCall(const store::SessionRecord& session) const {
  const auto it = pending_.find(session.token_hash);
  if (it == pending_.end()) return session.last_call_at;
  return std::max(session.last_call_at, it->second.at);
}

void SessionTouches::Forget(std::string_view token_hash) {
  pending_.erase(std::string(token_hash));
}

Status SessionTouches::Flush() {
  if (armed_) {
    timer_.Cancel();
    armed_ = false;
  }
  if (pending_.empty()) return Status::Ok();
  std::vector<store::SessionTouch> touches;
  touches.reserve(pending_.size());
  for (const auto& [token_hash, pending] : pending_) {
    touches.push_back({token_hash, pending.agent_id, pending.at});
  }
  if (Status written = store::AgentStore(store_).TouchSessions(touches); !written.ok()) {
    GetLogger("api")->warn("recording {} agent session call(s) failed, will retry: {}",
                           touches.size(), written.ToString());
    Arm();
    return written;
  }
  pending_.clear();
  return Status::Ok();
}

void SessionTouches::Arm() {
  if (armed_ || pending_.empty()) return;
  armed_ = true;
  timer_.ArmAt(clock_.SteadyNow() + delay_, [this] {
    armed_ = false;
    (void)Flush();  // a failure is logged and re-armed by Flush itself
  });
}

}  // namespace orch::api
