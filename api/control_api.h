// The control API (SPEC §7) served on the Unix socket.
#pragma once

#include "api/authorizer.h"
#include "api/http.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/status.h"

namespace orch::store {
class SqliteStore;
}
namespace orch::pki {
class SecretBox;
}

namespace orch::api {

/// What the control handlers work with. Everything outlives the ControlApi.
struct ControlDeps {
  const Clock* clock = nullptr;
  store::SqliteStore* store = nullptr;
  /// Encrypts private keys and passwords at rest.
  const pki::SecretBox* secret_box = nullptr;
  /// Decides the claims of each caller; reloaded with the configuration.
  const Authorizer* authorizer = nullptr;
};

/// Routes and handlers of the control socket. Handlers run on the event loop. Each area of
/// the API registers its routes from its own file (see Register* below).
class ControlApi final : public Handler {
 public:
  /// REQUIRES: every member of `deps` is set and outlives this object.
  explicit ControlApi(ControlDeps deps);

  void Handle(Request request, ReplyFn reply) override;

 private:
  ControlDeps deps_;
  Router router_;
};

/// GET /Status (status_api.cc).
void RegisterStatusRoutes(Router& router, const ControlDeps& deps);

}  // namespace orch::api
