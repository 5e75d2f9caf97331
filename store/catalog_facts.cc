#include "store/catalog_facts.h"

#include <utility>

#include "jobs/ascii.h"

namespace orch::store {

StatusOr<CatalogFacts> CatalogFacts::Load(CatalogRepository& catalog) {
  CatalogFacts facts;
  ORCH_ASSIGN_OR_RETURN(std::vector<CertificateFacts> certificates,
                        catalog.ListCertificateFacts());
  for (CertificateFacts& certificate : certificates) facts.PutCertificate(std::move(certificate));
  ORCH_ASSIGN_OR_RETURN(std::vector<CertStoreFacts> stores, catalog.ListCertStoreFacts());
  for (CertStoreFacts& store : stores) facts.PutStore(std::move(store));
  return facts;
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
  // The message SqliteCatalogStore::GetCertificate() gives, so that error bodies do not change.
  if (found == certificates_.end()) {
    return NotFoundError("no certificate with Id " + std::to_string(id));
  }
  return found->second;
}

StatusOr<CertStoreFacts> CatalogFacts::Store(std::string_view id) const {
  auto found = stores_.find(jobs::AsciiLowercase(id));
  // As SqliteCatalogStore::GetCertStore(): the id is named as the caller wrote it.
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
