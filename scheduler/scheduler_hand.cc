// Handing runs over: registrations, polls and the dispatch to parked polls, their leases
// written through the writer. Runs are reserved in memory while their leases are written, so
// that no other agent picks them meanwhile.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>

#include "common/logging.h"
#include "scheduler/scheduler.h"

namespace orch::scheduler {
namespace {

using std::chrono::milliseconds;
using store::RunRecord;
using store::RunStatus;

std::shared_ptr<spdlog::logger> Log() {
  return GetLogger("scheduler");
}

}  // namespace

void Scheduler::TakeDueRuns(const AgentIdentity& agent, TakeCallback done) {
  Redeliver(agent.agent_id, [this, agent, done = std::move(done)](std::vector<RunRecord> again) {
    const std::string& pool = pools_.PoolOf(agent.agent_id);
    HandLater({{&agent, &pool}}, [this, agent_id = agent.agent_id, again = std::move(again),
                                  done](StatusOr<Handed> runs) mutable {
      if (!runs.ok() && again.empty()) return done(runs.status());
      std::vector<RunRecord> taken = TakeOwed(agent_id);
      for (RunRecord& run : again) taken.push_back(std::move(run));
      if (runs.ok()) {
        for (RunRecord& run : runs->front()) taken.push_back(std::move(run));
      }
      done(std::move(taken));
    });
  });
}

void Scheduler::Poll(const AgentIdentity& agent, milliseconds wait, PollCallback done) {
  polls_.Answer(agent.agent_id, {});  // an earlier poll of the agent ends empty
  const uint64_t generation = ++polls_started_;
  poll_generation_[agent.agent_id] = generation;
  if (std::vector<RunRecord> owed = TakeOwed(agent.agent_id); !owed.empty()) {
    return done(std::move(owed));
  }
  if (!redeliver_.contains(agent.agent_id)) {
    return PollForNewRuns(agent, wait, generation, std::move(done));
  }
  // Once, whatever its outcome: a failed write keeps the runs for the agent's next call.
  Redeliver(agent.agent_id, [this, agent, wait, generation, done = std::move(done)](
                                std::vector<RunRecord> again) mutable {
    if (!again.empty()) return done(std::move(again));
    PollForNewRuns(agent, wait, generation, std::move(done));
  });
}

void Scheduler::PollForNewRuns(const AgentIdentity& agent, milliseconds wait, uint64_t generation,
                               PollCallback done) {
  const std::string& pool = pools_.PoolOf(agent.agent_id);
  HandLater({{&agent, &pool}}, [this, agent, pool, wait, generation,
                                done = std::move(done)](StatusOr<Handed> runs) mutable {
    if (!runs.ok()) {
      Log()->error("poll of agent {}: {}", agent.agent_id, runs.status().ToString());
      return done({});
    }
    // A stopped scheduler (draining) parks nothing: its polls would never be answered. Nor
    // does a poll that a newer one of its agent replaced while its leases were written.
    if (!runs->front().empty() || wait <= milliseconds(0) || !started_ ||
        poll_generation_[agent.agent_id] != generation) {
      return done(std::move(runs->front()));
    }
    polls_.Park(std::move(agent), std::move(pool), clock_.SteadyNow() + wait, std::move(done));
    Arm();
  });
}

void Scheduler::DispatchToPollers() {
  if (polls_.empty() || !runs_.HasUndelivered()) return;
  // Fewest runs in flight first; among equals, the one polling longest. A poll whose dispatch
  // is being written waits for it.
  std::vector<const ParkedPoll*> turns =
      polls_.InTurn([this](const std::string& agent_id) { return runs_.InFlight(agent_id); });
  // The leases go to the writer in parts: a small first one, written alone so that nothing
  // joins its commit and the first agents get their runs at once, then larger ones while the
  // first are answered, at most kMaxDispatchWritesInFlight at a time. When one is committed,
  // the next is submitted.
  size_t next = 0;
  while (dispatch_writes_in_flight_ < kMaxDispatchWritesInFlight && next < turns.size() &&
         runs_.HasUndelivered()) {
    if (dispatches_since_idle_ == 1 && dispatch_writes_in_flight_ == 1) return;
    const size_t limit = dispatches_since_idle_ == 0 ? kFirstDispatchRuns : kDispatchRuns;
    std::vector<Want> wants;
    std::vector<std::string> agent_ids;
    size_t planned = 0;
    for (; next < turns.size() && planned < limit; ++next) {
      const ParkedPoll* poll = turns[next];
      if (dispatching_.contains(poll->agent.agent_id)) continue;
      wants.push_back({&poll->agent, &poll->pool_id});
      agent_ids.push_back(poll->agent.agent_id);
      planned += static_cast<size_t>(settings_.max_runs_per_delivery);
    }
    if (wants.empty()) return;
    SubmitDispatch(wants, std::move(agent_ids));
  }
}

void Scheduler::SubmitDispatch(const std::vector<Want>& wants, std::vector<std::string> agent_ids) {
  const SteadyTime start = clock_.SteadyNow();
  Reservation reserved = Reserve(wants);
  if (reserved.deliveries.empty()) return;
  for (size_t i = 0; i < agent_ids.size(); ++i) {
    if (reserved.delivery_of[i] != SIZE_MAX) dispatching_.insert(agent_ids[i]);
  }
  ++dispatch_writes_in_flight_;
  ++dispatches_since_idle_;
  auto shared = std::make_shared<const Reservation>(std::move(reserved));
  writer_.Submit<store::Delivered>(
      [shared](store::Repositories& writer) { return writer.runs().Deliver(shared->deliveries); },
      [this, alive = std::weak_ptr<int>(alive_), shared, agent_ids = std::move(agent_ids),
       start](StatusOr<store::Delivered> delivered) {
        if (alive.expired()) return;
        --dispatch_writes_in_flight_;
        for (size_t i = 0; i < agent_ids.size(); ++i) {
          if (shared->delivery_of[i] != SIZE_MAX) dispatching_.erase(agent_ids[i]);
        }
        StatusOr<Handed> runs = Landed(*shared, std::move(delivered));
        Log()->debug("handed out due runs to {} polling agent(s) in {} ms", agent_ids.size(),
                     std::chrono::duration_cast<milliseconds>(clock_.SteadyNow() - start).count());
        if (!runs.ok()) {
          Log()->error("dispatch to {} polling agent(s): {}", agent_ids.size(),
                       runs.status().ToString());
          if (dispatch_writes_in_flight_ == 0) dispatches_since_idle_ = 0;
          return;
        }
        for (size_t i = 0; i < agent_ids.size(); ++i) {
          if ((*runs)[i].empty()) continue;
          // Answers are sent from the event loop later, so no answer here ends another poll.
          if (polls_.Find(agent_ids[i]) != nullptr) {
            polls_.Answer(agent_ids[i], std::move((*runs)[i]));
          } else {
            Owe(agent_ids[i], std::move((*runs)[i]));
          }
        }
        if (started_) DispatchToPollers();  // the polls left for a later part
        // The round is over once no part of it is left in the writer.
        if (dispatch_writes_in_flight_ == 0) dispatches_since_idle_ = 0;
        if (started_) Arm();
      });
}

Scheduler::Reservation Scheduler::Reserve(const std::vector<Want>& wants) {
  const WallTime lease_end = clock_.WallNow() + settings_.lease;
  const SteadyTime deadline = clock_.SteadyNow() + settings_.lease;
  Reservation reserved;
  reserved.delivery_of.assign(wants.size(), SIZE_MAX);
  for (size_t i = 0; i < wants.size(); ++i) {
    const AgentIdentity& agent = *wants[i].agent;
    std::vector<int64_t> ids =
        runs_.Pick(agent, *wants[i].pool_id, settings_.max_runs_per_delivery);
    if (ids.empty()) continue;
    // Leased in memory at once, so that no other agent picks them too.
    for (int64_t id : ids) {
      runs_.MarkDelivered(id, agent.agent_id, deadline);
      Busy(id);
    }
    reserved.delivery_of[i] = reserved.deliveries.size();
    reserved.deliveries.push_back(
        {agent.agent_id, agent.client_machine, *wants[i].pool_id, lease_end, std::move(ids)});
  }
  return reserved;
}

void Scheduler::HandLater(const std::vector<Want>& wants,
                          std::function<void(StatusOr<Handed>)> done) {
  Reservation reserved = Reserve(wants);
  if (reserved.deliveries.empty()) return done(Handed(wants.size()));
  auto shared = std::make_shared<const Reservation>(std::move(reserved));
  writer_.Submit<store::Delivered>(
      [shared](store::Repositories& writer) { return writer.runs().Deliver(shared->deliveries); },
      [this, alive = std::weak_ptr<int>(alive_), shared,
       done = std::move(done)](StatusOr<store::Delivered> delivered) {
        if (alive.expired()) return;
        done(Landed(*shared, std::move(delivered)));
      });
}

StatusOr<Scheduler::Handed> Scheduler::Landed(const Reservation& reserved,
                                              StatusOr<store::Delivered> delivered) {
  for (const store::Delivery& d : reserved.deliveries) {
    for (int64_t id : d.run_ids) {
      if (!delivered.ok()) runs_.MarkUndelivered(id);
      Settle(id);
    }
  }
  if (!delivered.ok()) return delivered.status();
  // A refused run changed under the scheduler (its store was bound elsewhere, say): what the
  // store holds now is what counts.
  for (int64_t id : delivered->refused) {
    runs_.MarkUndelivered(id);
    Reload(id);
  }
  Handed handed(reserved.delivery_of.size());
  for (size_t i = 0; i < handed.size(); ++i) {
    if (reserved.delivery_of[i] == SIZE_MAX) continue;
    handed[i] = std::move(delivered->runs[reserved.delivery_of[i]]);
    for (const RunRecord& run : handed[i]) publisher_.Publish(run);
    stats_.delivered += static_cast<int64_t>(handed[i].size());
  }
  return handed;
}

void Scheduler::Redeliver(const std::string& agent_id,
                          std::function<void(std::vector<RunRecord>)> done) {
  auto it = redeliver_.find(agent_id);
  if (it == redeliver_.end()) return done({});
  std::vector<int64_t> ids;
  for (int64_t id : it->second) {
    // Only what is still leased to the agent, not started and with no write in flight.
    const OpenRun* open = runs_.Find(id);
    if (open != nullptr && open->agent_id == agent_id && open->status == RunStatus::kWaiting &&
        !busy_.contains(id)) {
      ids.push_back(id);
    }
  }
  redeliver_.erase(it);
  if (ids.empty()) return done({});
  for (int64_t id : ids) Busy(id);
  const WallTime expires = clock_.WallNow() + settings_.lease;
  const SteadyTime deadline = clock_.SteadyNow() + settings_.lease;
  writer_.Submit<std::vector<RunRecord>>(
      [agent_id, ids, expires](store::Repositories& store) {
        return store.runs().Redeliver(agent_id, ids, expires);
      },
      [this, alive = std::weak_ptr<int>(alive_), agent_id, ids, deadline,
       done = std::move(done)](StatusOr<std::vector<RunRecord>> again) {
        if (alive.expired()) return;
        for (int64_t id : ids) Settle(id);
        if (!again.ok()) {
          // Tried again at the agent's next call; meanwhile the old leases stand.
          Log()->error("handing agent {} its runs again: {}", agent_id, again.status().ToString());
          std::vector<int64_t>& later = redeliver_[agent_id];
          later.insert(later.end(), ids.begin(), ids.end());
          return done({});
        }
        for (const RunRecord& run : *again) {
          runs_.RenewLease(run.run_id, deadline);
          publisher_.Publish(run);
        }
        stats_.redelivered += static_cast<int64_t>(again->size());
        if (!again->empty()) {
          Log()->info("handed agent {} again {} run(s) it had not started", agent_id,
                      again->size());
        }
        if (started_) Arm();
        done(std::move(*again));
      });
}

void Scheduler::Unsent(const std::string& agent_id, const std::vector<int64_t>& run_ids) {
  std::vector<int64_t>& again = redeliver_[agent_id];
  size_t added = 0;
  for (int64_t id : run_ids) {
    // Only what is still leased to the agent and not started.
    const OpenRun* open = runs_.Find(id);
    if (open != nullptr && open->agent_id == agent_id && open->status == RunStatus::kWaiting &&
        std::find(again.begin(), again.end(), id) == again.end()) {
      again.push_back(id);
      ++added;
    }
  }
  if (again.empty()) {
    redeliver_.erase(agent_id);
    return;
  }
  if (added == 0) return;
  Log()->info(
      "the answer handing agent {} {} run(s) was not sent; they are handed again at its "
      "next call",
      agent_id, added);
  // The agent may be back already, on another connection, with a poll parked: that poll takes
  // them now rather than after it ends.
  if (polls_.Find(agent_id) == nullptr) return;
  Redeliver(agent_id, [this, agent_id](std::vector<RunRecord> runs) {
    if (runs.empty()) return;
    if (polls_.Find(agent_id) != nullptr) return polls_.Answer(agent_id, std::move(runs));
    Owe(agent_id, std::move(runs));
  });
}

void Scheduler::Owe(const std::string& agent_id, std::vector<RunRecord> runs) {
  std::vector<RunRecord>& owed = owed_[agent_id];
  for (RunRecord& run : runs) owed.push_back(std::move(run));
}

std::vector<RunRecord> Scheduler::TakeOwed(const std::string& agent_id) {
  auto it = owed_.find(agent_id);
  if (it == owed_.end()) return {};
  std::vector<RunRecord> owed;
  for (RunRecord& run : it->second) {
    // Only what is still leased to the agent and not started (its lease may have ended).
    const OpenRun* open = runs_.Find(run.run_id);
    if (open != nullptr && open->agent_id == agent_id && open->status == RunStatus::kWaiting) {
      owed.push_back(std::move(run));
    }
  }
  owed_.erase(it);
  return owed;
}

}  // namespace orch::scheduler
