// End-to-end: the control API's authorization matrix. Every route the control router serves is
// called by a caller holding no claim, by one holding each single claim (global, or scoped to a
// container or a collection) and by one holding all of them; each call succeeds or is refused
// with 403 RBAC_COMMON_ERROR naming a missing claim, as the table (authz_control_table.cc,
// written from SPEC §8) says, and a refused call leaves the database as it was. Then container-
// and collection-scoped callers meet Add, Unschedule and the collection reads.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/test_certs.h"
#include "tests/e2e/authz_control_table.h"
#include "tests/e2e/authz_support.h"
#include "tests/e2e/jobs_e2e_support.h"

namespace orch::e2e {
namespace {

using nlohmann::json;

class AuthzMatrixE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    orchd_ = std::make_unique<SharedOrchd>();
    orchd_->Start();
    if (::testing::Test::HasFatalFailure()) return;
    // The database is read through its file: an unreadable one would make every comparison pass.
    ready_ = Populate() && orchd_->Database().find(ids_.store_web) != std::string::npos;
  }

  static void TearDownTestSuite() { orchd_.reset(); }

  void SetUp() override { ASSERT_TRUE(ready_) << "the suite's orchd did not start or fill"; }

  // Fills the database as an administrator; false when something was refused.
  static bool Populate() {
    SharedOrchd& o = *orchd_;
    HttpReply cert = JsonClient(o.harness().orchd_).Import(pki::testing::EcChain().leaf.cert_der);
    ids_.certificate = cert.Json().value("Id", int64_t{0});
    ids_.collection_mine =
        o.Call("POST", "/CertificateCollections",
               {{"Name", "mine"}, {"Query", "Id -eq " + std::to_string(ids_.certificate)}})
            .Json()
            .value("Id", int64_t{0});
    ids_.collection_other =
        o.Call("POST", "/CertificateCollections", {{"Name", "other"}, {"Query", "Id -eq 999999"}})
            .Json()
            .value("Id", int64_t{0});
    ids_.container_web = o.Call("POST", "/CertificateStoreContainers", {{"Name", "Web"}})
                             .Json()
                             .value("Id", int64_t{0});
    ids_.container_db = o.Call("POST", "/CertificateStoreContainers", {{"Name", "Db"}})
                            .Json()
                            .value("Id", int64_t{0});
    JsonClient client(o.harness().orchd_);
    ids_.store_web = client.CreateStore(StoreIn("web01", ids_.container_web));
    ids_.store_db = client.CreateStore(StoreIn("db01", ids_.container_db));
    ids_.job_web = FirstJob(o.Call("POST", "/CertificateStores/Certificates/Add",
                                   AddBody(ids_, {ids_.store_web}, std::nullopt)));
    ids_.job_db = FirstJob(o.Call("POST", "/CertificateStores/Certificates/Add",
                                  AddBody(ids_, {ids_.store_db}, std::nullopt)));
    ids_.secret = o.harness().CreateSecret("matrix-enroll").first;
    ids_.agent =
        o.harness().EnrollAgent(o.harness().CreateSecret("matrix-agent"), "agent01", nullptr);
    ids_.pool = o.Call("POST", "/AgentPools", {{"Name", "matrix-pool"}, {"Agents", json::array()}})
                    .Json()
                    .value("AgentPoolId", "");
    return ids_.certificate > 0 && ids_.collection_mine > 0 && ids_.collection_other > 0 &&
           ids_.container_web > 0 && ids_.container_db > 0 && !ids_.store_web.empty() &&
           !ids_.store_db.empty() && !ids_.job_web.empty() && !ids_.job_db.empty() &&
           !ids_.secret.empty() && !ids_.agent.empty() && !ids_.pool.empty();
  }

  static std::string FirstJob(const HttpReply& added) {
    const json ids = added.Json();
    return ids.is_array() && !ids.empty() ? ids[0].get<std::string>() : "";
  }

  // Makes the call of `endpoint` as a caller holding `held`, and checks the outcome.
  static void Check(const ControlEndpoint& endpoint, const Claims& held) {
    const bool allowed = Allowed(endpoint, held);
    const ControlCall call = endpoint.make(*orchd_, allowed);
    const std::string before = allowed ? "" : orchd_->Database();
    const HttpReply reply = orchd_->Call(call.method, call.target, call.body);
    if (allowed) {
      EXPECT_EQ(reply.status, endpoint.success) << endpoint.name << ": " << reply.body;
      return;
    }
    ExpectRbacRefusal(reply, Missing(endpoint, held), endpoint.name);
    EXPECT_EQ(orchd_->Database(), before) << endpoint.name << " was refused but changed the store";
  }

  static std::unique_ptr<SharedOrchd> orchd_;
  static ControlIds ids_;
  static bool ready_;
};

std::unique_ptr<SharedOrchd> AuthzMatrixE2E::orchd_;
ControlIds AuthzMatrixE2E::ids_;
bool AuthzMatrixE2E::ready_ = false;

std::string Describe(const Claims& claims) {
  if (claims.empty()) return "no claim";
  std::string text;
  for (const std::string& claim : claims) text += (text.empty() ? "" : " ") + claim;
  return text;
}

TEST_F(AuthzMatrixE2E, EveryControlCallAnswersEachSingleClaimAsSpecSection8Says) {
  // Given a caller with no claim, each single claim, or all of them, every control route
  // succeeds or is refused (403 naming a missing claim, nothing changed) as SPEC §8 says.
  std::vector<Claims> callers = {{}};
  for (const std::string& claim :
       {kSslRead, kSslModify, kAgentsRead, kAgentsModify, kCollectionsRead, kSchedule, kImport,
        kStoresModify, kSecretsModify}) {
    callers.push_back({claim});
  }
  callers.push_back({ScheduleIn(ids_.container_web)});
  callers.push_back({CollectionRead(ids_.collection_mine)});
  callers.push_back({kSslRead, kSslModify, kAgentsRead, kAgentsModify, kCollectionsRead, kSchedule,
                     kImport, kStoresModify, kSecretsModify});
  const std::vector<ControlEndpoint> endpoints = ControlEndpoints(ids_);
  for (const Claims& caller : callers) {
    SCOPED_TRACE("caller holding " + Describe(caller));
    orchd_->BecomeCaller(caller);
    for (const ControlEndpoint& endpoint : endpoints) Check(endpoint, caller);
  }
}

TEST_F(AuthzMatrixE2E, AnAddOutsideTheCallersContainerIsRefusedAndAddsNothing) {
  // Given a caller scheduling only into the Web container, an Add to a Db store, or to a Web
  // and a Db store at once, is refused naming the Db container's claim and adds no job; an Add
  // to the Web store alone succeeds.
  orchd_->BecomeCaller({kCollectionsRead, ScheduleIn(ids_.container_web)});
  for (const std::vector<std::string>& stores :
       {std::vector<std::string>{ids_.store_db}, {ids_.store_web, ids_.store_db}}) {
    const std::string before = orchd_->Database();
    HttpReply refused = orchd_->Call("POST", "/CertificateStores/Certificates/Add",
                                     AddBody(ids_, stores, std::nullopt));
    ExpectRbacRefusal(refused, {ScheduleIn(ids_.container_db)}, "Add into Db");
    EXPECT_EQ(orchd_->Database(), before);
  }
  HttpReply added = orchd_->Call("POST", "/CertificateStores/Certificates/Add",
                                 AddBody(ids_, {ids_.store_web}, std::nullopt));
  ASSERT_EQ(added.status, 200) << added.body;
  HttpReply listed = orchd_->Call(
      "GET", "/OrchestratorJobs/ScheduledJobs?pq.queryString=" +
                 UrlEncode("JobId -eq \"" + added.Json()[0].get<std::string>() + "\""));
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.headers["x-total-count"], "1");
}

TEST_F(AuthzMatrixE2E, AContainerScopedSchedulerSeesAndUnschedulesOnlyItsContainersJobs) {
  // Given a caller scheduling only into the Web container, ScheduledJobs lists no Db job, and
  // unscheduling the Db job is refused and changes nothing while the Web job's succeeds.
  orchd_->BecomeCaller({ScheduleIn(ids_.container_web)});
  HttpReply listed = orchd_->Call("GET", "/OrchestratorJobs/ScheduledJobs?pq.returnLimit=1000");
  ASSERT_EQ(listed.status, 200) << listed.body;
  for (const json& job : listed.Json()) EXPECT_EQ(job["ContainerId"], ids_.container_web);
  const std::string before = orchd_->Database();
  HttpReply refused =
      orchd_->Call("POST", "/OrchestratorJobs/Unschedule", {{"JobIds", {ids_.job_db}}});
  ExpectRbacRefusal(refused, {ScheduleIn(ids_.container_db)}, "Unschedule of the Db job");
  EXPECT_EQ(orchd_->Database(), before);
  HttpReply done =
      orchd_->Call("POST", "/OrchestratorJobs/Unschedule", {{"JobIds", {ids_.job_web}}});
  EXPECT_EQ(done.status, 204) << done.body;
}

TEST_F(AuthzMatrixE2E, ACollectionScopedCallerAddsOnlyCertificatesOfItsCollection) {
  // Given a caller holding the read claims of two collections (one matching the certificate,
  // one not) and the global schedule claim, an Add naming the matching collection succeeds;
  // naming the other, no collection, or a collection it does not hold is refused, adding
  // nothing.
  const int64_t unheld = ids_.collection_other + 1000;
  orchd_->BecomeCaller(
      {CollectionRead(ids_.collection_mine), CollectionRead(ids_.collection_other), kSchedule});
  struct Refusal {
    std::optional<int64_t> collection;
    std::string names;
  };
  for (const Refusal& refusal :
       {Refusal{ids_.collection_other, "not in certificate collection"},
        Refusal{std::nullopt, kCollectionsRead}, Refusal{unheld, CollectionRead(unheld)}}) {
    const std::string before = orchd_->Database();
    HttpReply refused = orchd_->Call("POST", "/CertificateStores/Certificates/Add",
                                     AddBody(ids_, {ids_.store_web}, refusal.collection));
    ExpectRbacRefusal(refused, {refusal.names}, "Add with collection " + refusal.names);
    EXPECT_EQ(orchd_->Database(), before);
  }
  HttpReply added = orchd_->Call("POST", "/CertificateStores/Certificates/Add",
                                 AddBody(ids_, {ids_.store_web}, ids_.collection_mine));
  EXPECT_EQ(added.status, 200) << added.body;
}

TEST_F(AuthzMatrixE2E, ACollectionScopedReaderSeesOnlyItsCollection) {
  // Given a caller holding only the read claim of one collection, it reads that collection;
  // the other collection, the lists and the certificates are refused.
  orchd_->BecomeCaller({CollectionRead(ids_.collection_mine)});
  HttpReply mine =
      orchd_->Call("GET", "/CertificateCollections/" + std::to_string(ids_.collection_mine));
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.Json()["Name"], "mine");
  const std::string other = std::to_string(ids_.collection_other);
  ExpectRbacRefusal(orchd_->Call("GET", "/CertificateCollections/" + other),
                    {CollectionRead(ids_.collection_other)}, "the other collection");
  ExpectRbacRefusal(orchd_->Call("GET", "/CertificateCollections"), {kCollectionsRead},
                    "the collection list");
  ExpectRbacRefusal(orchd_->Call("GET", "/Certificates"), {kCollectionsRead},
                    "the certificate list");
}

}  // namespace
}  // namespace orch::e2e
