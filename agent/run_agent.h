// orch-agent's two ways to run: one agent for this host, or a simulated fleet for benchmarks.
#pragma once

#include <chrono>

#include "agent/agent_config.h"

namespace orch::agent {

/// Runs the agent `config` describes until SIGTERM or SIGINT; answers the exit code (0 after a
/// signal, 1 when it cannot start: an unreadable CA or state).
int RunAgent(const AgentConfig& config);

/// Runs `count` simulated agents against `config`'s server, each with its own key, certificate,
/// session and TLS connection, deploying into memory. They start `start_rate` per second. Logs
/// progress every 5 s and, on SIGTERM or SIGINT (or after `duration` when not zero), prints
/// the totals and per-agent figures; answers the exit code.
int RunSimulation(const AgentConfig& config, int count, int start_rate,
                  std::chrono::seconds duration);

/// Raises the open-files soft limit to the hard limit; answers the new soft limit.
uint64_t RaiseOpenFilesLimit();

}  // namespace orch::agent
