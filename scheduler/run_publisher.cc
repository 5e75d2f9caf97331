#include "scheduler/run_publisher.h"

#include <utility>

namespace orch::scheduler {

uint64_t RunPublisher::Subscribe(RunListener listener) {
  listeners_.emplace(++last_handle_, std::make_shared<const RunListener>(std::move(listener)));
  return last_handle_;
}

void RunPublisher::Unsubscribe(uint64_t handle) {
  listeners_.erase(handle);
}

void RunPublisher::Publish(const store::RunRecord& run) {
  // Walks by handle rather than by iterator: a call may erase any entry of the map. Handles
  // grow, so those above `last` were subscribed during this walk.
  const uint64_t last = last_handle_;
  for (auto it = listeners_.begin(); it != listeners_.end() && it->first <= last;) {
    const uint64_t handle = it->first;
    const std::shared_ptr<const RunListener> listener = it->second;
    (*listener)(run);
    it = listeners_.upper_bound(handle);
  }
}

}  // namespace orch::scheduler
