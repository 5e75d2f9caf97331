// The values the scheduler and its parts share: its settings, the identity of an agent asking
// for work, and the answer of a long poll.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "store/run_repository.h"

namespace orch::scheduler {

/// The scheduler's settings (the `scheduler` and `history` sections of the configuration).
struct Settings {
  std::chrono::milliseconds lease = std::chrono::minutes(10);
  int max_attempts = 3;
  std::chrono::milliseconds retry_backoff = std::chrono::minutes(1);
  std::chrono::milliseconds max_retry_backoff = std::chrono::hours(1);
  std::chrono::milliseconds catchup_window = std::chrono::hours(1);
  std::chrono::milliseconds retain_success = std::chrono::days(30);
  std::chrono::milliseconds retain_failure = std::chrono::days(180);
  /// Most runs handed to an agent in one registration or poll answer.
  int max_runs_per_delivery = 100;
};

/// The agent asking for work, as its authenticated session shows it.
struct AgentIdentity {
  std::string agent_id;
  std::string client_machine;
  /// The store types whose management capability the agent advertises.
  std::vector<int> store_types;
};

/// Answer of a long poll: the runs handed over (possibly none).
using PollCallback = std::function<void(std::vector<store::RunRecord>)>;

}  // namespace orch::scheduler
