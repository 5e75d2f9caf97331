#include "api/authorizer.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>

namespace orch::api {
namespace {

// The peer's user name (empty when the uid has no passwd entry) and every group it belongs to.
struct Identity {
  uid_t uid = 0;
  std::string user;
  std::vector<gid_t> gids;
};

Identity Resolve(const PeerCredentials& peer) {
  Identity id;
  id.uid = peer.uid;
  id.gids.push_back(peer.gid);
  passwd pw{};
  passwd* found = nullptr;
  std::string buf(16384, '\0');
  if (getpwuid_r(peer.uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return id;
  }
  id.user = pw.pw_name;
  int count = 64;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<size_t>(count));
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &count) < 0) count = 0;
  }
  groups.resize(static_cast<size_t>(std::max(count, 0)));
  id.gids.insert(id.gids.end(), groups.begin(), groups.end());
  return id;
}

bool GroupMatches(const std::string& entry, const std::vector<gid_t>& gids) {
  for (gid_t gid : gids) {
    if (entry == std::to_string(gid)) return true;
  }
  group gr{};
  group* found = nullptr;
  std::string buf(16384, '\0');
  if (getgrnam_r(entry.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return false;
  }
  return std::find(gids.begin(), gids.end(), gr.gr_gid) != gids.end();
}

bool RoleMatches(const config::Role& role, const Identity& id) {
  for (const std::string& user : role.users) {
    if (user == std::to_string(id.uid) || (!id.user.empty() && user == id.user)) return true;
  }
  for (const std::string& group : role.groups) {
    if (GroupMatches(group, id.gids)) return true;
  }
  return false;
}

std::string Who(const Request& request) {
  if (!request.peer) return "the caller";
  return "the caller (uid " + std::to_string(request.peer->uid) + ")";
}

}  // namespace

std::vector<std::string> Authorizer::ClaimsOf(const Request& request) const {
  std::vector<std::string> claims;
  if (!request.peer) return claims;
  Identity id = Resolve(*request.peer);
  for (const config::Role& role : roles_) {
    if (!RoleMatches(role, id)) continue;
    for (const std::string& claim : role.claims) {
      if (!Holds(claims, claim)) claims.push_back(claim);
    }
  }
  return claims;
}

bool Authorizer::Holds(const std::vector<std::string>& claims, std::string_view claim) {
  return std::find(claims.begin(), claims.end(), claim) != claims.end();
}

Status Authorizer::Require(const Request& request, std::string_view claim) const {
  if (Holds(ClaimsOf(request), claim)) return Status::Ok();
  return PermissionDeniedError(Who(request) + " lacks the claim " + std::string(claim));
}

Status Authorizer::RequireScoped(const Request& request, std::string_view claim,
                                 std::string_view scope) const {
  std::vector<std::string> claims = ClaimsOf(request);
  std::string scoped = std::string(claim) + std::string(scope) + "/";
  if (Holds(claims, claim) || Holds(claims, scoped)) return Status::Ok();
  return PermissionDeniedError(Who(request) + " lacks the claim " + std::string(claim) + " or " +
                               scoped);
}

}  // namespace orch::api
