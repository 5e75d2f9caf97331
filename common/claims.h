// The claims (SPEC §8) that the control API checks and that `roles` in the configuration grant.
// One list for both, so a claim the API checks is always one the configuration accepts.
#pragma once

#include <array>
#include <string_view>

namespace orch::claims {

/// Read pools.
inline constexpr std::string_view kSslRead = "/ssl/read/";
/// Create, change and delete pools.
inline constexpr std::string_view kSslModify = "/ssl/modify/";
/// Read agents and the job history.
inline constexpr std::string_view kAgentsRead = "/agents/management/read/";
/// Approve, disable and reenroll agents; acknowledge runs.
inline constexpr std::string_view kAgentsModify = "/agents/management/modify/";
/// Read every certificate collection; scoped: "/certificates/collections/read/<CollectionId>/".
inline constexpr std::string_view kCollectionsRead = "/certificates/collections/read/";
/// Schedule jobs on every store; scoped: "/certificate_stores/schedule/<ContainerId>/".
inline constexpr std::string_view kSchedule = "/certificate_stores/schedule/";
/// Import certificates.
inline constexpr std::string_view kImport = "/certificates/import/";
/// Create, change and delete certificate stores.
inline constexpr std::string_view kStoresModify = "/certificate_stores/modify/";
/// Manage agent secrets.
inline constexpr std::string_view kSecretsModify = "/agents/secrets/modify/";

/// Every claim in its global form.
inline constexpr std::array<std::string_view, 9> kAll = {
    kSslRead,  kSslModify, kAgentsRead,   kAgentsModify,  kCollectionsRead,
    kSchedule, kImport,    kStoresModify, kSecretsModify,
};

/// The claims that may also be held for one id, written "<claim><id>/".
inline constexpr std::array<std::string_view, 2> kScopable = {kCollectionsRead, kSchedule};

/// True when `claim` is in kAll, or is a kScopable claim followed by a positive decimal id
/// (no leading zero) and '/'.
bool IsKnown(std::string_view claim);

}  // namespace orch::claims
