// End-to-end: what an operator meets first — /Status counts that follow an Unschedule at once,
// import errors that name the field to fix, text sorted the same way on every list, stores
// visible to callers scoped to their containers, and refusals that read as sentences.
#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/test_certs.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/jobs_e2e_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace certs = pki::testing;

class OperatorE2E : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(orchd_.Start()); }

  int64_t ImportKeyless() {
    HttpReply cert = api_.Import(certs::EcChain().root.cert_der);
    EXPECT_EQ(cert.status, 200) << cert.body;
    return cert.Json().value("Id", int64_t{0});
  }

  // Adds `certificate` to `store` every hour under `alias`; answers the job id.
  std::string AddHourly(int64_t certificate, const std::string& store, const std::string& alias) {
    HttpReply added = api_.Call(
        "POST", "/CertificateStores/Certificates/Add",
        {{"CertificateId", certificate},
         {"CertificateStores", {{{"CertificateStoreId", store}, {"Alias", alias}}}},
         {"Schedule", {{"Interval", {{"Minutes", 60}}}}}});
    EXPECT_EQ(added.status, 200) << added.body;
    return added.Json().is_array() ? added.Json()[0].get<std::string>() : "";
  }

  int64_t ScheduledJobsInStatus() {
    HttpReply status = api_.Call("GET", "/Status");
    EXPECT_EQ(status.status, 200) << status.body;
    return status.Json()["Scheduler"].value("ScheduledJobs", int64_t{-1});
  }

  // Replaces the roles and reloads; the new roles apply to the next call.
  void ReloadWithRoles(const std::string& claims) {
    WriteFile(orchd_.config_path(), orchd_.BaseYaml() +
                                        "roles:\n"
                                        "  - name: operator\n"
                                        "    users: [\"" +
                                        std::to_string(::getuid()) + "\"]\n    claims: " + claims +
                                        "\n");
    orchd_.process().Signal(SIGHUP);
    ASSERT_TRUE(orchd_.notify().WaitFor("READY=1")) << orchd_.process().Log();
    ASSERT_THAT(orchd_.process().Log(), ::testing::Not(HasSubstr("reload rejected")));
  }

  OrchdFixture orchd_;
  JsonClient api_{orchd_};
};

TEST_F(OperatorE2E, UnscheduleLowersTheScheduledJobsOfStatusAtOnce) {
  // Given two hourly jobs, unscheduling one takes it out of /Status ScheduledJobs at once,
  // not only when its old fire time comes.
  const int64_t certificate = ImportKeyless();
  const std::string store = api_.CreateStore(PemStoreBody("web01"));
  const std::string dropped = AddHourly(certificate, store, "a");
  AddHourly(certificate, store, "b");
  EXPECT_EQ(ScheduledJobsInStatus(), 2);
  HttpReply unscheduled =
      api_.Call("POST", "/OrchestratorJobs/Unschedule", {{"JobIds", {dropped}}});
  ASSERT_EQ(unscheduled.status, 204) << unscheduled.body;
  EXPECT_EQ(ScheduledJobsInStatus(), 1);
}

TEST_F(OperatorE2E, ImportWithoutAPasswordItNeedsNamesThePasswordField) {
  // Given a password-protected PKCS#12 and a PEM with an encrypted key, importing either
  // without Password is FIELD_ERROR Password; with the password both import.
  const certs::TestCredential& leaf = certs::RsaChain().leaf;
  const std::string p12 = certs::MakePkcs12(leaf, {}, "right");
  const std::string pem = leaf.cert_pem + leaf.key_encrypted_pkcs8_pem;
  for (const std::string& file : {p12, pem}) {
    HttpReply refused = api_.Import(file);
    ExpectError(refused, 400, "FIELD_ERROR", "Password");
    EXPECT_THAT(refused.Json().value("errorMessage", ""), HasSubstr("Password is required"));
  }
  EXPECT_EQ(api_.Import(p12, "right").status, 200);
  EXPECT_EQ(api_.Import(pem, std::string(certs::kPemKeyPassword)).status, 200);
  EXPECT_EQ(api_.Call("GET", "/Certificates").headers["x-total-count"], "1");
}

TEST_F(OperatorE2E, TextSortsIgnoreCaseOnEveryList) {
  // Given aliases and machine names that differ in case, sorting by them ignores ASCII case
  // on ScheduledJobs as on stores.
  const int64_t certificate = ImportKeyless();
  const std::string upper = api_.CreateStore(PemStoreBody("Web01"));
  api_.CreateStore(PemStoreBody("web02"));
  api_.CreateStore(PemStoreBody("WEB03"));
  for (const char* alias : {"beta", "Alpha", "Gamma"}) AddHourly(certificate, upper, alias);

  std::vector<std::string> aliases;
  for (const json& job : api_.ScheduledJobs("pq.sortField=Alias").Json()) {
    aliases.push_back(job["Alias"]);
  }
  EXPECT_THAT(aliases, ElementsAre("Alpha", "beta", "Gamma"));
  std::vector<std::string> machines;
  for (const json& store :
       api_.Call("GET", "/CertificateStores?pq.sortField=ClientMachine&pq.sortAscending=1")
           .Json()) {
    machines.push_back(store["ClientMachine"]);
  }
  EXPECT_THAT(machines, ElementsAre("WEB03", "web02", "Web01"));
}

TEST_F(OperatorE2E, ContainerScopedSchedulersSeeTheStoresOfTheirContainers) {
  // Given stores in containers 1 and 2 and one in none, a caller holding only the schedule
  // claim of container 1 lists and reads container 1's store alone; without any store claim
  // the list is refused.
  ASSERT_EQ(api_.Call("POST", "/CertificateStoreContainers", {{"Name", "Web"}}).status, 200);
  ASSERT_EQ(api_.Call("POST", "/CertificateStoreContainers", {{"Name", "Db"}}).status, 200);
  json in_web = PemStoreBody("web01");
  in_web["ContainerId"] = 1;
  json in_db = PemStoreBody("db01");
  in_db["ContainerId"] = 2;
  const std::string web = api_.CreateStore(in_web);
  const std::string db = api_.CreateStore(in_db);
  const std::string loose = api_.CreateStore(PemStoreBody("lab01"));

  ReloadWithRoles("[/certificate_stores/schedule/1/]");
  HttpReply listed = api_.Call("GET", "/CertificateStores");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.headers["x-total-count"], "1");
  ASSERT_EQ(listed.Json().size(), 1u);
  EXPECT_EQ(listed.Json()[0]["Id"], web);
  EXPECT_EQ(api_.Call("GET", "/CertificateStores/" + web).status, 200);
  ExpectError(api_.Call("GET", "/CertificateStores/" + db), 403, "RBAC_COMMON_ERROR");
  ExpectError(api_.Call("GET", "/CertificateStores/" + loose), 403, "RBAC_COMMON_ERROR");
  EXPECT_EQ(api_.Call("GET", "/CertificateStoreTypes").status, 200);
  EXPECT_EQ(api_.Call("GET", "/CertificateStoreContainers").status, 200);

  ReloadWithRoles("[/agents/management/read/]");
  ExpectError(api_.Call("GET", "/CertificateStores"), 403, "RBAC_COMMON_ERROR");
  ExpectError(api_.Call("GET", "/CertificateStores/" + web), 403, "RBAC_COMMON_ERROR");
}

TEST_F(OperatorE2E, AStoreBoundToBothOrNeitherReadsAsOneSentence) {
  // Given a store body with both AgentId and AgentPoolId, the error names the field once and
  // reads as a sentence.
  json both = PemStoreBody("web01");
  both["AgentId"] = "2a8d6e4c-5b7a-4c1e-9f3d-0e6b8a1c2d3f";
  HttpReply refused = api_.Call("POST", "/CertificateStores", both);
  ExpectError(refused, 400, "FIELD_ERROR", "AgentPoolId");
  EXPECT_EQ(refused.Json()["errorMessage"], "exactly one of AgentId and AgentPoolId must be set");
}

}  // namespace
}  // namespace orch::e2e
