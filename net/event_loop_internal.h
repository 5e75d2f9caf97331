// Internal to net/: reaches the io_context behind an EventLoop. Includes Asio, so only net/'s
// .cc files may include it.
#pragma once

#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "net/event_loop.h"

namespace orch::net {

/// The state behind EventLoop's pimpl.
struct EventLoop::Impl {
  boost::asio::io_context io{1};  // concurrency hint 1: one thread runs the loop
  /// Objects bound to `io` that live as long as the loop (signal sets); declared after `io`
  /// so they are destroyed before it. Type-erased to keep their headers out of this one.
  std::vector<std::shared_ptr<void>> owned;
};

/// Grants net/'s own code access to the loop's io_context.
struct EventLoopAccess {
  /// The io_context that `loop` runs.
  static boost::asio::io_context& IoContext(EventLoop& loop) { return loop.impl_->io; }
};

}  // namespace orch::net
