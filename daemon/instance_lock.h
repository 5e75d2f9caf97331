// InstanceLock: one orchd per state directory.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace orch::daemon {

/// An exclusive flock(2) on a lock file, held for the life of the object. Two daemons on one
/// database would fire every job twice; the second one is refused instead.
class InstanceLock {
 public:
  /// Takes the lock on `path` (created 0600 when absent) or says who holds it.
  static StatusOr<std::unique_ptr<InstanceLock>> Acquire(const std::string& path);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace orch::daemon
