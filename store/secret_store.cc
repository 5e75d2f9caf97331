#include "store/secret_store.h"

#include <stdexcept>

#include <SQLiteCpp/Statement.h>

#include "jobs/iso_time.h"
#include "store/agent_changes.h"
#include "store/sql_values.h"
#include "store/sqlite_store_impl.h"
#include "store/write_transaction.h"

namespace orch::store {
namespace {

// A stored status other than the two known ones throws (see internal::StoredEnum): a damaged
// row must not read as an active secret.
SecretStatus ParseStatus(const std::string& text) {
  for (SecretStatus status : {SecretStatus::kActive, SecretStatus::kRevoked}) {
    if (text == SecretStatusName(status)) return status;
  }
  throw std::runtime_error("the stored secret status \"" + text + "\" is not one this build knows");
}

void BindBytes(SQLite::Statement& statement, int index, std::string_view bytes) {
  statement.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

std::string Bytes(SQLite::Statement& row, int index) {
  SQLite::Column column = row.getColumn(index);
  return std::string(static_cast<const char*>(column.getBlob()),
                     static_cast<size_t>(column.getBytes()));
}

// Columns: secret_id, name, status, modified_at.
SecretRecord ReadSecret(SQLite::Statement& row) {
  SecretRecord secret;
  secret.id = row.getColumn(0).getString();
  secret.name = row.getColumn(1).getString();
  secret.status = ParseStatus(row.getColumn(2).getString());
  secret.modified_at = jobs::FromUnixMillis(row.getColumn(3).getInt64());
  return secret;
}

std::optional<SecretRecord> SelectByName(SQLite::Database& db, std::string_view name) {
  SQLite::Statement query(db,
                          "SELECT secret_id, name, status, modified_at, secret_hash "
                          "FROM agent_secrets WHERE name = ?");
  query.bind(1, std::string(name));
  if (!query.executeStep()) return std::nullopt;
  SecretRecord secret = ReadSecret(query);
  secret.hash = Bytes(query, 4);
  return secret;
}

void DeleteWhereSecret(SQLite::Database& db, const char* table, const std::string& secret_id) {
  SQLite::Statement drop(db, std::string("DELETE FROM ") + table + " WHERE secret_id = ?");
  drop.bind(1, secret_id);
  drop.exec();
}

}  // namespace

std::string_view SecretStatusName(SecretStatus status) {
  return status == SecretStatus::kRevoked ? "REVOKED" : "ACTIVE";
}

Status SqliteSecretStore::CreateSecret(const SecretRecord& secret) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("creating an agent secret", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    if (SelectByName(impl.db, secret.name)) {
      return AlreadyExistsError("an agent secret named \"" + secret.name + "\" already exists")
          .WithField("name");
    }
    SQLite::Statement insert(impl.db,
                             "INSERT INTO agent_secrets (secret_id, name, secret_hash, status, "
                             "modified_at) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, secret.id);
    insert.bind(2, secret.name);
    BindBytes(insert, 3, secret.hash);
    insert.bind(4, std::string(SecretStatusName(secret.status)));
    insert.bind(5, jobs::ToUnixMillis(secret.modified_at));
    insert.exec();
    transaction.commit();
    return Status::Ok();
  });
}

StatusOr<std::vector<SecretRecord>> SqliteSecretStore::ListSecrets() {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing agent secrets", [&]() -> StatusOr<std::vector<SecretRecord>> {
    SQLite::Statement query(impl.db,
                            "SELECT secret_id, name, status, modified_at "
                            "FROM agent_secrets ORDER BY name");
    std::vector<SecretRecord> secrets;
    while (query.executeStep()) secrets.push_back(ReadSecret(query));
    return secrets;
  });
}

StatusOr<std::optional<SecretRecord>> SqliteSecretStore::FindSecretByName(std::string_view name) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading an agent secret", [&]() -> StatusOr<std::optional<SecretRecord>> {
    return SelectByName(impl.db, name);
  });
}

StatusOr<std::optional<SecretRecord>> SqliteSecretStore::FindSecretByHash(std::string_view hash) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading an agent secret", [&]() -> StatusOr<std::optional<SecretRecord>> {
    SQLite::Statement query(impl.db,
                            "SELECT secret_id, name, status, modified_at, secret_hash "
                            "FROM agent_secrets WHERE secret_hash = ?");
    BindBytes(query, 1, hash);
    if (!query.executeStep()) return std::optional<SecretRecord>();
    SecretRecord secret = ReadSecret(query);
    secret.hash = Bytes(query, 4);
    return std::optional<SecretRecord>(std::move(secret));
  });
}

StatusOr<SecretRecord> SqliteSecretStore::RevokeSecret(std::string_view name, WallTime now) {
  AgentChanges::Note();
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("revoking an agent secret", [&]() -> StatusOr<SecretRecord> {
    internal::WriteTransaction transaction(impl);
    std::optional<SecretRecord> secret = SelectByName(impl.db, name);
    if (!secret) return NotFoundError("no agent secret named \"" + std::string(name) + "\"");
    secret->hash.clear();
    if (secret->status == SecretStatus::kRevoked) return *secret;
    static const std::string kRevokeSql =
        "UPDATE agent_secrets SET status = " +
        internal::SqlLiteral(SecretStatusName(SecretStatus::kRevoked)) +
        ", modified_at = ? WHERE secret_id = ?";
    SQLite::Statement revoke(impl.db, kRevokeSql);
    revoke.bind(1, jobs::ToUnixMillis(now));
    revoke.bind(2, secret->id);
    revoke.exec();
    DeleteWhereSecret(impl.db, "agent_access_tokens", secret->id);
    DeleteWhereSecret(impl.db, "agent_sessions", secret->id);
    transaction.commit();
    secret->status = SecretStatus::kRevoked;
    secret->modified_at = now;
    return *secret;
  });
}

Status SqliteSecretStore::AddAccessToken(std::string_view token_hash, std::string_view secret_id,
                                   WallTime expires_at, WallTime now) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("storing an access token", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    SQLite::Statement prune(impl.db,
                            "DELETE FROM agent_access_tokens "
                            "WHERE secret_id = ? AND expires_at < ?");
    prune.bind(1, std::string(secret_id));
    prune.bind(2, jobs::ToUnixMillis(now));
    prune.exec();
    SQLite::Statement insert(impl.db,
                             "INSERT INTO agent_access_tokens (token_hash, secret_id, "
                             "expires_at) VALUES (?, ?, ?)");
    BindBytes(insert, 1, token_hash);
    insert.bind(2, std::string(secret_id));
    insert.bind(3, jobs::ToUnixMillis(expires_at));
    insert.exec();
    transaction.commit();
    return Status::Ok();
  });
}

StatusOr<std::optional<AccessTokenRecord>> SqliteSecretStore::FindAccessToken(
    std::string_view token_hash) {
  SqliteStore::Impl& impl = store_.impl();
  using Result = StatusOr<std::optional<AccessTokenRecord>>;
  return impl.Run("reading an access token", [&]() -> Result {
    SQLite::Statement query(impl.db,
                            "SELECT t.secret_id, s.name, s.status, t.expires_at "
                            "FROM agent_access_tokens t JOIN agent_secrets s USING (secret_id) "
                            "WHERE t.token_hash = ?");
    BindBytes(query, 1, token_hash);
    if (!query.executeStep()) return std::optional<AccessTokenRecord>();
    AccessTokenRecord token;
    token.secret_id = query.getColumn(0).getString();
    token.secret_name = query.getColumn(1).getString();
    token.secret_status = ParseStatus(query.getColumn(2).getString());
    token.expires_at = jobs::FromUnixMillis(query.getColumn(3).getInt64());
    return std::optional<AccessTokenRecord>(std::move(token));
  });
}

}  // namespace orch::store
