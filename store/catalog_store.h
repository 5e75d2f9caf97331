// SqliteCatalogStore: CatalogRepository on one SQLite connection.
#pragma once

#include "store/catalog_repository.h"
#include "store/sqlite_store.h"

namespace orch::store {

/// CatalogRepository on one SqliteStore. Same threading as SqliteStore.
class SqliteCatalogStore final : public CatalogRepository {
 public:
  /// REQUIRES: `store` outlives this object.
  explicit SqliteCatalogStore(SqliteStore& store) : store_(store) {}

  StatusOr<ImportOutcome> AddCertificate(const NewCertificate& certificate, WallTime now) override;
  StatusOr<CertificateRecord> GetCertificate(int64_t id) override;
  StatusOr<std::vector<std::string>> GetCertificateChain(int64_t id) override;
  StatusOr<std::optional<std::string>> GetSealedPrivateKey(int64_t id) override;
  StatusOr<Page<CertificateRecord>> ListCertificates(const jobs::Paging& paging) override;
  StatusOr<bool> CertificateMatches(int64_t id, const jobs::SqlFilter& filter) override;

  StatusOr<ContainerRecord> AddContainer(std::string_view name) override;
  StatusOr<ContainerRecord> GetContainer(int64_t id) override;
  StatusOr<Page<ContainerRecord>> ListContainers(const jobs::Paging& paging) override;

  StatusOr<CollectionRecord> AddCollection(const CollectionRecord& collection) override;
  StatusOr<CollectionRecord> GetCollection(int64_t id) override;
  StatusOr<Page<CollectionRecord>> ListCollections(const jobs::Paging& paging) override;

  Status AddCertStore(const CertStoreRecord& record) override;
  Status UpdateCertStore(const CertStoreRecord& record, bool replace_password) override;
  StatusOr<CertStoreRecord> GetCertStore(std::string_view id) override;
  StatusOr<Page<CertStoreRecord>> ListCertStores(const jobs::Paging& paging) override;
  Status DeleteCertStore(std::string_view id) override;

  StatusOr<Page<int>> ListStoreTypes(const jobs::Paging& paging) override;
  StatusOr<std::vector<CertificateFacts>> ListCertificateFacts() override;
  StatusOr<std::vector<CertStoreFacts>> ListCertStoreFacts() override;

 private:
  SqliteStore& store_;
};

}  // namespace orch::store
