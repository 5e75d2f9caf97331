// Deployers for AgentSession: the real one writes store files on worker threads (so a slow
// disk or hook never stalls the agent's loop) and runs the hooks; the simulated one deploys
// into memory, for `orch-agent --simulate`.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent_loop.h"
#include "agent/deploy.h"
#include "agent/hooks.h"
#include "agent/session.h"

namespace orch::agent {

/// The DeployRequest a configuration answer's Job object describes; InvalidArgument naming the
/// member that is missing or malformed.
StatusOr<DeployRequest> RequestFromJob(const nlohmann::json& job);

class FileDeployer final : public Deployer {
 public:
  /// `threads` workers; results are posted back to `loop`. REQUIRES: `loop` outlives this.
  FileDeployer(AgentLoop& loop, std::vector<std::string> store_roots, std::vector<Hook> hooks,
               int threads);
  /// Finishes the deploys under way, then joins the workers.
  ~FileDeployer() override;

  void Deploy(const nlohmann::json& job, std::function<void(DeployOutcome)> done) override;

 private:
  DeployOutcome Run(const nlohmann::json& job) const;
  void Work();

  AgentLoop& loop_;
  std::vector<std::string> store_roots_;
  std::vector<Hook> hooks_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

/// Accepts every well-formed job at once, keeping nothing: the simulated fleet's stores.
class MemoryDeployer final : public Deployer {
 public:
  explicit MemoryDeployer(AgentLoop& loop) : loop_(loop) {}
  void Deploy(const nlohmann::json& job, std::function<void(DeployOutcome)> done) override;

 private:
  AgentLoop& loop_;
};

}  // namespace orch::agent
