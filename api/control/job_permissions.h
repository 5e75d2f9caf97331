// The claim checks of the job calls (SPEC §8): global claims, or container-scoped schedule
// claims and collection-scoped read claims. Internal to api/control/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/claims.h"
#include "common/status.h"
#include "jobs/query.h"
#include "store/catalog_repository.h"

namespace orch::api {

/// Global schedule claim.
inline constexpr std::string_view kScheduleClaim = claims::kSchedule;
/// Global collection read claim.
inline constexpr std::string_view kCollectionsReadClaim = claims::kCollectionsRead;

/// Ok when `claims` hold the global schedule claim or the one scoped to `container_id`
/// (a store without a container needs the global one). With `any_scope`, any scoped schedule
/// claim is enough (checked before the targets are known). PermissionDenied naming the claim
/// and `what` otherwise.
Status CheckScheduleAccess(const std::vector<std::string>& claims,
                           std::optional<int64_t> container_id, const std::string& what,
                           bool any_scope = false);

/// The part of CheckCollectionAccess() decided by the claims alone: ok when `claims` hold the
/// global collection read claim, or `collection_id` is given and its scoped claim held.
Status CheckCollectionClaim(const std::vector<std::string>& claims,
                            std::optional<int64_t> collection_id);

/// Ok when `claims` hold the global collection read claim; else `collection_id` must be given,
/// held as /certificates/collections/read/<id>/, exist, and its query must match certificate
/// `certificate_id`. PermissionDenied (or NotFound for an unknown collection) otherwise.
Status CheckCollectionAccess(const std::vector<std::string>& claims, store::CatalogRepository& catalog,
                             int64_t certificate_id, std::optional<int64_t> collection_id);

/// Leaves `filter` alone for holders of the global schedule claim; otherwise narrows it to
/// rows whose `container_column` is one of the containers the caller's scoped schedule claims
/// name. PermissionDenied when the caller holds no schedule claim at all.
Status RestrictToScheduleScope(const std::vector<std::string>& claims,
                               std::string_view container_column, jobs::SqlFilter& filter);

}  // namespace orch::api
