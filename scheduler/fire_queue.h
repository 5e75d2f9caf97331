// FireQueue: every scheduled job's next fire as one 16-byte (fire ms, job seq) entry in a
// min-heap, so that a million scheduled jobs cost 16 MB and the earliest is found at once.
// Entries of jobs unscheduled since they were queued stay in the heap, marked, and are
// skipped when they come due (a heap cannot remove from its middle).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "store/run_repository.h"

namespace orch::scheduler {

/// The fire times of the scheduled jobs, earliest first. Times are Unix milliseconds.
class FireQueue {
 public:
  /// Replaces the queue with `entries` (a restart), building the heap in place in one pass.
  void Load(std::vector<store::FireEntry> entries);
  /// Queues a job's next fire.
  void Push(const store::FireEntry& entry);
  /// Marks a queued entry whose job was unscheduled: it no longer counts in size() and never
  /// comes out of PopDue().
  void Dequeue(const store::FireEntry& entry);

  /// Removes and answers up to `limit` entries due by `now_ms` (fire ms <= now_ms), earliest
  /// first. Dequeued entries met on the way are dropped and do not count towards `limit`.
  std::vector<store::FireEntry> PopDue(int64_t now_ms, size_t limit);
  /// Whether an entry (possibly a dequeued one) is due by `now_ms`.
  bool HasDue(int64_t now_ms) const;
  /// The earliest entry's fire time, or nullopt when the queue is empty. It may be a dequeued
  /// entry: waking for it costs one pass that fires nothing.
  std::optional<int64_t> NextFireMs() const;

  /// The entries that will fire: queued ones less dequeued ones.
  size_t size() const { return heap_.size() - dequeued_.size(); }
  /// The entries that will fire, earliest first (tests compare them with the store's).
  std::vector<store::FireEntry> Entries() const;

 private:
  using Key = std::pair<int64_t, int64_t>;  // (fire ms, job seq)

  std::vector<store::FireEntry> heap_;  // a min-heap by (fire ms, job seq)
  std::set<Key> dequeued_;              // entries of heap_ whose jobs were unscheduled
};

}  // namespace orch::scheduler
