#include "api/control/control_api.h"

#include "api/control/add_committer.h"

namespace orch::api {

ControlApi::ControlApi(ControlDeps deps)
    : committer_(std::make_unique<AddCommitter>(*deps.writer, deps.scheduler)),
      deps_(deps),
      router_({"/KeyfactorAPI"}) {
  deps_.committer = committer_.get();
  RegisterStatusRoutes(router_, deps_);
  RegisterCertificateRoutes(router_, deps_);
  RegisterStoreRoutes(router_, deps_);
  RegisterJobRoutes(router_, deps_);
  RegisterHistoryRoutes(router_, deps_);
  RegisterAgentRoutes(router_, deps_);
  RegisterPoolRoutes(router_, deps_);
  RegisterSecretRoutes(router_, deps_);
}

ControlApi::~ControlApi() = default;

void ControlApi::Handle(Request request, ReplyFn reply) {
  router_.Handle(std::move(request), std::move(reply));
}

}  // namespace orch::api
