// ConnectionManager: owns the server's open connections so that shutdown can drain or stop all
// of them. Knows nothing about sockets or HTTP. Internal to net/.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>

namespace orch::net {

/// What the manager can ask of a connection. Implemented by the HTTP connection.
class ManagedConnection {
 public:
  virtual ~ManagedConnection() = default;
  /// Finish the request in flight (if any; a streamed reply is stopped and flushed), then
  /// close; close at once when idle.
  virtual void Drain() = 0;
  /// Close now; a reply that arrives later is dropped.
  virtual void ForceClose() = 0;
};

/// The set of open connections. Single-threaded (the loop's thread).
class ConnectionManager {
 public:
  ConnectionManager() = default;
  /// Force-closes whatever is still open.
  ~ConnectionManager();
  ConnectionManager(const ConnectionManager&) = delete;
  ConnectionManager& operator=(const ConnectionManager&) = delete;

  /// Starts tracking `connection`.
  void Add(std::shared_ptr<ManagedConnection> connection);
  /// Stops tracking `connection` (called by the connection as it closes); runs the on-empty
  /// callback when this removed the last one.
  void Remove(ManagedConnection* connection);
  /// Asks every connection to drain.
  void DrainAll();
  /// Force-closes every connection.
  void CloseAll();
  /// Called each time the set becomes empty through Remove().
  void SetOnEmpty(std::function<void()> fn) { on_empty_ = std::move(fn); }
  /// The number of open connections.
  size_t size() const { return connections_.size(); }

 private:
  template <typename Fn>
  void ForEach(Fn fn);

  std::unordered_map<ManagedConnection*, std::shared_ptr<ManagedConnection>> connections_;
  std::function<void()> on_empty_;
};

}  // namespace orch::net
