#include "scheduler/open_run_index.h"

#include <algorithm>
#include <functional>
#include <map>

#include "jobs/iso_time.h"
#include "scheduler/timer.h"

namespace orch::scheduler {
namespace {

using store::RunRecord;

std::string AgentTarget(const std::string& agent_id, int store_type) {
  return "agent:" + agent_id + "/" + std::to_string(store_type);
}

std::string PoolTarget(const std::string& pool_id, int store_type) {
  return "pool:" + pool_id + "/" + std::to_string(store_type);
}

// Where a run waits: its store's agent or pool, and the store type an agent must serve.
std::string TargetOf(const RunRecord& run) {
  if (!run.target_agent_id.empty()) return AgentTarget(run.target_agent_id, run.store_type);
  if (!run.target_pool_id.empty()) return PoolTarget(run.target_pool_id, run.store_type);
  return "";  // a store bound to nothing: no agent takes its runs
}

template <typename T>
void PushHeap(std::vector<T>& heap, T entry) {
  heap.push_back(std::move(entry));
  std::push_heap(heap.begin(), heap.end(), std::greater<T>());
}

template <typename T>
T PopHeap(std::vector<T>& heap) {
  std::pop_heap(heap.begin(), heap.end(), std::greater<T>());
  T top = std::move(heap.back());
  heap.pop_back();
  return top;
}

}  // namespace

OpenRunIndex::OpenRunIndex(const Clock& clock) : clock_(clock) {}

void OpenRunIndex::Add(const RunRecord& run) {
  Remove(run.run_id);  // a run tracked again (reloaded) replaces what was known of it
  OpenRun open{run.job_id,        run.agent_id, run.status,   run.attempt,
               run.scheduled_for, {},           TargetOf(run)};
  if (!run.agent_id.empty()) {
    ++in_flight_[run.agent_id];
    // A lease granted before a restart keeps its wall-clock end.
    open.lease_deadline = SteadyFor(clock_, run.lease_expires.value_or(clock_.WallNow()));
    PushHeap(leases_, {*open.lease_deadline, run.run_id});
  } else {
    File(run.run_id, open);
    if (run.scheduled_for > clock_.WallNow()) {
      PushHeap(pending_, {jobs::ToUnixMillis(run.scheduled_for), run.run_id});
    }
  }
  open_by_job_[run.job_id] = run.run_id;
  open_.insert_or_assign(run.run_id, std::move(open));
}

void OpenRunIndex::Remove(int64_t run_id) {
  auto it = open_.find(run_id);
  if (it == open_.end()) return;
  if (it->second.agent_id.empty()) {
    Unfile(run_id, it->second);
  } else {
    CountOut(it->second.agent_id);
  }
  if (auto job = open_by_job_.find(it->second.job_id);
      job != open_by_job_.end() && job->second == run_id) {
    open_by_job_.erase(job);
  }
  open_.erase(it);
}

void OpenRunIndex::MarkDelivered(int64_t run_id, const std::string& agent_id,
                                 SteadyTime lease_deadline) {
  auto it = open_.find(run_id);
  if (it == open_.end() || !it->second.agent_id.empty()) return;
  Unfile(run_id, it->second);
  it->second.agent_id = agent_id;
  it->second.lease_deadline = lease_deadline;
  PushHeap(leases_, {lease_deadline, run_id});
  ++in_flight_[agent_id];
}

void OpenRunIndex::MarkUndelivered(int64_t run_id) {
  auto it = open_.find(run_id);
  if (it == open_.end() || it->second.agent_id.empty()) return;
  CountOut(it->second.agent_id);
  it->second.agent_id.clear();
  it->second.status = store::RunStatus::kWaiting;
  it->second.lease_deadline.reset();  // its entry in leases_ is ignored from now on
  File(run_id, it->second);
}

void OpenRunIndex::MarkStarted(int64_t run_id) {
  auto it = open_.find(run_id);
  if (it == open_.end() || it->second.agent_id.empty()) return;
  it->second.status = store::RunStatus::kInProcess;
}

void OpenRunIndex::RenewLease(int64_t run_id, SteadyTime deadline) {
  auto it = open_.find(run_id);
  if (it == open_.end() || it->second.agent_id.empty()) return;
  it->second.lease_deadline = deadline;
  PushHeap(leases_, {deadline, run_id});
}

std::vector<int64_t> OpenRunIndex::Ids() const {
  std::vector<int64_t> ids;
  ids.reserve(open_.size());
  for (const auto& [id, run] : open_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

const OpenRun* OpenRunIndex::Find(int64_t run_id) const {
  auto it = open_.find(run_id);
  return it == open_.end() ? nullptr : &it->second;
}

std::optional<int64_t> OpenRunIndex::RunOfJob(const std::string& job_id) const {
  auto it = open_by_job_.find(job_id);
  if (it == open_by_job_.end()) return std::nullopt;
  return it->second;
}

int OpenRunIndex::InFlight(const std::string& agent_id) const {
  auto it = in_flight_.find(agent_id);
  return it == in_flight_.end() ? 0 : it->second;
}

std::vector<int64_t> OpenRunIndex::Pick(const AgentIdentity& agent, const std::string& pool_id,
                                        int limit) const {
  // The earliest due runs of every queue the agent serves, merged; each queue gives at most
  // `limit`, so the cost does not grow with the backlog.
  const int64_t now_ms = jobs::ToUnixMillis(clock_.WallNow());
  std::vector<std::pair<int64_t, int64_t>> due;
  auto take = [&](const std::string& target) {
    auto queue = undelivered_.find(target);
    if (queue == undelivered_.end()) return;
    int taken = 0;
    for (auto it = queue->second.begin();
         it != queue->second.end() && it->first <= now_ms && taken < limit; ++it, ++taken) {
      due.push_back(*it);
    }
  };
  for (int type : agent.store_types) {
    take(AgentTarget(agent.agent_id, type));
    take(PoolTarget(pool_id, type));
  }
  std::sort(due.begin(), due.end());  // a run sits in one queue only: no duplicates
  if (due.size() > static_cast<size_t>(limit)) due.resize(static_cast<size_t>(limit));
  std::vector<int64_t> ids;
  ids.reserve(due.size());
  for (const auto& [due_ms, run_id] : due) ids.push_back(run_id);
  return ids;
}

std::optional<int64_t> OpenRunIndex::NextExpiredLease() {
  const SteadyTime now = clock_.SteadyNow();
  while (!leases_.empty() && leases_.front().first <= now) {
    const auto [deadline, run_id] = PopHeap(leases_);
    auto it = open_.find(run_id);
    if (it != open_.end() && it->second.lease_deadline == deadline) return run_id;
  }
  return std::nullopt;
}

bool OpenRunIndex::TakeDuePending() {
  const int64_t now_ms = jobs::ToUnixMillis(clock_.WallNow());
  bool any = false;
  while (!pending_.empty() && pending_.front().first <= now_ms) {
    any = open_.contains(PopHeap(pending_).second) || any;
  }
  return any;
}

std::optional<SteadyTime> OpenRunIndex::NextDeadline() const {
  std::optional<SteadyTime> next;
  if (!leases_.empty()) next = leases_.front().first;
  if (!pending_.empty()) {
    const SteadyTime due = SteadyFor(clock_, jobs::FromUnixMillis(pending_.front().first));
    if (!next || due < *next) next = due;
  }
  return next;
}

void OpenRunIndex::File(int64_t run_id, const OpenRun& run) {
  undelivered_[run.target].emplace(jobs::ToUnixMillis(run.due), run_id);
}

void OpenRunIndex::Unfile(int64_t run_id, const OpenRun& run) {
  auto queue = undelivered_.find(run.target);
  if (queue == undelivered_.end()) return;
  queue->second.erase({jobs::ToUnixMillis(run.due), run_id});
  if (queue->second.empty()) undelivered_.erase(queue);
}

void OpenRunIndex::CountOut(const std::string& agent_id) {
  if (auto agent = in_flight_.find(agent_id); agent != in_flight_.end() && --agent->second <= 0) {
    in_flight_.erase(agent);
  }
}

Status OpenRunIndex::Verify() const {
  auto mismatch = [](const std::string& what) { return InternalError("open runs: " + what); };
  // The secondary indexes as they should be, rebuilt from the runs.
  std::unordered_map<std::string, int> in_flight;
  std::unordered_map<std::string, Queue> undelivered;
  std::set<std::pair<SteadyTime, int64_t>> leases(leases_.begin(), leases_.end());
  const SteadyTime now = clock_.SteadyNow();
  for (const auto& [id, run] : open_) {
    const std::string name = "run " + std::to_string(id);
    if (run.agent_id.empty() == run.lease_deadline.has_value()) {
      return mismatch(name + " has a lease deadline without an agent, or the reverse");
    }
    if (run.agent_id.empty()) {
      if (run.status != store::RunStatus::kWaiting) return mismatch(name + " started undelivered");
      undelivered[run.target].emplace(jobs::ToUnixMillis(run.due), id);
    } else {
      ++in_flight[run.agent_id];
      // NextExpiredLease() has taken the entry of a lease that ended.
      if (!leases.contains({*run.lease_deadline, id}) && *run.lease_deadline > now) {
        return mismatch(name + " has no lease entry");
      }
    }
  }
  for (const auto& [job_id, id] : open_by_job_) {
    const OpenRun* run = Find(id);
    if (run == nullptr || run->job_id != job_id) {
      return mismatch("job " + job_id + " names run " + std::to_string(id) + ", not its own");
    }
  }
  if (in_flight != in_flight_) return mismatch("runs in flight per agent are miscounted");
  if (undelivered != undelivered_) return mismatch("undelivered runs are misfiled");
  const std::greater<> later;
  if (!std::is_heap(leases_.begin(), leases_.end(), later) ||
      !std::is_heap(pending_.begin(), pending_.end(), later)) {
    return mismatch("a deadline heap is out of order");
  }
  return Status::Ok();
}

}  // namespace orch::scheduler
