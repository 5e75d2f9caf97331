// The "net" logger, shared by net/'s .cc files. Internal to net/.
#pragma once

#include <memory>

#include "common/logging.h"

namespace orch::net {

/// The logger every net/ component writes to.
inline spdlog::logger& NetLog() {
  static const std::shared_ptr<spdlog::logger> logger = GetLogger("net");
  return *logger;
}

}  // namespace orch::net
