// SessionTouches: the calls agents make on their sessions (polls, heartbeats, job calls),
// remembered in memory and written to the store together about once a second, instead of one
// commit with its fsync per call. A fleet of 10 000 agents renews its long polls about 170
// times a second; each renewal only has to keep the session alive and move LastSeen, which
// a second's delay does not change. Readers of either go through LastCall() or PendingLastSeen().
// The write goes through the StoreWriter: in orchd the store's writer thread, never the loop.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace orch::store {
class Repositories;
class StoreWriter;
struct SessionRecord;
struct SessionTouch;
}  // namespace orch::store
namespace orch::scheduler {
class Timer;
}

namespace orch::api {

class SessionTouches {
 public:
  static constexpr std::chrono::milliseconds kDefaultDelay{1000};

  /// REQUIRES: `writer`, `clock` and `timer` outlive this object, which owns `timer`'s arm,
  /// and the writer's answers run on the thread that calls this object.
  SessionTouches(store::StoreWriter& writer, const Clock& clock, scheduler::Timer& timer,
                 std::chrono::milliseconds delay = kDefaultDelay);
  ~SessionTouches();
  SessionTouches(const SessionTouches&) = delete;
  SessionTouches& operator=(const SessionTouches&) = delete;

  /// Records a call on `session` at `now`; it is written within the delay.
  void Touch(const store::SessionRecord& session, WallTime now);

  /// The session's last call: the later of the stored one and one not yet written.
  WallTime LastCall(const store::SessionRecord& session) const;

  /// The latest call not yet written of each agent that has one (overlaid on LastSeen).
  std::unordered_map<std::string, WallTime> PendingLastSeen() const;

  /// Drops what is pending for a session that has ended.
  void Forget(std::string_view token_hash);

  /// Hands every pending touch to the writer, as one write. Until it is committed they still
  /// count as pending; if it fails they become pending again (and the timer is armed again),
  /// so a store that recovers gets them later.
  void Flush();

  /// Touches not yet written (pending or being written).
  size_t pending() const { return pending_.size() + writing_.size(); }

 private:
  struct Pending {
    std::string agent_id;
    WallTime at;
  };

  using PendingMap = std::unordered_map<std::string, Pending>;  // by token hash

  void Arm();
  // The outcome of writing `touches`: done ones leave writing_, failed ones are pending again.
  void Written(const std::vector<store::SessionTouch>& touches, const Status& written);

  store::StoreWriter& writer_;
  const Clock& clock_;
  scheduler::Timer& timer_;
  const std::chrono::milliseconds delay_;
  PendingMap pending_;
  PendingMap writing_;  // handed to the writer, not yet committed
  bool armed_ = false;
};

}  // namespace orch::api
