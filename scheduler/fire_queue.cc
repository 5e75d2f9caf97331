#include "scheduler/fire_queue.h"

#include <algorithm>
#include <tuple>

namespace orch::scheduler {
namespace {

// The heap order: std::*_heap keep the greatest first, so "greater" puts the earliest on top.
bool Later(const store::FireEntry& a, const store::FireEntry& b) {
  return std::tie(a.fire_ms, a.job_seq) > std::tie(b.fire_ms, b.job_seq);
}

}  // namespace

void FireQueue::Load(std::vector<store::FireEntry> entries) {
  heap_ = std::move(entries);
  heap_.shrink_to_fit();  // a million entries read one by one leave spare capacity behind
  std::make_heap(heap_.begin(), heap_.end(), Later);
  dequeued_.clear();
}

void FireQueue::Push(const store::FireEntry& entry) {
  heap_.push_back(entry);
  std::push_heap(heap_.begin(), heap_.end(), Later);
}

std::vector<store::FireEntry> FireQueue::Entries() const {
  std::vector<store::FireEntry> entries;
  entries.reserve(size());
  for (const store::FireEntry& e : heap_) {
    if (!dequeued_.contains({e.fire_ms, e.job_seq})) entries.push_back(e);
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return std::pair(a.fire_ms, a.job_seq) < std::pair(b.fire_ms, b.job_seq);
  });
  return entries;
}

void FireQueue::Dequeue(const store::FireEntry& entry) {
  dequeued_.emplace(entry.fire_ms, entry.job_seq);
}

std::vector<store::FireEntry> FireQueue::PopDue(int64_t now_ms, size_t limit) {
  std::vector<store::FireEntry> due;
  while (HasDue(now_ms) && due.size() < limit) {
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    const store::FireEntry entry = heap_.back();
    heap_.pop_back();
    if (dequeued_.erase({entry.fire_ms, entry.job_seq}) == 0) due.push_back(entry);
  }
  return due;
}

bool FireQueue::HasDue(int64_t now_ms) const {
  return !heap_.empty() && heap_.front().fire_ms <= now_ms;
}

std::optional<int64_t> FireQueue::NextFireMs() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().fire_ms;
}

}  // namespace orch::scheduler
