#include "api/control_api.h"

#include <chrono>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "common/version.h"
#include "store/sqlite_store.h"

namespace orch::api {
namespace {

std::string IsoUtc(WallTime t) {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
}

}  // namespace

ControlApi::ControlApi(const Clock& clock, store::SqliteStore& store)
    : clock_(clock),
      store_(store),
      started_steady_(clock.SteadyNow()),
      started_wall_(clock.WallNow()),
      router_({"/KeyfactorAPI"}) {
  router_.Add("GET", "/Status",
              [this](const Request& request, const PathParams&) { return GetStatus(request); });
}

void ControlApi::Handle(Request request, ReplyFn reply) {
  router_.Handle(std::move(request), std::move(reply));
}

Response ControlApi::GetStatus(const Request&) const {
  auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.SteadyNow() - started_steady_);
  Status health = store_.CheckHealth();
  nlohmann::json store_json = {
      {"Healthy", health.ok()},
      {"Path", store_.path()},
      {"SchemaVersion", store_.schema_version()},
  };
  if (!health.ok()) store_json["Message"] = health.message();
  nlohmann::json body = {
      {"Version", kVersion},
      {"StartedAt", IsoUtc(started_wall_)},
      {"UptimeSeconds", uptime.count()},
      {"Store", std::move(store_json)},
  };
  return JsonResponse(body.dump(), health.ok() ? 200 : 503);
}

}  // namespace orch::api
