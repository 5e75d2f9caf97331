#include "api/control/authorizer.h"

#include <algorithm>
#include <utility>

namespace orch::api {
namespace {

static_assert(sizeof(uid_t) <= 4 && sizeof(gid_t) <= 4, "the cache key packs uid and gid");

// The peer's uid, user name (nullopt when the uid has no passwd entry) and every group it is
// in: the kernel's gid first, then the user's groups from the directory.
struct Identity {
  uid_t uid = 0;
  std::optional<std::string> user;
  std::vector<gid_t> gids;
};

Identity Lookup(UserDirectory& directory, const PeerCredentials& peer) {
  Identity id;
  id.uid = peer.uid;
  id.gids.push_back(peer.gid);
  std::optional<UserEntry> entry = directory.FindUser(peer.uid);
  if (!entry) return id;
  id.user = std::move(entry->name);
  id.gids.insert(id.gids.end(), entry->groups.begin(), entry->groups.end());
  return id;
}

bool GroupMatches(UserDirectory& directory, const std::string& entry,
                  const std::vector<gid_t>& gids) {
  for (gid_t gid : gids) {
    if (entry == std::to_string(gid)) return true;
  }
  std::optional<gid_t> named = directory.FindGroup(entry);
  return named && std::find(gids.begin(), gids.end(), *named) != gids.end();
}

bool RoleMatches(UserDirectory& directory, const config::Role& role, const Identity& id) {
  for (const std::string& user : role.users) {
    if (user == std::to_string(id.uid)) return true;
    if (id.user && !id.user->empty() && user == *id.user) return true;
  }
  for (const std::string& group : role.groups) {
    if (GroupMatches(directory, group, id.gids)) return true;
  }
  return false;
}

uint64_t KeyOf(const PeerCredentials& peer) {
  return (static_cast<uint64_t>(peer.uid) << 32) | static_cast<uint64_t>(peer.gid);
}

std::string Who(const Request& request) {
  if (!request.peer) return "the caller";
  return "the caller (uid " + std::to_string(request.peer->uid) + ")";
}

}  // namespace

void Authorizer::SetRoles(std::vector<config::Role> roles) {
  roles_ = std::move(roles);
  // Claims were matched against the old roles; names and groups are cheap to look up again.
  cache_.clear();
}

Authorizer::Resolved Authorizer::Compute(const PeerCredentials& peer, SteadyTime now) const {
  const Identity id = Lookup(directory_, peer);
  Resolved resolved{now, id.user, {}};
  for (const config::Role& role : roles_) {
    if (!RoleMatches(directory_, role, id)) continue;
    for (const std::string& claim : role.claims) {
      if (!Holds(resolved.claims, claim)) resolved.claims.push_back(claim);
    }
  }
  return resolved;
}

void Authorizer::MakeRoom(SteadyTime now) const {
  auto oldest = cache_.end();
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (now - it->second.at >= kCacheTtl) {
      it = cache_.erase(it);
      continue;
    }
    if (oldest == cache_.end() || it->second.at < oldest->second.at) oldest = it;
    ++it;
  }
  // Erasing from an unordered_map leaves the other iterators valid, `oldest` included.
  if (cache_.size() >= kCacheCapacity && oldest != cache_.end()) cache_.erase(oldest);
}

const Authorizer::Resolved& Authorizer::Resolve(const PeerCredentials& peer) const {
  const SteadyTime now = clock_.SteadyNow();
  const uint64_t key = KeyOf(peer);
  auto it = cache_.find(key);
  if (it != cache_.end() && now - it->second.at < kCacheTtl) return it->second;
  Resolved resolved = Compute(peer, now);
  if (it != cache_.end()) {
    it->second = std::move(resolved);
    return it->second;
  }
  if (cache_.size() >= kCacheCapacity) MakeRoom(now);
  return cache_.emplace(key, std::move(resolved)).first->second;
}

Caller Authorizer::Identify(const Request& request) const {
  if (!request.peer) return Caller{};
  const Resolved& resolved = Resolve(*request.peer);
  return Caller{resolved.user, resolved.claims};
}

std::vector<std::string> Authorizer::ClaimsOf(const Request& request) const {
  if (!request.peer) return {};
  return Resolve(*request.peer).claims;
}

bool Authorizer::Holds(const std::vector<std::string>& claims, std::string_view claim) {
  return std::find(claims.begin(), claims.end(), claim) != claims.end();
}

Status Authorizer::Require(const Request& request, std::string_view claim) const {
  if (request.peer && Holds(Resolve(*request.peer).claims, claim)) return Status::Ok();
  return PermissionDeniedError(Who(request) + " lacks the claim " + std::string(claim));
}

Status Authorizer::RequireScoped(const Request& request, std::string_view claim,
                                 std::string_view scope) const {
  std::string scoped = std::string(claim) + std::string(scope) + "/";
  if (request.peer) {
    const std::vector<std::string>& claims = Resolve(*request.peer).claims;
    if (Holds(claims, claim) || Holds(claims, scoped)) return Status::Ok();
  }
  return PermissionDeniedError(Who(request) + " lacks the claim " + std::string(claim) + " or " +
                               scoped);
}

}  // namespace orch::api
