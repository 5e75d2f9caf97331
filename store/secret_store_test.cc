#include "store/secret_store.h"

#include <sqlite3.h>

#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/guid.h"
#include "store/agent_store.h"
#include "store/sqlite_store_impl.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::store {
namespace {

class SecretStoreTest : public testing::StoreFileTest {
 protected:
  SecretRecord Create(const std::string& name) {
    SecretRecord secret{NewGuid(), name, "hash-of-" + name, SecretStatus::kActive,
                        clock_.WallNow()};
    EXPECT_OK(SqliteSecretStore(*store_).CreateSecret(secret));
    return secret;
  }
};

TEST_F(SecretStoreTest, AStoredStatusNoBuildKnowsDoesNotReadAsActive) {
  // Given a secret row whose status was damaged, looking it up fails with Internal: it is
  // never taken for an active secret.
  Create("bootstrap");
  const std::string update =
      "PRAGMA ignore_check_constraints = 1; UPDATE agent_secrets SET status = 'MAYBE';";
  ASSERT_EQ(sqlite3_exec(store_->impl().db.getHandle(), update.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK);
  StatusOr<std::optional<SecretRecord>> found =
      SqliteSecretStore(*store_).FindSecretByName("bootstrap");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kInternal);
  EXPECT_THAT(found.status().message(), ::testing::HasSubstr("\"MAYBE\""));
}

TEST_F(SecretStoreTest, CreateFindListAndRefuseDuplicateName) {
  // Given a created secret, it is found with its hash, listed without it, and a second secret
  // with the same name is refused naming the field.
  SqliteSecretStore secrets(*store_);
  SecretRecord created = Create("bootstrap");
  ASSERT_OK_AND_ASSIGN(auto found, secrets.FindSecretByName("bootstrap"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->hash, "hash-of-bootstrap");
  EXPECT_EQ(found->id, created.id);
  ASSERT_OK_AND_ASSIGN(auto by_hash, secrets.FindSecretByHash("hash-of-bootstrap"));
  ASSERT_TRUE(by_hash.has_value());
  EXPECT_EQ(by_hash->name, "bootstrap");
  ASSERT_OK_AND_ASSIGN(auto listed, secrets.ListSecrets());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].hash, "");
  EXPECT_EQ(listed[0].status, SecretStatus::kActive);
  Status duplicate =
      secrets.CreateSecret({NewGuid(), "bootstrap", "x", SecretStatus::kActive, clock_.WallNow()});
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicate.field(), "name");
}

TEST_F(SecretStoreTest, RevokeRemovesTokensAndSessionsFromThatSecretOnly) {
  // Given two secrets, each with a token and a session, revoking one removes exactly its
  // token and session and marks it REVOKED; revoking again is harmless.
  SqliteSecretStore secrets(*store_);
  SqliteAgentStore agents(*store_);
  SecretRecord a = Create("a");
  SecretRecord b = Create("b");
  const WallTime now = clock_.WallNow();
  ASSERT_OK(secrets.AddAccessToken("tok-a", a.id, now + std::chrono::hours(1), now));
  ASSERT_OK(secrets.AddAccessToken("tok-b", b.id, now + std::chrono::hours(1), now));
  Agent agent1{.agent_id = NewGuid(), .client_machine = "m1", .created_at = now};
  Agent agent2{.agent_id = NewGuid(), .client_machine = "m2", .created_at = now};
  ASSERT_OK(agents.CreateAgent(agent1));
  ASSERT_OK(agents.CreateAgent(agent2));
  ASSERT_OK(agents.CreateSession({"s-a", agent1.agent_id, a.id, now, now}));
  ASSERT_OK(agents.CreateSession({"s-b", agent2.agent_id, b.id, now, now}));
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_OK_AND_ASSIGN(SecretRecord revoked, secrets.RevokeSecret("a", clock_.WallNow()));
  EXPECT_EQ(revoked.status, SecretStatus::kRevoked);
  EXPECT_EQ(revoked.modified_at, clock_.WallNow());
  EXPECT_FALSE(secrets.FindAccessToken("tok-a")->has_value());
  EXPECT_TRUE(secrets.FindAccessToken("tok-b")->has_value());
  EXPECT_FALSE(agents.FindSession("s-a")->has_value());
  EXPECT_TRUE(agents.FindSession("s-b")->has_value());
  EXPECT_EQ(secrets.FindSecretByName("a")->value().status, SecretStatus::kRevoked);
  EXPECT_OK(secrets.RevokeSecret("a", clock_.WallNow()));
  EXPECT_EQ(secrets.RevokeSecret("nope", now).status().code(), StatusCode::kNotFound);
}

TEST_F(SecretStoreTest, AccessTokenCarriesItsSecretAndExpiredOnesArePruned) {
  // Given a token that expired and a fresh one, the fresh one names its secret and adding it
  // pruned the expired one.
  SqliteSecretStore secrets(*store_);
  SecretRecord a = Create("a");
  const WallTime now = clock_.WallNow();
  ASSERT_OK(secrets.AddAccessToken("old", a.id, now - std::chrono::seconds(1), now));
  ASSERT_OK(secrets.AddAccessToken("new", a.id, now + std::chrono::minutes(30), now));
  EXPECT_FALSE(secrets.FindAccessToken("old")->has_value());
  ASSERT_OK_AND_ASSIGN(std::optional<AccessTokenRecord> found, secrets.FindAccessToken("new"));
  ASSERT_TRUE(found.has_value());
  const AccessTokenRecord token = found.value();
  EXPECT_EQ(token.secret_name, "a");
  EXPECT_EQ(token.secret_status, SecretStatus::kActive);
  EXPECT_EQ(token.expires_at, now + std::chrono::minutes(30));
}

}  // namespace
}  // namespace orch::store
