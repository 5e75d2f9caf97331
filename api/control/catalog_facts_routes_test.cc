// The facts an Add checks come from memory and follow the certificate and store writes: an Add
// right after an import, a store's creation, update or deletion sees it, and a write whose
// commit fails leaves the facts as they were. The writes go to a writer thread, as in orchd.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/claims.h"
#include "jobs/store_types.h"
#include "pki/base64.h"
#include "pki/test_certs.h"
#include "store/catalog_facts.h"
#include "store/catalog_store.h"
#include "store/write_executor.h"
#include "tests/testing/agent_api_fixture.h"
#include "tests/testing/test_loop.h"
#include "tests/testing/test_writer.h"

namespace orch::api::testing {
namespace {

constexpr uid_t kContainerUid = 5000;
constexpr char kDefaultPool[] = "00000000-0000-0000-0000-000000000000";
constexpr char kUnknownStore[] = "0a1b2c3d-0000-4000-8000-00000000dead";

class CatalogFactsRoutesTest : public AgentApiFixture {
 protected:
  void SetUp() override {
    AgentApiFixture::SetUp();
    ASSERT_OK_AND_ASSIGN(
        executor_, orch::testing::OpenTestWriter(dir_ + "/orchd.db", clock_, loop_, &faults_));
    // Containers are created first, so the first one is Id 1: uid 5000 schedules into it only.
    config::Role all{"all", {std::to_string(kOperatorUid)}, {}, {}};
    for (std::string_view claim : config::kAllClaims) all.claims.emplace_back(claim);
    config::Role scoped{
        "scoped",
        {std::to_string(kContainerUid)},
        {},
        {std::string(claims::kSchedule) + "1/", std::string(claims::kCollectionsRead)}};
    authorizer_ = std::make_unique<Authorizer>(clock_, std::vector<config::Role>{all, scoped});
    UseWriter(*executor_);
  }
  void TearDown() override {
    agent_api_.reset();
    control_.reset();
    touches_.reset();
    executor_.reset();
    AgentApiFixture::TearDown();
  }

  Answer Send(const std::string& method, const std::string& target, const json& body = nullptr,
              uid_t uid = kOperatorUid) {
    return ControlThrough(loop_, method, target, body.is_null() ? "" : body.dump(), uid);
  }

  /// Imports `encoded` (PEM or DER); answers the certificate's Id (0 on failure).
  int64_t Import(const std::string& encoded) {
    const Answer answer =
        Send("POST", "/Certificates/Import", {{"Certificate", pki::Base64Encode(encoded)}});
    EXPECT_EQ(answer.status, 200) << answer.raw;
    return answer.status == 200 ? answer.body["Id"].get<int64_t>() : 0;
  }

  static json StoreBody(std::optional<int64_t> container, int type = jobs::kPemStoreType) {
    json body = {{"ClientMachine", "web01"},
                 {"StorePath", "/etc/ssl/web01.pem"},
                 {"CertStoreType", type},
                 {"AgentPoolId", kDefaultPool}};
    if (container) body["ContainerId"] = *container;
    return body;
  }

  /// Creates a store; answers its Id ("" on failure).
  std::string CreateStore(std::optional<int64_t> container = std::nullopt) {
    const Answer answer = Send("POST", "/CertificateStores", StoreBody(container));
    EXPECT_EQ(answer.status, 200) << answer.raw;
    return answer.status == 200 ? answer.body["Id"].get<std::string>() : "";
  }

  Answer UpdateStore(const std::string& id, std::optional<int64_t> container, int type) {
    json body = StoreBody(container, type);
    body["Id"] = id;
    return Send("PUT", "/CertificateStores", body);
  }

  int64_t CreateContainer(const std::string& name) {
    const Answer answer = Send("POST", "/CertificateStoreContainers", {{"Name", name}});
    EXPECT_EQ(answer.status, 200) << answer.raw;
    return answer.body.value("Id", int64_t{0});
  }

  Answer Add(int64_t certificate, const std::string& store_id, uid_t uid = kOperatorUid,
             bool include_private_key = false) {
    return Send("POST", "/CertificateStores/Certificates/Add",
                {{"CertificateId", certificate},
                 {"CertificateStores",
                  {{{"CertificateStoreId", store_id}, {"IncludePrivateKey", include_private_key}}}},
                 {"Schedule", {{"Immediate", true}}}},
                uid);
  }

  orch::testing::TestLoop loop_;
  store::CommitFaults faults_;
  std::unique_ptr<store::WriteExecutor> executor_;
};

TEST_F(CatalogFactsRoutesTest, AnAddRightAfterTheImportAndTheStoreIsCreatedSeesThem) {
  // Given a certificate imported and a store created just now, an Add into it is accepted.
  const int64_t certificate = Import(pki::testing::EcChain().leaf.cert_der);
  const std::string store_id = CreateStore();
  ASSERT_FALSE(store_id.empty());
  const Answer added = Add(certificate, store_id);
  EXPECT_EQ(added.status, 200) << added.raw;
  EXPECT_EQ(catalog_facts_.certificate_count(), 1u);
  EXPECT_EQ(catalog_facts_.store_count(), 1u);
}

TEST_F(CatalogFactsRoutesTest, AnAddToADeletedStoreIsTheSameNotFoundAsToAnUnknownOne) {
  // Given a store deleted just now, an Add into it is refused as one into a store never made.
  const int64_t certificate = Import(pki::testing::EcChain().leaf.cert_der);
  const Answer unknown = Add(certificate, kUnknownStore);
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  EXPECT_EQ(unknown.body["errorMessage"],
            std::string("no certificate store with Id ") + kUnknownStore)
      << unknown.raw;
  const std::string store_id = CreateStore();
  const Answer deleted = Send("DELETE", "/CertificateStores/" + store_id);
  ASSERT_EQ(deleted.status, 204) << deleted.raw;

  const Answer refused = Add(certificate, store_id);
  EXPECT_EQ(refused.status, 404) << refused.raw;
  EXPECT_EQ(refused.body["errorCode"], unknown.body["errorCode"]) << refused.raw;
  EXPECT_EQ(refused.body["errorMessage"], "no certificate store with Id " + store_id);
  EXPECT_EQ(catalog_facts_.store_count(), 0u);
}

TEST_F(CatalogFactsRoutesTest, AnAddAfterAStoreMovesContainerIsCheckedAgainstTheNewOne) {
  // Given a caller who may schedule into container 1 only, an Add into a store of container 1
  // is accepted, and refused once the store has moved to container 2 (and changed type).
  const int64_t first = CreateContainer("one");
  const int64_t second = CreateContainer("two");
  ASSERT_EQ(first, 1);
  const int64_t certificate = Import(pki::testing::EcChain().leaf.cert_der);
  const std::string store_id = CreateStore(first);
  const Answer accepted = Add(certificate, store_id, kContainerUid);
  EXPECT_EQ(accepted.status, 200) << accepted.raw;

  const Answer moved = UpdateStore(store_id, second, jobs::kPkcs12StoreType);
  ASSERT_EQ(moved.status, 200) << moved.raw;
  const Answer refused = Add(certificate, store_id, kContainerUid);
  EXPECT_EQ(refused.status, 403) << refused.raw;
  EXPECT_NE(refused.body["errorMessage"].get<std::string>().find("certificate store " + store_id),
            std::string::npos)
      << refused.raw;
  ASSERT_OK_AND_ASSIGN(store::CertStoreFacts facts, catalog_facts_.Store(store_id));
  EXPECT_EQ(facts.store_type, jobs::kPkcs12StoreType);
  EXPECT_EQ(facts.container_id, second);
}

TEST_F(CatalogFactsRoutesTest, AStoreTypeWithoutAddIsRefusedAsBefore) {
  // Given the facts of a store whose type has no Add (no built-in type lacks it, so the facts
  // are set by hand), an Add into it is refused as a failed precondition naming the target.
  const int64_t certificate = Import(pki::testing::EcChain().leaf.cert_der);
  const std::string store_id = CreateStore();
  ASSERT_OK_AND_ASSIGN(store::CertStoreFacts facts, catalog_facts_.Store(store_id));
  facts.store_type = 9999;
  catalog_facts_.PutStore(facts);
  const Answer refused = Add(certificate, store_id);
  EXPECT_EQ(refused.status, 400) << refused.raw;
  EXPECT_EQ(refused.body["errorDetails"]["field"], "CertificateStores[0].CertificateStoreId");
  EXPECT_EQ(refused.body["errorMessage"],
            "certificate store " + store_id + " (type 9999) does not support Add");
}

TEST_F(CatalogFactsRoutesTest, ACertificateThatGainsItsKeyCanBeAddedWithIt) {
  // Given a certificate imported without its key, an Add that includes the key is refused;
  // once the certificate is imported again with its key, the same Add is accepted.
  const pki::testing::TestCredential& leaf = pki::testing::EcChain().leaf;
  const int64_t certificate = Import(leaf.cert_der);
  const std::string store_id = CreateStore();
  const Answer refused = Add(certificate, store_id, kOperatorUid, /*include_private_key=*/true);
  EXPECT_EQ(refused.status, 400) << refused.raw;
  EXPECT_EQ(refused.body["errorDetails"]["field"], "CertificateStores[0].IncludePrivateKey");
  EXPECT_EQ(Import(leaf.cert_pem + leaf.key_pkcs8_pem), certificate);
  const Answer accepted = Add(certificate, store_id, kOperatorUid, /*include_private_key=*/true);
  EXPECT_EQ(accepted.status, 200) << accepted.raw;
}

TEST_F(CatalogFactsRoutesTest, ACatalogWriteWhoseCommitFailsLeavesTheFactsUnchanged) {
  // Given each catalog write's commit failing (disk full), the caller gets the error and the
  // facts stay as the database has them: the store keeps its type and still takes Adds.
  const int64_t certificate = Import(pki::testing::EcChain().leaf.cert_der);
  const std::string store_id = CreateStore();
  const Status disk_full = InsufficientStorageError("disk full");

  faults_.Fail(1, disk_full);
  EXPECT_EQ(UpdateStore(store_id, std::nullopt, jobs::kPkcs12StoreType).status, 507);
  faults_.Fail(1, disk_full);
  EXPECT_EQ(Send("DELETE", "/CertificateStores/" + store_id).status, 507);
  faults_.Fail(1, disk_full);
  EXPECT_EQ(Send("POST", "/CertificateStores", StoreBody(std::nullopt)).status, 507);
  faults_.Fail(1, disk_full);
  const Answer import =
      Send("POST", "/Certificates/Import",
           {{"Certificate", pki::Base64Encode(pki::testing::RsaChain().leaf.cert_der)}});
  EXPECT_EQ(import.status, 507) << import.raw;
  EXPECT_EQ(faults_.failed(), 4);

  EXPECT_EQ(catalog_facts_.certificate_count(), 1u);
  EXPECT_EQ(catalog_facts_.store_count(), 1u);
  ASSERT_OK_AND_ASSIGN(store::CertStoreFacts facts, catalog_facts_.Store(store_id));
  EXPECT_EQ(facts.store_type, jobs::kPemStoreType);
  ASSERT_OK_AND_ASSIGN(store::CatalogFacts reloaded, store::CatalogFacts::Load(repositories_->catalog()));
  EXPECT_EQ(reloaded.certificate_count(), 1u);
  EXPECT_EQ(reloaded.store_count(), 1u);
  const Answer added = Add(certificate, store_id);
  EXPECT_EQ(added.status, 200) << added.raw;
}

}  // namespace
}  // namespace orch::api::testing
