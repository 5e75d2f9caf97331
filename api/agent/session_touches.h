// SessionTouches: the calls agents make on their sessions (polls, heartbeats, job calls),
// remembered in memory and written to the store together about once a second, instead of one
// commit with its fsync per call. A fleet of 10 000 agents renews its long polls about 170
// times a second; each renewal only has to keep the session alive and move LastSeen, which
// a second's delay does not change. Readers of either go through LastCall() or Flush() first.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/status.h"

namespace orch::store {
class SqliteStore;
struct SessionRecord;
}  // namespace orch::store
namespace orch::scheduler {
class Timer;
}

namespace orch::api {

class SessionTouches {
 public:
  static constexpr std::chrono::milliseconds kDefaultDelay{1000};

  /// REQUIRES: `store`, `clock` and `timer` outlive this object, which owns `timer`'s arm.
  SessionTouches(store::SqliteStore& store, const Clock& clock, scheduler::Timer& timer,
                 std::chrono::milliseconds delay = kDefaultDelay);
  ~SessionTouches();
  SessionTouches(const SessionTouches&) = delete;
  SessionTouches& operator=(const SessionTouches&) = delete;

  /// Records a call on `session` at `now`; it is written within the delay.
  void Touch(const store::SessionRecord& session, WallTime now);

  /// The session's last call: the later of the stored one and one not yet written.
  WallTime LastCall(const store::SessionRecord& session) const;

  /// Drops what is pending for a session that has ended.
  void Forget(std::string_view token_hash);

  /// Writes every pending touch in one transaction. On failure they stay pending (and the
  /// timer is armed again), so a store that recovers gets them later.
  Status Flush();

  /// Touches not yet written.
  size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::string agent_id;
    WallTime at;
  };

  void Arm();

  store::SqliteStore& store_;
  const Clock& clock_;
  scheduler::Timer& timer_;
  const std::chrono::milliseconds delay_;
  std::unordered_map<std::string, Pending> pending_;  // by token hash
  bool armed_ = false;
};

}  // namespace orch::api
