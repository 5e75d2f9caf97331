// PollParking: the long polls of agents waiting for work, by agent id (one each: a new poll of
// an agent answers its earlier one empty). A poll leaves the parking when it is answered with
// runs or when its wait ends; polls whose waits end within kSlack of each other are answered
// in one wake-up, which spares a fleet of agents renewing their polls a timer wake-up each.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "scheduler/types.h"

namespace orch::scheduler {

/// A poll waiting for runs.
struct ParkedPoll {
  AgentIdentity agent;
  std::string pool_id;  // the agent's custom pool, or the Default pool
  SteadyTime deadline;  // its wait ends
  PollCallback done;
  uint64_t order = 0;  // arrival order, for round-robin among equals
};

/// The parked polls. Every answer is given after the poll has left the parking, so an answer
/// may park a new poll of its agent.
class PollParking {
 public:
  /// A poll ends empty up to this long after its wait: polls that end close together are
  /// answered in one wake-up (a fleet of 10 000 agents renews about 170 polls a second).
  static constexpr std::chrono::milliseconds kSlack{250};

  /// Parks a poll of `agent` until `deadline`. An earlier poll of the same agent is answered
  /// empty first.
  void Park(AgentIdentity agent, std::string pool_id, SteadyTime deadline, PollCallback done);
  /// Answers the parked poll of `agent_id` with `runs`; nothing when the agent has none.
  void Answer(const std::string& agent_id, std::vector<store::RunRecord> runs);
  /// Answers empty every poll whose wait ended at or before `now`.
  void Expire(SteadyTime now);
  /// Answers every parked poll empty (a stop).
  void AnswerAll();

  /// When polls are next due to end: the earliest wait's end plus kSlack, or nullopt when
  /// none is parked. May be the end of a poll answered since, which wakes for nothing.
  std::optional<SteadyTime> NextWakeUp() const;
  /// The parked polls in the order they are offered work: least `load` (the runs an agent
  /// holds) first; among equals, the one parked longest. The pointers are valid until the
  /// parking changes.
  std::vector<const ParkedPoll*> InTurn(
      const std::function<int(const std::string& agent_id)>& load) const;
  /// The parked poll of `agent_id`, or null.
  const ParkedPoll* Find(const std::string& agent_id) const;

  size_t size() const { return polls_.size(); }
  bool empty() const { return polls_.empty(); }

 private:
  // (deadline, order, agent id); entries of answered polls stay until they are popped.
  using Deadline = std::tuple<SteadyTime, uint64_t, std::string>;

  std::unordered_map<std::string, ParkedPoll> polls_;  // by agent id
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<Deadline>> deadlines_;
  uint64_t last_order_ = 0;
};

}  // namespace orch::scheduler
