#include "store/catalog_store.h"

#include <sqlite3.h>

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "jobs/iso_time.h"
#include "jobs/store_types.h"
#include "store/store_test_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::store {
namespace {

using ::testing::ElementsAre;

NewCertificate Cert(const std::string& thumbprint, const std::string& cn,
                    std::optional<std::string> sealed_key = std::nullopt) {
  NewCertificate c;
  c.thumbprint = thumbprint;
  c.serial_number = "0A" + thumbprint.substr(0, 4);
  c.issued_dn = "CN=" + cn;
  c.issuer_dn = "CN=Test CA";
  c.not_before = jobs::FromUnixMillis(1704164645000);
  c.not_after = jobs::FromUnixMillis(2019783845000);
  c.der = std::string("\x30\x82\x00", 3) + cn;
  c.chain_der = {"issuer-der", "root-der"};
  c.sealed_private_key = std::move(sealed_key);
  return c;
}

StatusOr<jobs::Paging> PagingFor(const std::string& query,
                                 const std::vector<jobs::QueryField>& fields,
                                 std::string_view sort = "") {
  return jobs::ParsePaging({{"pq.queryString", query}}, fields, sort);
}

CertStoreRecord Store(const std::string& id, const std::string& machine) {
  CertStoreRecord s;
  s.id = id;
  s.client_machine = machine;
  s.store_path = "/etc/ssl/" + machine + ".pem";
  s.store_type = jobs::kPemStoreType;
  s.agent_id = "11111111-2222-4333-8444-555555555555";
  s.properties_json = R"({"separatePrivateKey":"true"})";
  s.sealed_password = std::string("sealed\0bytes", 12);
  return s;
}

class CatalogStoreTest : public testing::StoreFileTest {};

TEST_F(CatalogStoreTest, CertificatesRoundTripWithChainAndSealedKey) {
  // Given a certificate with a chain and a sealed key, reading it back gives every fact.
  SqliteCatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(ImportOutcome outcome,
                       catalog.AddCertificate(Cert("AA11", "one", "sealed-key"), clock_.WallNow()));
  EXPECT_TRUE(outcome.created);
  ASSERT_OK_AND_ASSIGN(CertificateRecord read, catalog.GetCertificate(outcome.certificate.id));
  EXPECT_EQ(read.thumbprint, "AA11");
  EXPECT_EQ(read.issued_dn, "CN=one");
  EXPECT_EQ(read.der, std::string("\x30\x82\x00one", 6));
  EXPECT_EQ(read.not_after, jobs::FromUnixMillis(2019783845000));
  EXPECT_EQ(read.imported_at, clock_.WallNow());
  EXPECT_TRUE(read.has_private_key);
  EXPECT_THAT(*catalog.GetCertificateChain(read.id), ElementsAre("issuer-der", "root-der"));
  EXPECT_EQ(*catalog.GetSealedPrivateKey(read.id), std::optional<std::string>("sealed-key"));
  EXPECT_EQ(catalog.GetCertificate(read.id + 1).status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogStoreTest, ReimportDeduplicatesAndAddsAMissingKey) {
  // Given a certificate stored without a key, importing it again with one adds the key.
  SqliteCatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(ImportOutcome first,
                       catalog.AddCertificate(Cert("BB22", "two"), clock_.WallNow()));
  EXPECT_FALSE(first.certificate.has_private_key);
  ASSERT_OK_AND_ASSIGN(ImportOutcome again,
                       catalog.AddCertificate(Cert("BB22", "two", "key"), clock_.WallNow()));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.key_added);
  EXPECT_EQ(again.certificate.id, first.certificate.id);
  EXPECT_TRUE(again.certificate.has_private_key);
  ASSERT_OK_AND_ASSIGN(Page<CertificateRecord> all, catalog.ListCertificates(jobs::Paging{}));
  EXPECT_EQ(all.total, 1);
}

TEST_F(CatalogStoreTest, ListCertificatesFiltersSortsAndPages) {
  // Given three certificates, a query, a descending sort and a page size pick the right rows.
  SqliteCatalogStore catalog(*store_);
  for (const auto& [tp, cn] : std::vector<std::pair<std::string, std::string>>{
           {"AA01", "alpha"}, {"AA02", "beta"}, {"AA03", "alphabet"}}) {
    ASSERT_OK(catalog.AddCertificate(
        Cert(tp, cn, cn == "beta" ? std::optional<std::string>("k") : std::nullopt),
        clock_.WallNow()));
  }
  ASSERT_OK_AND_ASSIGN(jobs::Paging paging,
                       jobs::ParsePaging({{"pq.queryString", "IssuedDN -startswith \"CN=alpha\""},
                                          {"pq.sortField", "Thumbprint"},
                                          {"pq.sortAscending", "1"},
                                          {"pq.returnLimit", "1"},
                                          {"pq.pageReturned", "2"}},
                                         CertificateQueryFields(), ""));
  ASSERT_OK_AND_ASSIGN(Page<CertificateRecord> page, catalog.ListCertificates(paging));
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].thumbprint, "AA01");
  ASSERT_OK_AND_ASSIGN(paging, PagingFor("HasPrivateKey -eq true", CertificateQueryFields()));
  ASSERT_OK_AND_ASSIGN(page, catalog.ListCertificates(paging));
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].issued_dn, "CN=beta");
}

TEST_F(CatalogStoreTest, CertificateMatchesACollectionQuery) {
  // Given a collection query, one certificate matches it and another does not.
  SqliteCatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(ImportOutcome web,
                       catalog.AddCertificate(Cert("CC01", "web"), clock_.WallNow()));
  ASSERT_OK_AND_ASSIGN(ImportOutcome db,
                       catalog.AddCertificate(Cert("CC02", "db"), clock_.WallNow()));
  ASSERT_OK_AND_ASSIGN(jobs::SqlFilter filter,
                       jobs::CompileQuery("IssuedDN -eq \"cn=web\"", CertificateQueryFields()));
  EXPECT_EQ(*catalog.CertificateMatches(web.certificate.id, filter), true);
  EXPECT_EQ(*catalog.CertificateMatches(db.certificate.id, filter), false);
  EXPECT_EQ(*catalog.CertificateMatches(db.certificate.id, jobs::SqlFilter{}), true);
}

TEST_F(CatalogStoreTest, ContainersAndCollectionsHaveUniqueNames) {
  // Given a container and a collection, a second one with the same name (any case) is refused.
  SqliteCatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(ContainerRecord web, catalog.AddContainer("Web"));
  EXPECT_EQ(catalog.AddContainer("WEB").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(catalog.GetContainer(web.id)->name, "Web");
  ASSERT_OK_AND_ASSIGN(CollectionRecord mine,
                       catalog.AddCollection({0, "Mine", "", "IssuedDN -contains \"web\""}));
  EXPECT_GT(mine.id, 0);
  Status duplicate = catalog.AddCollection({0, "mine", "", ""}).status();
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicate.field(), "Name");
  EXPECT_EQ(catalog.GetCollection(mine.id)->query, "IssuedDN -contains \"web\"");
  EXPECT_EQ(catalog.ListContainers(jobs::Paging{})->total, 1);
  EXPECT_EQ(catalog.ListCollections(jobs::Paging{})->total, 1);
}

TEST_F(CatalogStoreTest, CertStoresRoundTripUpdateAndDelete) {
  // Given a store in a container, it reads back, updates without losing its password, and
  // deletes; an unknown container is refused.
  SqliteCatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(ContainerRecord web, catalog.AddContainer("Web"));
  CertStoreRecord record = Store("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "web01");
  record.container_id = web.id;
  ASSERT_OK(catalog.AddCertStore(record));
  ASSERT_OK_AND_ASSIGN(CertStoreRecord read,
                       catalog.GetCertStore("AAAAAAAA-bbbb-4ccc-8ddd-eeeeeeeeeeee"));
  EXPECT_EQ(read.client_machine, "web01");
  EXPECT_EQ(read.container_name, "Web");
  EXPECT_EQ(read.sealed_password, record.sealed_password);
  EXPECT_EQ(read.agent_pool_id, "");

  record.client_machine = "web02";
  record.sealed_password.reset();
  ASSERT_OK(catalog.UpdateCertStore(record, /*replace_password=*/false));
  ASSERT_OK_AND_ASSIGN(read, catalog.GetCertStore(record.id));
  EXPECT_EQ(read.client_machine, "web02");
  EXPECT_EQ(read.sealed_password, std::optional<std::string>(std::string("sealed\0bytes", 12)));

  CertStoreRecord orphan = Store("aaaaaaaa-bbbb-4ccc-8ddd-000000000000", "x");
  orphan.container_id = 999;
  Status refused = catalog.AddCertStore(orphan);
  EXPECT_EQ(refused.code(), StatusCode::kNotFound);
  EXPECT_EQ(refused.field(), "ContainerId");

  ASSERT_OK(catalog.DeleteCertStore(record.id));
  EXPECT_EQ(catalog.GetCertStore(record.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(catalog.DeleteCertStore(record.id).code(), StatusCode::kNotFound);
}

TEST_F(CatalogStoreTest, StoreListQueriesByMachineAndPool) {
  // Given a store bound to an agent and one bound to a pool, queries tell them apart.
  SqliteCatalogStore catalog(*store_);
  ASSERT_OK(catalog.AddCertStore(Store("aaaaaaaa-bbbb-4ccc-8ddd-000000000001", "web01")));
  CertStoreRecord pooled = Store("aaaaaaaa-bbbb-4ccc-8ddd-000000000002", "db01");
  pooled.agent_id.clear();
  pooled.agent_pool_id = "00000000-0000-0000-0000-000000000000";
  ASSERT_OK(catalog.AddCertStore(pooled));
  ASSERT_OK_AND_ASSIGN(jobs::Paging paging,
                       PagingFor("AgentPoolId -eq \"00000000-0000-0000-0000-000000000000\"",
                                 CertStoreQueryFields()));
  ASSERT_OK_AND_ASSIGN(Page<CertStoreRecord> page, catalog.ListCertStores(paging));
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].client_machine, "db01");
  ASSERT_OK_AND_ASSIGN(paging, PagingFor("ClientMachine -eq \"WEB01\"", CertStoreQueryFields()));
  EXPECT_EQ(catalog.ListCertStores(paging)->total, 1);
}

TEST_F(CatalogStoreTest, StoreTypesListThroughTheSameQueryPath) {
  // Given the built-in store types, a query and sort filter them like a table.
  SqliteCatalogStore catalog(*store_);
  ASSERT_OK_AND_ASSIGN(Page<int> all, catalog.ListStoreTypes(jobs::Paging{}));
  EXPECT_THAT(all.rows, ElementsAre(jobs::kPemStoreType, jobs::kPkcs12StoreType));
  ASSERT_OK_AND_ASSIGN(jobs::Paging paging,
                       PagingFor("Capability -eq \"p12\"", StoreTypeQueryFields()));
  ASSERT_OK_AND_ASSIGN(Page<int> p12, catalog.ListStoreTypes(paging));
  EXPECT_EQ(p12.total, 1);
  EXPECT_THAT(p12.rows, ElementsAre(jobs::kPkcs12StoreType));
}

TEST_F(CatalogStoreTest, FilteredCountsStopAtTheLimitAndSaySo) {
  // Given one container more than the count limit, a filter matching all of them counts up to
  // the limit and says the count is not exact; the page itself is complete. A narrow filter and
  // no filter at all count exactly.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/orchd.db").c_str(), &raw), SQLITE_OK);
  const std::string fill =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i <= " +
      std::to_string(kExactCountLimit) + ") INSERT INTO containers (name) SELECT 'c' || i FROM n";
  EXPECT_EQ(sqlite3_exec(raw, fill.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  SqliteCatalogStore catalog(*store_);

  ASSERT_OK_AND_ASSIGN(jobs::Paging broad,
                       PagingFor("Name -startswith \"c\"", ContainerQueryFields()));
  ASSERT_OK_AND_ASSIGN(Page<ContainerRecord> capped, catalog.ListContainers(broad));
  EXPECT_EQ(capped.total, kExactCountLimit);
  EXPECT_FALSE(capped.total_exact);
  EXPECT_EQ(capped.rows.size(), 50u);

  ASSERT_OK_AND_ASSIGN(jobs::Paging narrow, PagingFor("Name -eq \"c7\"", ContainerQueryFields()));
  ASSERT_OK_AND_ASSIGN(Page<ContainerRecord> one, catalog.ListContainers(narrow));
  EXPECT_EQ(one.total, 1);
  EXPECT_TRUE(one.total_exact);

  ASSERT_OK_AND_ASSIGN(Page<ContainerRecord> all, catalog.ListContainers(jobs::Paging{}));
  EXPECT_EQ(all.total, kExactCountLimit + 1);
  EXPECT_TRUE(all.total_exact);
}

}  // namespace
}  // namespace orch::store
