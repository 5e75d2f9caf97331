// Internal to agent/: the io_context behind an AgentLoop. Includes Asio, so only the agent's
// Asio translation units (agent_loop.cc, https_transport.cc) include it.
#pragma once

#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "agent/agent_loop.h"

namespace orch::agent {

struct AgentLoop::Impl {
  boost::asio::io_context io{1};
  /// Objects bound to `io` that live as long as the loop (signal sets), destroyed before it.
  std::vector<std::shared_ptr<void>> owned;
};

}  // namespace orch::agent
