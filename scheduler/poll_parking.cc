#include "scheduler/poll_parking.h"

#include <algorithm>
#include <utility>

namespace orch::scheduler {

void PollParking::Park(AgentIdentity agent, std::string pool_id, SteadyTime deadline,
                       PollCallback done) {
  Answer(agent.agent_id, {});
  const uint64_t order = ++last_order_;
  deadlines_.emplace(deadline, order, agent.agent_id);
  std::string agent_id = agent.agent_id;
  polls_.insert_or_assign(std::move(agent_id), ParkedPoll{std::move(agent), std::move(pool_id),
                                                          deadline, std::move(done), order});
}

void PollParking::Answer(const std::string& agent_id, std::vector<store::RunRecord> runs) {
  auto it = polls_.find(agent_id);
  if (it == polls_.end()) return;
  PollCallback done = std::move(it->second.done);
  polls_.erase(it);
  done(std::move(runs));
}

void PollParking::Expire(SteadyTime now) {
  while (!deadlines_.empty() && std::get<0>(deadlines_.top()) <= now) {
    const auto [deadline, order, agent_id] = deadlines_.top();
    deadlines_.pop();
    auto it = polls_.find(agent_id);
    // Answered already, or replaced by a later poll of the same agent.
    if (it == polls_.end() || it->second.order != order) continue;
    PollCallback done = std::move(it->second.done);
    polls_.erase(it);
    done({});
  }
}

void PollParking::AnswerAll() {
  std::unordered_map<std::string, ParkedPoll> polls = std::move(polls_);
  polls_.clear();
  deadlines_ = {};
  for (auto& [id, poll] : polls) poll.done({});
}

std::optional<SteadyTime> PollParking::NextWakeUp() const {
  if (deadlines_.empty()) return std::nullopt;
  return std::get<0>(deadlines_.top()) + kSlack;
}

std::vector<const ParkedPoll*> PollParking::InTurn(
    const std::function<int(const std::string& agent_id)>& load) const {
  std::vector<std::pair<std::pair<int, uint64_t>, const ParkedPoll*>> ranked;
  ranked.reserve(polls_.size());
  for (const auto& [id, poll] : polls_) ranked.push_back({{load(id), poll.order}, &poll});
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const ParkedPoll*> turns;
  turns.reserve(ranked.size());
  for (const auto& [rank, poll] : ranked) turns.push_back(poll);
  return turns;
}

const ParkedPoll* PollParking::Find(const std::string& agent_id) const {
  auto it = polls_.find(agent_id);
  return it == polls_.end() ? nullptr : &it->second;
}

}  // namespace orch::scheduler
