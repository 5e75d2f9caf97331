// The agent's state on disk: state_dir/agent.id, agent.key (0600) and agent.crt, each replaced
// atomically; and an in-memory store for simulated agents.
#pragma once

#include <optional>
#include <string>

#include "agent/session.h"

namespace orch::agent {

class FileStateStore final : public StateStore {
 public:
  explicit FileStateStore(std::string state_dir) : dir_(std::move(state_dir)) {}
  /// Nullopt when agent.id is absent; InvalidArgument naming the file when one of the three
  /// is unreadable or the key file is readable by group or others.
  StatusOr<std::optional<AgentState>> Load() override;
  /// Writes agent.key, then agent.crt, then agent.id (so a torn save reads as the old state or
  /// as none), creating state_dir (0700) when missing.
  Status Save(const AgentState& state) override;

 private:
  std::string dir_;
};

class MemoryStateStore final : public StateStore {
 public:
  StatusOr<std::optional<AgentState>> Load() override { return state_; }
  Status Save(const AgentState& state) override {
    state_ = state;
    return Status::Ok();
  }

 private:
  std::optional<AgentState> state_;
};

}  // namespace orch::agent
