// SecretRepository: agent secrets (SPEC §6.7) and the access tokens exchanged for them. Only
// SHA-256 hashes of secret values and tokens are stored; revoking a secret removes, in the same
// transaction, every access token and agent session that came from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

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

/// Enrollment secrets and access tokens, as the store keeps them: the interface every backend
/// implements. Each method is one transaction of its own unless the caller already holds one (a
/// StoreWriter group, a StoreReader snapshot).
class SecretRepository {
 public:
  virtual ~SecretRepository() = default;

  /// Inserts `secret`; AlreadyExists (field "name") when the name is taken.
  virtual Status CreateSecret(const SecretRecord& secret) = 0;
  /// Every secret, by name, without hashes.
  virtual StatusOr<std::vector<SecretRecord>> ListSecrets() = 0;
  /// The secret named `name` (exact), with its hash, or nullopt.
  virtual StatusOr<std::optional<SecretRecord>> FindSecretByName(std::string_view name) = 0;
  /// The secret whose value hashes to `hash`, with its hash, or nullopt.
  virtual StatusOr<std::optional<SecretRecord>> FindSecretByHash(std::string_view hash) = 0;
  /// Marks the secret REVOKED (stamped `now` when it was active) and deletes its access tokens
  /// and the sessions opened with it, in one transaction; answers the secret. NotFound for an
  /// unknown name. Revoking a revoked secret changes nothing.
  virtual StatusOr<SecretRecord> RevokeSecret(std::string_view name, WallTime now) = 0;

  /// Stores an access token's hash for `secret_id`, valid until `expires_at`; drops that
  /// secret's tokens that expired before `now`.
  virtual Status AddAccessToken(std::string_view token_hash, std::string_view secret_id,
                                WallTime expires_at, WallTime now) = 0;
  /// The token whose hash is `token_hash`, with its secret, or nullopt.
  virtual StatusOr<std::optional<AccessTokenRecord>> FindAccessToken(
      std::string_view token_hash) = 0;
};

}  // namespace orch::store
