// CatalogRepository: certificates (with their chains and sealed keys), containers, certificate
// collections and certificate stores, as rows of orchd's database. Secrets arrive already
// sealed (SecretBox) and leave sealed; this layer never sees plaintext keys or passwords.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "jobs/query.h"
#include "store/page.h"

namespace orch::store {

/// A certificate to import. Dates and names as pki::DescribeCertificate() shows them.
struct NewCertificate {
  std::string thumbprint;  // 40 uppercase hex characters; unique
  std::string serial_number;
  std::string issued_dn;
  std::string issuer_dn;
  WallTime not_before;
  WallTime not_after;
  std::string der;
  std::vector<std::string> chain_der;  // issuers nearest first
  /// The PKCS#8 key sealed with associated data CertificateKeyAad(thumbprint), if any.
  std::optional<std::string> sealed_private_key;
};

/// A stored certificate as the API shows it.
struct CertificateRecord {
  int64_t id = 0;
  std::string thumbprint;
  std::string serial_number;
  std::string issued_dn;
  std::string issuer_dn;
  WallTime not_before;
  WallTime not_after;
  WallTime imported_at;
  std::string der;
  bool has_private_key = false;
};

/// The outcome of AddCertificate().
struct ImportOutcome {
  CertificateRecord certificate;
  bool created = false;    // false: the thumbprint was already stored
  bool key_added = false;  // true: an existing certificate gained its private key
};

/// A container of certificate stores (container permissions).
struct ContainerRecord {
  int64_t id = 0;
  std::string name;
};

/// A named certificate query (collection permissions).
struct CollectionRecord {
  int64_t id = 0;
  std::string name;
  std::string description;
  std::string query;  // SPEC §7.3 over CertificateQueryFields()
};

/// A certificate store bound to an agent or an agent pool (exactly one).
struct CertStoreRecord {
  std::string id;  // lowercase GUID
  std::string client_machine;
  std::string store_path;
  int store_type = 0;
  std::optional<int64_t> container_id;
  std::string container_name;  // filled on reads; ignored on writes
  std::string agent_id;        // lowercase GUID or empty
  std::string agent_pool_id;   // lowercase GUID or empty
  std::string properties_json = "{}";
  bool create_if_missing = false;
  /// Sealed with CertStorePasswordAad(id), if the store has a password.
  std::optional<std::string> sealed_password;
  WallTime created_at;
};

/// Associated data binding a sealed private key to its certificate.
std::string CertificateKeyAad(std::string_view thumbprint);
/// Associated data binding a sealed store password to its store.
std::string CertStorePasswordAad(std::string_view store_id);

/// Query and sort fields of GET /Certificates and of collection queries.
const std::vector<jobs::QueryField>& CertificateQueryFields();
/// Query and sort fields of GET /CertificateStores.
const std::vector<jobs::QueryField>& CertStoreQueryFields();
/// Query and sort fields of GET /CertificateStoreContainers.
const std::vector<jobs::QueryField>& ContainerQueryFields();
/// Query and sort fields of GET /CertificateCollections.
const std::vector<jobs::QueryField>& CollectionQueryFields();
/// Query and sort fields of GET /CertificateStoreTypes.
const std::vector<jobs::QueryField>& StoreTypeQueryFields();

/// What an Add checks of a certificate.
struct CertificateFacts {
  int64_t id = 0;
  std::string thumbprint;
  bool has_private_key = false;
};

/// What an Add checks of a certificate store.
struct CertStoreFacts {
  std::string id;  // lowercase GUID
  int store_type = 0;
  std::optional<int64_t> container_id;
  std::string agent_id;       // lowercase GUID or empty
  std::string agent_pool_id;  // lowercase GUID or empty
};

/// The catalog (certificates, containers, collections, certificate stores), as the store keeps
/// them: the interface every backend implements. Each method is one transaction of its own unless
/// the caller already holds one (a StoreWriter group, a StoreReader snapshot).
class CatalogRepository {
 public:
  virtual ~CatalogRepository() = default;

  /// Stores a certificate and its chain in one transaction, stamped `now`. A thumbprint
  /// already stored is not duplicated: the stored row is answered, and it gains the key when
  /// it had none and `certificate` brings one.
  virtual StatusOr<ImportOutcome> AddCertificate(const NewCertificate& certificate,
                                                 WallTime now) = 0;
  /// The certificate `id`; NotFound naming it otherwise.
  virtual StatusOr<CertificateRecord> GetCertificate(int64_t id) = 0;
  /// The chain DERs of certificate `id`, nearest issuer first.
  virtual StatusOr<std::vector<std::string>> GetCertificateChain(int64_t id) = 0;
  /// The sealed private key of certificate `id`, or nullopt when it has none.
  virtual StatusOr<std::optional<std::string>> GetSealedPrivateKey(int64_t id) = 0;
  /// One page of certificates. REQUIRES: paging built from CertificateQueryFields().
  virtual StatusOr<Page<CertificateRecord>> ListCertificates(const jobs::Paging& paging) = 0;
  /// True when certificate `id` matches `filter` (compiled from CertificateQueryFields()).
  virtual StatusOr<bool> CertificateMatches(int64_t id, const jobs::SqlFilter& filter) = 0;

  /// Creates a container; AlreadyExists (field "Name") when the name is taken.
  virtual StatusOr<ContainerRecord> AddContainer(std::string_view name) = 0;
  /// The container `id`; NotFound naming it otherwise.
  virtual StatusOr<ContainerRecord> GetContainer(int64_t id) = 0;
  /// One page of containers.
  virtual StatusOr<Page<ContainerRecord>> ListContainers(const jobs::Paging& paging) = 0;

  /// Creates a collection. REQUIRES: the query compiles. AlreadyExists when the name is taken.
  virtual StatusOr<CollectionRecord> AddCollection(const CollectionRecord& collection) = 0;
  /// The collection `id`; NotFound naming it otherwise.
  virtual StatusOr<CollectionRecord> GetCollection(int64_t id) = 0;
  /// One page of collections.
  virtual StatusOr<Page<CollectionRecord>> ListCollections(const jobs::Paging& paging) = 0;

  /// Creates a store row. REQUIRES: a fresh lowercase GUID id and exactly one of
  /// agent_id/agent_pool_id. NotFound (field "ContainerId") for an unknown container.
  virtual Status AddCertStore(const CertStoreRecord& record) = 0;
  /// Replaces every column of store record.id but its creation time, and the password only
  /// when `replace_password`. NotFound for an unknown store or container.
  virtual Status UpdateCertStore(const CertStoreRecord& record, bool replace_password) = 0;
  /// The store `id` (any case); NotFound naming it otherwise.
  virtual StatusOr<CertStoreRecord> GetCertStore(std::string_view id) = 0;
  /// One page of stores.
  virtual StatusOr<Page<CertStoreRecord>> ListCertStores(const jobs::Paging& paging) = 0;
  /// Deletes store `id` with its jobs that are no longer scheduled. NotFound for an unknown
  /// store; FailedPrecondition while any of its jobs is still Scheduled.
  virtual Status DeleteCertStore(std::string_view id) = 0;

  /// One page of the built-in store types, as StoreType numbers in the page's order.
  virtual StatusOr<Page<int>> ListStoreTypes(const jobs::Paging& paging) = 0;

  /// What an Add checks of every certificate, and of every certificate store (CatalogFacts).
  virtual StatusOr<std::vector<CertificateFacts>> ListCertificateFacts() = 0;
  virtual StatusOr<std::vector<CertStoreFacts>> ListCertStoreFacts() = 0;
};

}  // namespace orch::store
