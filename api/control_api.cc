#include "api/control_api.h"

namespace orch::api {

ControlApi::ControlApi(ControlDeps deps) : deps_(deps), router_({"/KeyfactorAPI"}) {
  RegisterStatusRoutes(router_, deps_);
  RegisterCertificateRoutes(router_, deps_);
  RegisterStoreRoutes(router_, deps_);
  RegisterJobRoutes(router_, deps_);
  RegisterHistoryRoutes(router_, deps_);
  RegisterAgentRoutes(router_, deps_);
  RegisterPoolRoutes(router_, deps_);
  RegisterSecretRoutes(router_, deps_);
}

void ControlApi::Handle(Request request, ReplyFn reply) {
  router_.Handle(std::move(request), std::move(reply));
}

}  // namespace orch::api
