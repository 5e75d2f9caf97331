// Authorizer: maps a control-socket peer (uid/gid from the kernel) to claims through `roles`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "common/status.h"
#include "config/config.h"

namespace orch::api {

/// Decides which claims (SPEC §8) a peer holds. Roles match by user (name or uid) or by group
/// (name or gid, primary or supplementary). Nothing is granted implicitly, not even to root.
class Authorizer {
 public:
  explicit Authorizer(std::vector<config::Role> roles) : roles_(std::move(roles)) {}

  /// Replaces the roles (configuration reload).
  void SetRoles(std::vector<config::Role> roles) { roles_ = std::move(roles); }

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
  std::vector<config::Role> roles_;
};

}  // namespace orch::api
