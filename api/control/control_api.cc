#include "api/control/control_api.h"

#include "api/control/add_committer.h"
#include "api/control/store_health.h"

namespace orch::api {

ControlApi::ControlApi(ControlDeps deps)
    : committer_(std::make_unique<AddCommitter>(*deps.writer, deps.scheduler)),
      health_(std::make_unique<StoreHealth>(*deps.reader, *deps.writer)),
      deps_(deps),
      router_(ControlRouterPrefixes()) {
  deps_.committer = committer_.get();
  deps_.health = health_.get();
  RegisterControlRoutes(router_, deps_);
}

std::vector<std::string> ControlRouterPrefixes() {
  return {"/KeyfactorAPI"};
}

void RegisterControlRoutes(Router& router, const ControlDeps& deps) {
  RegisterStatusRoutes(router, deps);
  RegisterMetricsRoutes(router, deps);
  RegisterCertificateRoutes(router, deps);
  RegisterStoreRoutes(router, deps);
  RegisterJobRoutes(router, deps);
  RegisterHistoryRoutes(router, deps);
  RegisterAgentRoutes(router, deps);
  RegisterPoolRoutes(router, deps);
  RegisterSecretRoutes(router, deps);
}

ControlApi::~ControlApi() = default;

void ControlApi::Handle(Request request, ReplyFn reply) {
  router_.Handle(std::move(request), std::move(reply));
}

}  // namespace orch::api
