#include "store/catalog_facts.h"

#include <utility>

#include <SQLiteCpp/Statement.h>

#include "jobs/ascii.h"
#include "store/sqlite_store_impl.h"

namespace orch::store {

StatusOr<CatalogFacts> CatalogFacts::Load(SqliteStore& store) {
  SqliteStore::Impl& impl = store.impl();
  return impl.Run("loading the catalog facts", [&]() -> StatusOr<CatalogFacts> {
    CatalogFacts facts;
    // Only the columns an Add checks: DERs, keys and passwords stay on disk.
    SQLite::Statement certificates(
        impl.db, "SELECT id, thumbprint, private_key IS NOT NULL FROM certificates");
    while (certificates.executeStep()) {
      facts.PutCertificate({certificates.getColumn(0).getInt64(),
                            certificates.getColumn(1).getString(),
                            certificates.getColumn(2).getInt() != 0});
    }
    SQLite::Statement stores(impl.db,
                             "SELECT id, store_type, container_id, coalesce(agent_id, ''), "
                             "coalesce(agent_pool_id, '') FROM certificate_stores");
    while (stores.executeStep()) {
      CertStoreFacts store_facts;
      store_facts.id = stores.getColumn(0).getString();
      store_facts.store_type = stores.getColumn(1).getInt();
      if (!stores.getColumn(2).isNull()) store_facts.container_id = stores.getColumn(2).getInt64();
      store_facts.agent_id = stores.getColumn(3).getString();
      store_facts.agent_pool_id = stores.getColumn(4).getString();
      facts.PutStore(std::move(store_facts));
    }
    return facts;
  });
}

CertificateFacts CatalogFacts::Of(const CertificateRecord& record) {
  return {record.id, record.thumbprint, record.has_private_key};
}

CertStoreFacts CatalogFacts::Of(const CertStoreRecord& record) {
  return {jobs::AsciiLowercase(record.id), record.store_type, record.container_id, record.agent_id,
          record.agent_pool_id};
}

StatusOr<CertificateFacts> CatalogFacts::Certificate(int64_t id) const {
  auto found = certificates_.find(id);
  // The message CatalogStore::GetCertificate() gives, so that error bodies do not change.
  if (found == certificates_.end()) {
    return NotFoundError("no certificate with Id " + std::to_string(id));
  }
  return found->second;
}

StatusOr<CertStoreFacts> CatalogFacts::Store(std::string_view id) const {
  auto found = stores_.find(jobs::AsciiLowercase(id));
  // As CatalogStore::GetCertStore(): the id is named as the caller wrote it.
  if (found == stores_.end()) {
    return NotFoundError("no certificate store with Id " + std::string(id));
  }
  return found->second;
}

void CatalogFacts::PutCertificate(CertificateFacts facts) {
  const int64_t id = facts.id;
  certificates_.insert_or_assign(id, std::move(facts));
}

void CatalogFacts::PutStore(CertStoreFacts facts) {
  facts.id = jobs::AsciiLowercase(facts.id);
  std::string key = facts.id;
  stores_.insert_or_assign(std::move(key), std::move(facts));
}

void CatalogFacts::EraseStore(std::string_view id) {
  stores_.erase(jobs::AsciiLowercase(id));
}

}  // namespace orch::store
