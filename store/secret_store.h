// SecretStore: agent secrets (SPEC §6.7) and the access tokens exchanged for them. Only SHA-256
// hashes of secret values and tokens are stored; revoking a secret removes, in the same
// transaction, every access token and agent session that came from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/sqlite_store.h"

namespace orch::store {

/// An agent secret's state.
enum class SecretStatus { kActive, kRevoked };

/// "ACTIVE" or "REVOKED", as the API shows it.
std::string_view SecretStatusName(SecretStatus status);

/// One agent secret. `hash` is filled only by FindSecretByName().
struct SecretRecord {
  std::string id;  // lowercase GUID
  std::string name;
  std::string hash;  // SHA-256 of the value
  SecretStatus status = SecretStatus::kActive;
  WallTime modified_at;
};

/// An access token's link to its secret.
struct AccessTokenRecord {
  std::string secret_id;
  std::string secret_name;
  SecretStatus secret_status = SecretStatus::kActive;
  WallTime expires_at;
};

/// Reads and writes secrets and access tokens of one SqliteStore. Same threading as SqliteStore.
class SecretStore {
 public:
  /// REQUIRES: `store` outlives this object.
  explicit SecretStore(SqliteStore& store) : store_(store) {}

  /// Inserts `secret`; AlreadyExists (field "name") when the name is taken.
  Status CreateSecret(const SecretRecord& secret);
  /// Every secret, by name, without hashes.
  StatusOr<std::vector<SecretRecord>> ListSecrets();
  /// The secret named `name` (exact), with its hash, or nullopt.
  StatusOr<std::optional<SecretRecord>> FindSecretByName(std::string_view name);
  /// The secret whose value hashes to `hash`, with its hash, or nullopt.
  StatusOr<std::optional<SecretRecord>> FindSecretByHash(std::string_view hash);
  /// Marks the secret REVOKED (stamped `now` when it was active) and deletes its access tokens
  /// and the sessions opened with it, in one transaction; answers the secret. NotFound for an
  /// unknown name. Revoking a revoked secret changes nothing.
  StatusOr<SecretRecord> RevokeSecret(std::string_view name, WallTime now);

  /// Stores an access token's hash for `secret_id`, valid until `expires_at`; drops that
  /// secret's tokens that expired before `now`.
  Status AddAccessToken(std::string_view token_hash, std::string_view secret_id,
                        WallTime expires_at, WallTime now);
  /// The token whose hash is `token_hash`, with its secret, or nullopt.
  StatusOr<std::optional<AccessTokenRecord>> FindAccessToken(std::string_view token_hash);

 private:
  SqliteStore& store_;
};

}  // namespace orch::store
