#include "net/connection_manager.h"

#include <utility>
#include <vector>

namespace orch::net {

ConnectionManager::~ConnectionManager() {
  on_empty_ = nullptr;
  CloseAll();
}

void ConnectionManager::Add(std::shared_ptr<ManagedConnection> connection) {
  ManagedConnection* key = connection.get();
  connections_.emplace(key, std::move(connection));
}

void ConnectionManager::Remove(ManagedConnection* connection) {
  if (connections_.erase(connection) == 0) return;
  if (connections_.empty() && on_empty_) on_empty_();
}

void ConnectionManager::DrainAll() {
  ForEach([](ManagedConnection& connection) { connection.Drain(); });
}

void ConnectionManager::CloseAll() {
  ForEach([](ManagedConnection& connection) { connection.ForceClose(); });
}

// Iterates over a snapshot: connections remove themselves from the map while we call them.
template <typename Fn>
void ConnectionManager::ForEach(Fn fn) {
  std::vector<std::shared_ptr<ManagedConnection>> snapshot;
  snapshot.reserve(connections_.size());
  for (const auto& entry : connections_) snapshot.push_back(entry.second);
  for (const auto& connection : snapshot) fn(*connection);
}

}  // namespace orch::net
