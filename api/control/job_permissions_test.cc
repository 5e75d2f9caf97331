#include "api/control/job_permissions.h"

#include <memory>

#include <gtest/gtest.h>

#include "common/fake_clock.h"
#include "store/catalog_store.h"
#include "store/sqlite_store.h"
#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

class JobPermissionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        store_, store::SqliteStore::Open({.path = std::string(store::SqliteStore::kInMemoryPath),
                                          .orchd_version = "test",
                                          .clock = &clock_}));
    store::SqliteCatalogStore catalog(*store_);
    store::NewCertificate web;
    web.thumbprint = "AA";
    web.issued_dn = "CN=web.example.com";
    ASSERT_OK_AND_ASSIGN(store::ImportOutcome imported,
                         catalog.AddCertificate(web, clock_.WallNow()));
    web_id_ = imported.certificate.id;
    store::NewCertificate db = web;
    db.thumbprint = "BB";
    db.issued_dn = "CN=db.example.com";
    ASSERT_OK_AND_ASSIGN(imported, catalog.AddCertificate(db, clock_.WallNow()));
    db_id_ = imported.certificate.id;
    ASSERT_OK_AND_ASSIGN(store::CollectionRecord collection,
                         catalog.AddCollection({0, "Web", "", "IssuedDN -startswith \"CN=web\""}));
    collection_id_ = collection.id;
  }

  FakeClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  int64_t web_id_ = 0;
  int64_t db_id_ = 0;
  int64_t collection_id_ = 0;
};

TEST_F(JobPermissionsTest, ScheduleAccessIsGlobalOrPerContainer) {
  // Given a caller with only container 4's schedule claim, stores in container 4 pass and
  // others (or stores in no container) are refused naming the claim.
  std::vector<std::string> scoped = {"/certificate_stores/schedule/4/"};
  EXPECT_OK(CheckScheduleAccess(scoped, 4, "store a"));
  Status refused = CheckScheduleAccess(scoped, 5, "store b");
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.message().find("/certificate_stores/schedule/5/"), std::string::npos);
  EXPECT_EQ(CheckScheduleAccess(scoped, std::nullopt, "store c").code(),
            StatusCode::kPermissionDenied);
  EXPECT_OK(CheckScheduleAccess(scoped, std::nullopt, "", /*any_scope=*/true));
  EXPECT_OK(CheckScheduleAccess({"/certificate_stores/schedule/"}, std::nullopt, "store c"));
  EXPECT_EQ(CheckScheduleAccess({}, std::nullopt, "", true).code(), StatusCode::kPermissionDenied);
}

TEST_F(JobPermissionsTest, CollectionAccessNeedsAHeldCollectionThatHoldsTheCertificate) {
  // Given a collection of web certificates and its scoped claim, only web certificates pass.
  store::SqliteCatalogStore catalog(*store_);
  std::vector<std::string> claims = {"/certificates/collections/read/" +
                                     std::to_string(collection_id_) + "/"};
  EXPECT_OK(CheckCollectionAccess(claims, catalog, web_id_, collection_id_));
  EXPECT_EQ(CheckCollectionAccess(claims, catalog, db_id_, collection_id_).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckCollectionAccess(claims, catalog, web_id_, std::nullopt).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckCollectionAccess(claims, catalog, web_id_, collection_id_ + 1).code(),
            StatusCode::kPermissionDenied);
  EXPECT_OK(
      CheckCollectionAccess({"/certificates/collections/read/"}, catalog, db_id_, std::nullopt));
}

TEST_F(JobPermissionsTest, ScheduleScopeNarrowsListFilters) {
  // Given container-scoped claims, the list filter gains a bound IN over those containers.
  jobs::SqlFilter filter{"a = ?", {std::string("x")}};
  ASSERT_OK(RestrictToScheduleScope(
      {"/certificate_stores/schedule/2/", "/certificate_stores/schedule/9/"}, "s.container_id",
      filter));
  EXPECT_EQ(filter.where_sql, "(a = ?) AND s.container_id IN (?, ?)");
  ASSERT_EQ(filter.params.size(), 3u);
  EXPECT_EQ(std::get<int64_t>(filter.params[2]), 9);
  jobs::SqlFilter untouched;
  ASSERT_OK(RestrictToScheduleScope({"/certificate_stores/schedule/"}, "c", untouched));
  EXPECT_EQ(untouched.where_sql, "");
  EXPECT_EQ(RestrictToScheduleScope({"/ssl/read/"}, "c", untouched).code(),
            StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace orch::api
