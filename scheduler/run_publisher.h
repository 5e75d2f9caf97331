// RunPublisher: tells the listeners (history followers) of every run the scheduler writes or
// changes. Listeners come and go by handle, also from inside a call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "store/run_repository.h"

namespace orch::scheduler {

/// Told of every run the scheduler writes or changes, as it now stands in the store.
using RunListener = std::function<void(const store::RunRecord&)>;

/// The listeners of run changes, called in the order they subscribed.
class RunPublisher {
 public:
  /// Adds `listener`; answers its handle for Unsubscribe(). Handles are never reused.
  uint64_t Subscribe(RunListener listener);
  /// Removes the listener of `handle`, if any. Allowed from inside a listener's call (its own
  /// handle or another's): a listener removed that way is not called again, not even for the
  /// run being published.
  void Unsubscribe(uint64_t handle);
  /// Calls every listener with `run`. Listeners subscribed during the call are not called for
  /// this run.
  void Publish(const store::RunRecord& run);

  /// Whether nobody listens (so that a run need not be read for them).
  bool empty() const { return listeners_.empty(); }

 private:
  // Shared, so that a listener that unsubscribes itself lives until its call returns.
  std::map<uint64_t, std::shared_ptr<const RunListener>> listeners_;
  uint64_t last_handle_ = 0;
};

}  // namespace orch::scheduler
