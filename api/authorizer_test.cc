#include "api/authorizer.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

Request FromPeer(uid_t uid, gid_t gid) {
  Request r;
  r.peer = PeerCredentials{1, uid, gid};
  return r;
}

config::Role MakeRole(std::vector<std::string> users, std::vector<std::string> groups,
                      std::vector<std::string> claims) {
  config::Role role;
  role.name = "r";
  role.users = std::move(users);
  role.groups = std::move(groups);
  role.claims = std::move(claims);
  return role;
}

TEST(AuthorizerTest, UserByUidGetsRoleClaims) {
  // Given a role naming uid 4242, a peer with that uid holds its claims and others do not.
  Authorizer auth({MakeRole({"4242"}, {}, {"/ssl/read/"})});
  EXPECT_OK(auth.Require(FromPeer(4242, 4242), "/ssl/read/"));
  Status denied = auth.Require(FromPeer(4243, 4243), "/ssl/read/");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("/ssl/read/"), std::string::npos);
  EXPECT_NE(denied.message().find("4243"), std::string::npos);
}

TEST(AuthorizerTest, GroupByGidAndByName) {
  // Given roles naming a gid and the group "root" by name, peers in those groups hold them.
  Authorizer auth({MakeRole({}, {"5151"}, {"/ssl/modify/"}), MakeRole({}, {"root"}, {"/x/"})});
  EXPECT_OK(auth.Require(FromPeer(7000, 5151), "/ssl/modify/"));
  EXPECT_OK(auth.Require(FromPeer(7000, 0), "/x/"));
  EXPECT_FALSE(auth.Require(FromPeer(7000, 7000), "/x/").ok());
}

TEST(AuthorizerTest, UserByNameResolvesThroughPasswd) {
  // Given a role naming user "root", the peer with uid 0 matches it.
  Authorizer auth({MakeRole({"root"}, {}, {"/agents/management/read/"})});
  EXPECT_OK(auth.Require(FromPeer(0, 0), "/agents/management/read/"));
}

TEST(AuthorizerTest, ScopedClaimAcceptsGlobalOrScope) {
  // Given a scoped schedule claim for container 7, container 7 passes and container 8 does not.
  Authorizer auth({MakeRole({"4242"}, {}, {"/certificate_stores/schedule/7/"})});
  Request peer = FromPeer(4242, 4242);
  EXPECT_OK(auth.RequireScoped(peer, "/certificate_stores/schedule/", "7"));
  EXPECT_FALSE(auth.RequireScoped(peer, "/certificate_stores/schedule/", "8").ok());
  Authorizer global({MakeRole({"4242"}, {}, {"/certificate_stores/schedule/"})});
  EXPECT_OK(global.RequireScoped(peer, "/certificate_stores/schedule/", "8"));
}

TEST(AuthorizerTest, NoPeerNoClaimsAndReloadReplacesRoles) {
  // Given a request without peer credentials, nothing is granted; reloaded roles take effect.
  Authorizer auth({MakeRole({"4242"}, {}, {"/ssl/read/"})});
  EXPECT_FALSE(auth.Require(Request{}, "/ssl/read/").ok());
  auth.SetRoles({});
  EXPECT_FALSE(auth.Require(FromPeer(4242, 4242), "/ssl/read/").ok());
}

}  // namespace
}  // namespace orch::api
