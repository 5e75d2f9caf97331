// Authorizer: maps a control-socket peer (uid/gid from the kernel) to claims through `roles`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/http.h"
#include "common/clock.h"
#include "common/status.h"
#include "common/user_directory.h"
#include "config/config.h"

namespace orch::api {

/// Who the peer of one request is and what it may do, resolved once for the request.
struct Caller {
  /// The peer's passwd name; nullopt without peer credentials or when its uid has no entry.
  std::optional<std::string> user;
  /// The claims the peer holds; none without peer credentials.
  std::vector<std::string> claims;
};

/// Decides which claims (SPEC §8) a peer holds. Roles match by user (name or uid) or by group
/// (name or gid, primary or supplementary). Nothing is granted implicitly, not even to root.
///
/// What a peer resolves to is remembered for kCacheTtl per (uid, gid), so the user and group
/// databases are asked once per peer every few seconds rather than on every request.
/// Not thread-safe, const members included (they fill that cache): use an Authorizer from one
/// thread. orchd does: the control handlers and the reload both run on the event loop.
class Authorizer {
 public:
  /// How long a resolved peer is reused: passwd, group and membership changes take effect
  /// within this long; new roles (SetRoles) take effect at once.
  static constexpr std::chrono::seconds kCacheTtl{5};
  /// The most peers remembered; when full, expired entries and then the oldest one make room.
  static constexpr size_t kCacheCapacity = 1024;

  /// Time for the cache comes from `clock`; users and groups from `directory`.
  /// REQUIRES: `clock` and `directory` outlive the Authorizer.
  Authorizer(const Clock& clock, std::vector<config::Role> roles,
             UserDirectory& directory = NssUserDirectory::Instance())
      : clock_(clock), directory_(directory), roles_(std::move(roles)) {}

  /// Replaces the roles (configuration reload) and forgets every resolved peer.
  void SetRoles(std::vector<config::Role> roles);

  /// The user name and claims of the peer of `request` (empty when it has no credentials).
  Caller Identify(const Request& request) const;

  /// The claims held by the peer of `request` (none when it has no peer credentials).
  std::vector<std::string> ClaimsOf(const Request& request) const;

  /// Ok when the peer holds `claim`; else PermissionDenied naming the claim.
  Status Require(const Request& request, std::string_view claim) const;

  /// Ok when the peer holds `claim` globally ("/certificate_stores/schedule/") or scoped to
  /// `scope` ("/certificate_stores/schedule/<scope>/"); else PermissionDenied naming both.
  Status RequireScoped(const Request& request, std::string_view claim,
                       std::string_view scope) const;

  /// True when `claims` contains `claim` exactly.
  static bool Holds(const std::vector<std::string>& claims, std::string_view claim);

 private:
  // What one (uid, gid) resolved to, and when.
  struct Resolved {
    SteadyTime at;
    std::optional<std::string> user;
    std::vector<std::string> claims;
  };

  // The peer's entry, from the cache while fresh, else resolved now. Valid until the next call.
  const Resolved& Resolve(const PeerCredentials& peer) const;
  // Asks the directory and matches the roles.
  Resolved Compute(const PeerCredentials& peer, SteadyTime now) const;
  // Drops expired entries and, when that is not enough, the oldest one.
  void MakeRoom(SteadyTime now) const;

  const Clock& clock_;
  UserDirectory& directory_;
  std::vector<config::Role> roles_;
  // Keyed by uid << 32 | gid: the kernel's gid is one of the groups a role may match.
  mutable std::unordered_map<uint64_t, Resolved> cache_;
};

}  // namespace orch::api
