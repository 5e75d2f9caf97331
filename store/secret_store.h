// SqliteSecretStore: SecretRepository on one SQLite connection.
#pragma once

#include "store/secret_repository.h"
#include "store/sqlite_store.h"

namespace orch::store {

/// SecretRepository on one SqliteStore. Same threading as SqliteStore.
class SqliteSecretStore final : public SecretRepository {
 public:
  /// REQUIRES: `store` outlives this object.
  explicit SqliteSecretStore(SqliteStore& store) : store_(store) {}

  Status CreateSecret(const SecretRecord& secret) override;
  StatusOr<std::vector<SecretRecord>> ListSecrets() override;
  StatusOr<std::optional<SecretRecord>> FindSecretByName(std::string_view name) override;
  StatusOr<std::optional<SecretRecord>> FindSecretByHash(std::string_view hash) override;
  StatusOr<SecretRecord> RevokeSecret(std::string_view name, WallTime now) override;

  Status AddAccessToken(std::string_view token_hash, std::string_view secret_id,
                        WallTime expires_at, WallTime now) override;
  StatusOr<std::optional<AccessTokenRecord>> FindAccessToken(std::string_view token_hash) override;

 private:
  SqliteStore& store_;
};

}  // namespace orch::store
