// The control API's authorization table for the end-to-end matrix: every route of the control
// router with the claims SPEC §8 gives it, and the request that exercises it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/authz_support.h"

namespace orch::e2e {

// The claims as SPEC §8 names them; written out here rather than taken from the code, so that
// a code that checks another claim fails the matrix.
inline const std::string kSslRead = "/ssl/read/";
inline const std::string kSslModify = "/ssl/modify/";
inline const std::string kAgentsRead = "/agents/management/read/";
inline const std::string kAgentsModify = "/agents/management/modify/";
inline const std::string kCollectionsRead = "/certificates/collections/read/";
inline const std::string kSchedule = "/certificate_stores/schedule/";
inline const std::string kImport = "/certificates/import/";
inline const std::string kStoresModify = "/certificate_stores/modify/";
inline const std::string kSecretsModify = "/agents/secrets/modify/";

/// The schedule claim scoped to `container`.
std::string ScheduleIn(int64_t container);
/// The collection read claim scoped to `collection`.
std::string CollectionRead(int64_t collection);

/// What the suite creates before the matrix runs.
struct ControlIds {
  int64_t certificate = 0;
  int64_t collection_mine = 0;   // matches the certificate
  int64_t collection_other = 0;  // matches nothing
  int64_t container_web = 0;
  int64_t container_db = 0;
  std::string store_web;  // in container_web
  std::string store_db;   // in container_db
  std::string job_web;
  std::string job_db;
  std::string agent;
  std::string pool;
  std::string secret;  // a secret's name
};

/// One request.
struct ControlCall {
  std::string method;
  std::string target;
  nlohmann::json body = nullptr;
};

/// One route of the control router and who may call it.
struct ControlEndpoint {
  std::string name;
  /// The call succeeds for a caller holding every claim of one entry; {{}}: for everyone.
  std::vector<Claims> grants;
  int success = 200;
  /// The request; `allowed` says whether this caller may make it, so a call that consumes
  /// something (a DELETE) first creates what it consumes.
  std::function<ControlCall(SharedOrchd&, bool allowed)> make;
};

/// True when `held` satisfies one of `endpoint`'s grants.
bool Allowed(const ControlEndpoint& endpoint, const Claims& held);
/// The claims of `endpoint` that `held` lacks: a refusal must name one of them.
Claims Missing(const ControlEndpoint& endpoint, const Claims& held);

/// A PEM store body bound to the Default Agent Pool, in `container`.
nlohmann::json StoreIn(const std::string& machine, int64_t container);
/// An Add of the suite's certificate to `stores` (each under a new alias), once in 2099.
nlohmann::json AddBody(const ControlIds& ids, const std::vector<std::string>& stores,
                       std::optional<int64_t> collection);

/// Every control route (api/control/*_routes.cc) with the claims SPEC §8 (and docs/api.md
/// where §8 names the claim but not each call) gives it.
std::vector<ControlEndpoint> ControlEndpoints(const ControlIds& ids);

}  // namespace orch::e2e
