// StoreHealth: the store's health as GET /Status and GET /metrics report it, without the
// event loop ever waiting on the database file.
#pragma once

#include <memory>

#include "common/status.h"

namespace orch::store {
class StoreReader;
class StoreWriter;
}  // namespace orch::store

namespace orch::api {

/// Healthy: a reader answered the last check of the store's health, and the writer's last
/// commit went through. Current() answers from what is known at once and starts the next
/// check on a reader (one at a time). Used on the event loop's thread only.
class StoreHealth {
 public:
  /// REQUIRES: `reader` and `writer` outlive this object and the checks it started.
  StoreHealth(store::StoreReader& reader, const store::StoreWriter& writer);
  ~StoreHealth();
  StoreHealth(const StoreHealth&) = delete;
  StoreHealth& operator=(const StoreHealth&) = delete;

  /// Ok, or what is wrong with the store as last seen.
  Status Current();

 private:
  struct Probe;

  store::StoreReader& reader_;
  const store::StoreWriter& writer_;
  std::shared_ptr<Probe> probe_;
};

}  // namespace orch::api
