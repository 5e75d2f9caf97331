// SqliteCatalogStore: certificates, their chains and sealed keys, and collections.
#include <SQLiteCpp/Statement.h>

#include "jobs/iso_time.h"
#include "store/catalog_store.h"
#include "store/paged_select.h"
#include "store/sqlite_store_impl.h"
#include "store/write_transaction.h"

namespace orch::store {
namespace {

using jobs::FromUnixMillis;
using jobs::QueryField;
using jobs::ToUnixMillis;

constexpr std::string_view kCertificateColumns =
    "c.id, c.thumbprint, c.serial_number, c.issued_dn, c.issuer_dn, c.not_before, c.not_after, "
    "c.imported_at, c.der, c.private_key IS NOT NULL";

CertificateRecord ReadCertificate(SQLite::Statement& row) {
  CertificateRecord record;
  record.id = row.getColumn(0).getInt64();
  record.thumbprint = row.getColumn(1).getString();
  record.serial_number = row.getColumn(2).getString();
  record.issued_dn = row.getColumn(3).getString();
  record.issuer_dn = row.getColumn(4).getString();
  record.not_before = FromUnixMillis(row.getColumn(5).getInt64());
  record.not_after = FromUnixMillis(row.getColumn(6).getInt64());
  record.imported_at = FromUnixMillis(row.getColumn(7).getInt64());
  record.der = row.getColumn(8).getString();
  record.has_private_key = row.getColumn(9).getInt() != 0;
  return record;
}

void BindBlob(SQLite::Statement& statement, int index, const std::string& bytes) {
  statement.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

std::optional<CertificateRecord> FindByThumbprint(SQLite::Database& db,
                                                  std::string_view thumbprint) {
  SQLite::Statement query(db, "SELECT " + std::string(kCertificateColumns) +
                                  " FROM certificates c WHERE c.thumbprint = ?");
  query.bind(1, std::string(thumbprint));
  if (!query.executeStep()) return std::nullopt;
  return ReadCertificate(query);
}

int64_t InsertCertificate(SQLite::Database& db, const NewCertificate& c, WallTime now) {
  SQLite::Statement insert(
      db,
      "INSERT INTO certificates (thumbprint, serial_number, issued_dn, issuer_dn, not_before, "
      "not_after, der, private_key, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, c.thumbprint);
  insert.bind(2, c.serial_number);
  insert.bind(3, c.issued_dn);
  insert.bind(4, c.issuer_dn);
  insert.bind(5, ToUnixMillis(c.not_before));
  insert.bind(6, ToUnixMillis(c.not_after));
  BindBlob(insert, 7, c.der);
  if (c.sealed_private_key) {
    BindBlob(insert, 8, *c.sealed_private_key);
  } else {
    insert.bind(8);
  }
  insert.bind(9, ToUnixMillis(now));
  insert.exec();
  const int64_t id = db.getLastInsertRowid();
  SQLite::Statement chain(
      db, "INSERT INTO certificate_chain (certificate_id, position, der) VALUES (?, ?, ?)");
  for (size_t i = 0; i < c.chain_der.size(); ++i) {
    chain.bind(1, id);
    chain.bind(2, static_cast<int64_t>(i));
    BindBlob(chain, 3, c.chain_der[i]);
    chain.exec();
    chain.reset();
  }
  return id;
}

CollectionRecord ReadCollection(SQLite::Statement& row) {
  return CollectionRecord{row.getColumn(0).getInt64(), row.getColumn(1).getString(),
                          row.getColumn(2).getString(), row.getColumn(3).getString()};
}

}  // namespace

std::string CertificateKeyAad(std::string_view thumbprint) {
  return "certificate:" + std::string(thumbprint) + ":key";
}

const std::vector<QueryField>& CertificateQueryFields() {
  static const std::vector<QueryField> kFields = {
      {"Id", "c.id", QueryField::kInteger},
      {"Thumbprint", "c.thumbprint", QueryField::kText},
      {"SerialNumber", "c.serial_number", QueryField::kText},
      {"IssuedDN", "c.issued_dn", QueryField::kText},
      {"IssuerDN", "c.issuer_dn", QueryField::kText},
      {"NotBefore", "c.not_before", QueryField::kTime},
      {"NotAfter", "c.not_after", QueryField::kTime},
      {"ImportDate", "c.imported_at", QueryField::kTime},
      {"HasPrivateKey",
       "(c.private_key IS NOT NULL)",
       QueryField::kInteger,
       {{"true", 1}, {"false", 0}}},
  };
  return kFields;
}

const std::vector<QueryField>& CollectionQueryFields() {
  static const std::vector<QueryField> kFields = {
      {"Id", "id", QueryField::kInteger},
      {"Name", "name", QueryField::kText},
      {"Description", "description", QueryField::kText},
      {"Query", "query", QueryField::kText},
  };
  return kFields;
}

StatusOr<ImportOutcome> SqliteCatalogStore::AddCertificate(const NewCertificate& certificate,
                                                     WallTime now) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("importing a certificate", [&]() -> StatusOr<ImportOutcome> {
    internal::WriteTransaction transaction(impl);
    std::optional<CertificateRecord> existing = FindByThumbprint(impl.db, certificate.thumbprint);
    ImportOutcome outcome;
    if (!existing) {
      InsertCertificate(impl.db, certificate, now);
      outcome.created = true;
    } else if (!existing->has_private_key && certificate.sealed_private_key) {
      SQLite::Statement update(impl.db, "UPDATE certificates SET private_key = ? WHERE id = ?");
      BindBlob(update, 1, *certificate.sealed_private_key);
      update.bind(2, existing->id);
      update.exec();
      outcome.key_added = true;
    }
    outcome.certificate = *FindByThumbprint(impl.db, certificate.thumbprint);
    transaction.commit();
    return outcome;
  });
}

StatusOr<CertificateRecord> SqliteCatalogStore::GetCertificate(int64_t id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading a certificate", [&]() -> StatusOr<CertificateRecord> {
    // Every job an agent configures reads its certificate: the statement is kept prepared.
    internal::CachedStatement query = impl.Prepare("SELECT " + std::string(kCertificateColumns) +
                                                   " FROM certificates c WHERE c.id = ?");
    query.bind(1, id);
    if (!query.executeStep()) {
      return NotFoundError("no certificate with Id " + std::to_string(id));
    }
    return ReadCertificate(query);
  });
}

StatusOr<std::vector<std::string>> SqliteCatalogStore::GetCertificateChain(int64_t id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading a certificate chain", [&]() -> StatusOr<std::vector<std::string>> {
    SQLite::Statement query(
        impl.db, "SELECT der FROM certificate_chain WHERE certificate_id = ? ORDER BY position");
    query.bind(1, id);
    std::vector<std::string> chain;
    while (query.executeStep()) chain.push_back(query.getColumn(0).getString());
    return chain;
  });
}

StatusOr<std::optional<std::string>> SqliteCatalogStore::GetSealedPrivateKey(int64_t id) {
  SqliteStore::Impl& impl = store_.impl();
  using Result = StatusOr<std::optional<std::string>>;
  return impl.Run("reading a certificate key", [&]() -> Result {
    SQLite::Statement query(impl.db, "SELECT private_key FROM certificates WHERE id = ?");
    query.bind(1, id);
    if (!query.executeStep()) return NotFoundError("no certificate with Id " + std::to_string(id));
    if (query.getColumn(0).isNull()) return std::optional<std::string>();
    return std::optional<std::string>(query.getColumn(0).getString());
  });
}

StatusOr<Page<CertificateRecord>> SqliteCatalogStore::ListCertificates(const jobs::Paging& paging) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing certificates", [&]() -> StatusOr<Page<CertificateRecord>> {
    Page<CertificateRecord> page;
    internal::SetCount(
        page, internal::RunPagedSelect(
                  impl, {kCertificateColumns, "certificates c", "c.id"}, paging,
                  [&](SQLite::Statement& row) { page.rows.push_back(ReadCertificate(row)); }));
    return page;
  });
}

StatusOr<bool> SqliteCatalogStore::CertificateMatches(int64_t id, const jobs::SqlFilter& filter) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("matching a certificate", [&]() -> StatusOr<bool> {
    std::string sql = "SELECT count(*) FROM certificates c WHERE c.id = ?";
    if (!filter.where_sql.empty()) sql += " AND (" + filter.where_sql + ")";
    SQLite::Statement query(impl.db, sql);
    query.bind(1, id);
    internal::BindParams(query, filter.params, 2);
    query.executeStep();
    return query.getColumn(0).getInt64() > 0;
  });
}

StatusOr<CollectionRecord> SqliteCatalogStore::AddCollection(const CollectionRecord& collection) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("creating a collection", [&]() -> StatusOr<CollectionRecord> {
    internal::WriteTransaction transaction(impl);
    SQLite::Statement taken(impl.db, "SELECT 1 FROM certificate_collections WHERE name = ?");
    taken.bind(1, collection.name);
    if (taken.executeStep()) {
      return AlreadyExistsError("a collection named '" + collection.name + "' already exists")
          .WithField("Name");
    }
    SQLite::Statement insert(
        impl.db, "INSERT INTO certificate_collections (name, description, query) VALUES (?, ?, ?)");
    insert.bind(1, collection.name);
    insert.bind(2, collection.description);
    insert.bind(3, collection.query);
    insert.exec();
    CollectionRecord created = collection;
    created.id = impl.db.getLastInsertRowid();
    transaction.commit();
    return created;
  });
}

StatusOr<CollectionRecord> SqliteCatalogStore::GetCollection(int64_t id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading a collection", [&]() -> StatusOr<CollectionRecord> {
    SQLite::Statement query(
        impl.db, "SELECT id, name, description, query FROM certificate_collections WHERE id = ?");
    query.bind(1, id);
    if (!query.executeStep()) {
      return NotFoundError("no certificate collection with Id " + std::to_string(id));
    }
    return ReadCollection(query);
  });
}

StatusOr<Page<CollectionRecord>> SqliteCatalogStore::ListCollections(const jobs::Paging& paging) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing collections", [&]() -> StatusOr<Page<CollectionRecord>> {
    Page<CollectionRecord> page;
    internal::SetCount(
        page, internal::RunPagedSelect(
                  impl, {"id, name, description, query", "certificate_collections", "id"}, paging,
                  [&](SQLite::Statement& row) { page.rows.push_back(ReadCollection(row)); }));
    return page;
  });
}

StatusOr<std::vector<CertificateFacts>> SqliteCatalogStore::ListCertificateFacts() {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("loading the catalog facts", [&]() -> StatusOr<std::vector<CertificateFacts>> {
    std::vector<CertificateFacts> facts;
    // Only the columns an Add checks: DERs and keys stay on disk.
    SQLite::Statement query(impl.db,
                            "SELECT id, thumbprint, private_key IS NOT NULL FROM certificates");
    while (query.executeStep()) {
      facts.push_back({query.getColumn(0).getInt64(), query.getColumn(1).getString(),
                       query.getColumn(2).getInt() != 0});
    }
    return facts;
  });
}

}  // namespace orch::store
