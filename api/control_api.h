// The control API (SPEC §7) served on the Unix socket.
#pragma once

#include <functional>
#include <memory>

#include "api/http.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/status.h"

namespace orch::store {
class SqliteStore;
}

namespace orch::api {

/// Routes and handlers of the control socket. Handlers run on the event loop.
class ControlApi final : public Handler {
 public:
  /// REQUIRES: `clock` and `store` outlive this object.
  ControlApi(const Clock& clock, store::SqliteStore& store);

  void Handle(Request request, ReplyFn reply) override;

 private:
  Response GetStatus(const Request& request) const;

  const Clock& clock_;
  store::SqliteStore& store_;
  SteadyTime started_steady_;
  WallTime started_wall_;
  Router router_;
};

}  // namespace orch::api
