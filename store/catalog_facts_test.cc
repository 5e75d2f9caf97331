#include "store/catalog_facts.h"

#include <string>

#include <gtest/gtest.h>

#include "jobs/iso_time.h"
#include "jobs/store_types.h"
#include "store/catalog_store.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::store {
namespace {

constexpr char kStoreId[] = "0a1b2c3d-0000-4000-8000-000000000001";
constexpr char kPoolStoreId[] = "0a1b2c3d-0000-4000-8000-000000000002";
constexpr char kDefaultPool[] = "00000000-0000-0000-0000-000000000000";

NewCertificate Cert(const std::string& thumbprint, std::optional<std::string> sealed_key) {
  NewCertificate c;
  c.thumbprint = thumbprint;
  c.serial_number = "01";
  c.issued_dn = "CN=" + thumbprint;
  c.issuer_dn = "CN=Test CA";
  c.not_before = jobs::FromUnixMillis(1704164645000);
  c.not_after = jobs::FromUnixMillis(2019783845000);
  c.der = "der-of-" + thumbprint;
  c.sealed_private_key = std::move(sealed_key);
  return c;
}

CertStoreRecord Store(const std::string& id) {
  CertStoreRecord s;
  s.id = id;
  s.client_machine = "web01";
  s.store_path = "/etc/ssl/web01.pem";
  s.store_type = jobs::kPemStoreType;
  s.agent_pool_id = kDefaultPool;
  return s;
}

class CatalogFactsTest : public testing::StoreFileTest {};

TEST_F(CatalogFactsTest, LoadsEveryCertificateAndStoreWithTheFactsAnAddChecks) {
  // Given two certificates (one with a key) and two stores (one in a container), Load() sees
  // each with its key flag, type, container and binding.
  SqliteCatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(ImportOutcome keyed, catalog.AddCertificate(Cert("AA11", "key"), {}));
  ASSERT_OK_AND_ASSIGN(ImportOutcome bare, catalog.AddCertificate(Cert("BB22", std::nullopt), {}));
  ASSERT_OK_AND_ASSIGN(ContainerRecord container, catalog.AddContainer("web"));
  CertStoreRecord in_container = Store(kStoreId);
  in_container.store_type = jobs::kPkcs12StoreType;
  in_container.container_id = container.id;
  in_container.agent_pool_id.clear();
  in_container.agent_id = "11111111-2222-4333-8444-555555555555";
  ASSERT_OK(catalog.AddCertStore(in_container));
  ASSERT_OK(catalog.AddCertStore(Store(kPoolStoreId)));

  ASSERT_OK_AND_ASSIGN(CatalogFacts facts, CatalogFacts::Load(repositories_->catalog()));
  EXPECT_EQ(facts.certificate_count(), 2u);
  EXPECT_EQ(facts.store_count(), 2u);
  ASSERT_OK_AND_ASSIGN(CertificateFacts with_key, facts.Certificate(keyed.certificate.id));
  EXPECT_EQ(with_key.thumbprint, "AA11");
  EXPECT_TRUE(with_key.has_private_key);
  ASSERT_OK_AND_ASSIGN(CertificateFacts without_key, facts.Certificate(bare.certificate.id));
  EXPECT_FALSE(without_key.has_private_key);
  ASSERT_OK_AND_ASSIGN(CertStoreFacts agent_store, facts.Store(kStoreId));
  EXPECT_EQ(agent_store.store_type, jobs::kPkcs12StoreType);
  EXPECT_EQ(agent_store.container_id, container.id);
  EXPECT_EQ(agent_store.agent_id, "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(agent_store.agent_pool_id, "");
  ASSERT_OK_AND_ASSIGN(CertStoreFacts pool_store, facts.Store(kPoolStoreId));
  EXPECT_EQ(pool_store.container_id, std::nullopt);
  EXPECT_EQ(pool_store.agent_pool_id, kDefaultPool);
}

TEST_F(CatalogFactsTest, UnknownIdsAreNotFoundWithTheCatalogStoresMessages) {
  // Given an empty catalog, the facts and the rows answer unknown ids with the same error.
  ASSERT_OK_AND_ASSIGN(CatalogFacts facts, CatalogFacts::Load(repositories_->catalog()));
  SqliteCatalogStore catalog(*store_);
  const Status from_facts = facts.Certificate(42).status();
  const Status from_rows = catalog.GetCertificate(42).status();
  EXPECT_EQ(from_facts.code(), StatusCode::kNotFound);
  EXPECT_EQ(from_facts.message(), from_rows.message());
  EXPECT_EQ(from_facts.field(), from_rows.field());
  const std::string upper = "0A1B2C3D-0000-4000-8000-000000000001";
  const Status store_from_facts = facts.Store(upper).status();
  const Status store_from_rows = catalog.GetCertStore(upper).status();
  EXPECT_EQ(store_from_facts.code(), StatusCode::kNotFound);
  EXPECT_EQ(store_from_facts.message(), store_from_rows.message());
  EXPECT_EQ(store_from_facts.field(), store_from_rows.field());
}

TEST_F(CatalogFactsTest, UpdatesReplaceAndForgetFactsInAnyCase) {
  // Given facts put, replaced and erased, lookups follow in any case of the store id.
  CatalogFacts facts;
  facts.PutCertificate({7, "CC33", false});
  facts.PutCertificate({7, "CC33", true});
  ASSERT_OK_AND_ASSIGN(CertificateFacts cert, facts.Certificate(7));
  EXPECT_TRUE(cert.has_private_key);

  CertStoreRecord record = Store("0A1B2C3D-0000-4000-8000-000000000001");
  facts.PutStore(CatalogFacts::Of(record));
  ASSERT_OK_AND_ASSIGN(CertStoreFacts stored, facts.Store(kStoreId));
  EXPECT_EQ(stored.id, kStoreId);
  record.store_type = jobs::kPkcs12StoreType;
  record.container_id = 3;
  facts.PutStore(CatalogFacts::Of(record));
  ASSERT_OK_AND_ASSIGN(CertStoreFacts changed, facts.Store(kStoreId));
  EXPECT_EQ(changed.store_type, jobs::kPkcs12StoreType);
  EXPECT_EQ(changed.container_id, 3);
  EXPECT_EQ(facts.store_count(), 1u);

  facts.EraseStore("0A1B2C3D-0000-4000-8000-000000000001");
  EXPECT_EQ(facts.Store(kStoreId).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(facts.store_count(), 0u);
}

}  // namespace
}  // namespace orch::store
