#include "api/control/authorizer.h"

#include <unistd.h>

#include <map>

#include <gtest/gtest.h>

#include "common/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

Request FromPeer(uid_t uid, gid_t gid) {
  Request r;
  r.peer = PeerCredentials{1, uid, gid};
  return r;
}

// A directory with hand-made users and groups that counts the lookups made of it.
class CountingDirectory final : public UserDirectory {
 public:
  std::optional<UserEntry> FindUser(uid_t uid) override {
    ++user_lookups;
    auto it = users.find(uid);
    if (it == users.end()) return std::nullopt;
    return it->second;
  }
  std::optional<gid_t> FindGroup(const std::string& name) override {
    ++group_lookups;
    auto it = groups.find(name);
    if (it == groups.end()) return std::nullopt;
    return it->second;
  }
  std::optional<uid_t> FindUserId(const std::string& name) override {
    for (const auto& [uid, entry] : users) {
      if (entry.name == name) return uid;
    }
    return std::nullopt;
  }

  std::map<uid_t, UserEntry> users;
  std::map<std::string, gid_t> groups;
  int user_lookups = 0;
  int group_lookups = 0;
};

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
  FakeClock clock;
  Authorizer auth(clock, {MakeRole({"4242"}, {}, {"/ssl/read/"})});
  EXPECT_OK(auth.Require(FromPeer(4242, 4242), "/ssl/read/"));
  Status denied = auth.Require(FromPeer(4243, 4243), "/ssl/read/");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("/ssl/read/"), std::string::npos);
  EXPECT_NE(denied.message().find("4243"), std::string::npos);
}

TEST(AuthorizerTest, GroupByGidAndByName) {
  // Given roles naming a gid and the group "root" by name, peers in those groups hold them.
  FakeClock clock;
  Authorizer auth(clock,
                  {MakeRole({}, {"5151"}, {"/ssl/modify/"}), MakeRole({}, {"root"}, {"/x/"})});
  EXPECT_OK(auth.Require(FromPeer(7000, 5151), "/ssl/modify/"));
  EXPECT_OK(auth.Require(FromPeer(7000, 0), "/x/"));
  EXPECT_FALSE(auth.Require(FromPeer(7000, 7000), "/x/").ok());
}

TEST(AuthorizerTest, UserByNameResolvesThroughPasswd) {
  // Given a role naming user "root", the peer with uid 0 matches it.
  FakeClock clock;
  Authorizer auth(clock, {MakeRole({"root"}, {}, {"/agents/management/read/"})});
  EXPECT_OK(auth.Require(FromPeer(0, 0), "/agents/management/read/"));
}

TEST(AuthorizerTest, ScopedClaimAcceptsGlobalOrScope) {
  // Given a scoped schedule claim for container 7, container 7 passes and container 8 does not.
  FakeClock clock;
  Authorizer auth(clock, {MakeRole({"4242"}, {}, {"/certificate_stores/schedule/7/"})});
  Request peer = FromPeer(4242, 4242);
  EXPECT_OK(auth.RequireScoped(peer, "/certificate_stores/schedule/", "7"));
  EXPECT_FALSE(auth.RequireScoped(peer, "/certificate_stores/schedule/", "8").ok());
  Authorizer global(clock, {MakeRole({"4242"}, {}, {"/certificate_stores/schedule/"})});
  EXPECT_OK(global.RequireScoped(peer, "/certificate_stores/schedule/", "8"));
}

TEST(AuthorizerTest, NoPeerNoClaimsAndReloadReplacesRoles) {
  // Given a request without peer credentials, nothing is granted; reloaded roles take effect.
  FakeClock clock;
  Authorizer auth(clock, {MakeRole({"4242"}, {}, {"/ssl/read/"})});
  EXPECT_FALSE(auth.Require(Request{}, "/ssl/read/").ok());
  auth.SetRoles({});
  EXPECT_FALSE(auth.Require(FromPeer(4242, 4242), "/ssl/read/").ok());
}

TEST(AuthorizerTest, IdentifyGivesNameAndClaims) {
  // Given a user "alice" in group "ops", Identify names her and grants the group's role.
  FakeClock clock;
  CountingDirectory dir;
  dir.users[1000] = UserEntry{"alice", {1000, 2000}};
  dir.groups["ops"] = 2000;
  Authorizer auth(clock, {MakeRole({"bob"}, {}, {"/a/"}), MakeRole({}, {"ops"}, {"/b/", "/c/"})},
                  dir);
  Caller caller = auth.Identify(FromPeer(1000, 1000));
  EXPECT_EQ(caller.user, "alice");
  EXPECT_EQ(caller.claims, (std::vector<std::string>{"/b/", "/c/"}));
  Caller unknown = auth.Identify(FromPeer(1001, 1001));
  EXPECT_EQ(unknown.user, std::nullopt);
  EXPECT_TRUE(unknown.claims.empty());
  Caller nobody = auth.Identify(Request{});
  EXPECT_EQ(nobody.user, std::nullopt);
  EXPECT_TRUE(nobody.claims.empty());
}

TEST(AuthorizerTest, SecondLookupWithinTtlAsksTheDirectoryOnce) {
  // Given one resolved peer, more checks within the TTL reuse it; after the TTL it is re-read.
  FakeClock clock;
  CountingDirectory dir;
  dir.users[1000] = UserEntry{"alice", {1000}};
  Authorizer auth(clock, {MakeRole({"alice"}, {"ops"}, {"/a/"})}, dir);
  const Request alice = FromPeer(1000, 1000);
  EXPECT_OK(auth.Require(alice, "/a/"));
  EXPECT_EQ(auth.ClaimsOf(alice), std::vector<std::string>{"/a/"});
  EXPECT_OK(auth.RequireScoped(alice, "/a/", "7"));
  clock.Advance(Authorizer::kCacheTtl - std::chrono::milliseconds(1));
  EXPECT_EQ(auth.Identify(alice).user, "alice");
  EXPECT_EQ(dir.user_lookups, 1);
  clock.Advance(std::chrono::milliseconds(1));
  EXPECT_OK(auth.Require(alice, "/a/"));
  EXPECT_EQ(dir.user_lookups, 2);
}

TEST(AuthorizerTest, DirectoryChangesShowAfterTheTtl) {
  // Given alice leaves group "ops", she keeps its claims until the TTL runs out, then loses them.
  FakeClock clock;
  CountingDirectory dir;
  dir.users[1000] = UserEntry{"alice", {1000, 2000}};
  dir.groups["ops"] = 2000;
  Authorizer auth(clock, {MakeRole({}, {"ops"}, {"/a/"})}, dir);
  const Request alice = FromPeer(1000, 1000);
  EXPECT_OK(auth.Require(alice, "/a/"));
  EXPECT_EQ(dir.group_lookups, 1);
  dir.users[1000].groups = {1000};
  EXPECT_OK(auth.Require(alice, "/a/"));
  EXPECT_EQ(dir.group_lookups, 1);
  clock.Advance(Authorizer::kCacheTtl);
  EXPECT_FALSE(auth.Require(alice, "/a/").ok());
  EXPECT_EQ(dir.group_lookups, 2);
}

TEST(AuthorizerTest, PeersAreCachedPerUidAndGid) {
  // Given the same uid arriving with another kernel gid, that gid's roles apply to it.
  FakeClock clock;
  CountingDirectory dir;
  Authorizer auth(clock, {MakeRole({}, {"5151"}, {"/a/"})}, dir);
  EXPECT_FALSE(auth.Require(FromPeer(4242, 4242), "/a/").ok());
  EXPECT_OK(auth.Require(FromPeer(4242, 5151), "/a/"));
  EXPECT_EQ(dir.user_lookups, 2);
}

TEST(AuthorizerTest, SetRolesForgetsResolvedPeers) {
  // Given a cached peer, new roles apply to its very next request.
  FakeClock clock;
  CountingDirectory dir;
  Authorizer auth(clock, {MakeRole({"4242"}, {}, {"/a/"})}, dir);
  EXPECT_OK(auth.Require(FromPeer(4242, 4242), "/a/"));
  auth.SetRoles({MakeRole({"4242"}, {}, {"/b/"})});
  EXPECT_FALSE(auth.Require(FromPeer(4242, 4242), "/a/").ok());
  EXPECT_OK(auth.Require(FromPeer(4242, 4242), "/b/"));
  EXPECT_EQ(dir.user_lookups, 2);
}

TEST(AuthorizerTest, CacheIsBoundedAndForgetsTheOldestPeer) {
  // Given a full cache, one more peer evicts the oldest; the others stay cached.
  FakeClock clock;
  CountingDirectory dir;
  Authorizer auth(clock, {}, dir);
  const uid_t first = 10000;
  for (uid_t i = 0; i < Authorizer::kCacheCapacity; ++i) {
    (void)auth.ClaimsOf(FromPeer(first + i, 100));
    clock.Advance(std::chrono::microseconds(1));
  }
  ASSERT_EQ(dir.user_lookups, static_cast<int>(Authorizer::kCacheCapacity));
  (void)auth.ClaimsOf(FromPeer(first + Authorizer::kCacheCapacity, 100));
  // Every peer but the first is still cached...
  for (uid_t i = 1; i <= Authorizer::kCacheCapacity; ++i) {
    (void)auth.ClaimsOf(FromPeer(first + i, 100));
  }
  EXPECT_EQ(dir.user_lookups, static_cast<int>(Authorizer::kCacheCapacity) + 1);
  // ...and the first was forgotten.
  (void)auth.ClaimsOf(FromPeer(first, 100));
  EXPECT_EQ(dir.user_lookups, static_cast<int>(Authorizer::kCacheCapacity) + 2);
}

}  // namespace
}  // namespace orch::api
