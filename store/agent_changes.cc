#include "store/agent_changes.h"

#include <atomic>

namespace orch::store {
namespace {

std::atomic<uint64_t>& Count() {
  static std::atomic<uint64_t> count{0};
  return count;
}

}  // namespace

uint64_t AgentChanges::Current() {
  return Count().load(std::memory_order_acquire);
}

void AgentChanges::Note() {
  Count().fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace orch::store
