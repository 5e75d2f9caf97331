// CatalogFacts: the facts of the catalog that every Add checks (SPEC §5.1) — which
// certificates exist and whether they hold a private key, which certificate stores exist, their
// type, container and serving agent or pool — held in memory so that an Add reads no row.
// Loaded once from the database at start; the writes that create, change or delete a
// certificate or a store update it once their commit has succeeded, never before, so it stays
// exact. Certificates and stores are few (jobs are many), and no DER, key or password is kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "store/catalog_repository.h"

namespace orch::store {

/// The certificates and certificate stores of the catalog, by id, in memory. Not thread-safe:
/// it lives on the event loop's thread, and only that thread reads or changes it.
class CatalogFacts {
 public:
  /// The facts of every certificate and store in `catalog`.
  static StatusOr<CatalogFacts> Load(CatalogRepository& catalog);

  /// The facts of a certificate row / a store row.
  static CertificateFacts Of(const CertificateRecord& record);
  static CertStoreFacts Of(const CertStoreRecord& record);

  /// Certificate `id`; NotFound with SqliteCatalogStore::GetCertificate()'s message otherwise.
  StatusOr<CertificateFacts> Certificate(int64_t id) const;
  /// Store `id` (any case); NotFound with SqliteCatalogStore::GetCertStore()'s message otherwise.
  StatusOr<CertStoreFacts> Store(std::string_view id) const;

  /// Records a certificate as committed (new, or gaining its key).
  void PutCertificate(CertificateFacts facts);
  /// Records a store as committed (created or updated).
  void PutStore(CertStoreFacts facts);
  /// Forgets store `id` (any case), committed as deleted.
  void EraseStore(std::string_view id);

  size_t certificate_count() const { return certificates_.size(); }
  size_t store_count() const { return stores_.size(); }

 private:
  std::unordered_map<int64_t, CertificateFacts> certificates_;
  std::unordered_map<std::string, CertStoreFacts> stores_;
};

}  // namespace orch::store
