// End-to-end: secrets at rest in the database file, and container-scoped schedule claims.
#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/jobs_e2e_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using nlohmann::json;
namespace certs = pki::testing;

// Each needle that occurs in `haystack`, by its name.
std::vector<std::string> Found(const std::string& haystack,
                               const std::vector<std::pair<std::string, std::string>>& needles) {
  std::vector<std::string> found;
  for (const auto& [name, needle] : needles) {
    if (haystack.find(needle) != std::string::npos) found.push_back(name);
  }
  return found;
}

// The 64-character lines of a PEM body: any one of them in the file would be a leak.
std::vector<std::string> PemLines(const std::string& pem) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < pem.size()) {
    size_t end = pem.find('\n', start);
    if (end == std::string::npos) end = pem.size();
    std::string line = pem.substr(start, end - start);
    if (line.size() == 64) lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

TEST(CatalogE2E, DatabaseHoldsNoPrivateKeyOrPasswordInClear) {
  // Given imports with keys, a store password and job passwords, neither the database file nor
  // its WAL (while running and after a clean stop) holds a key or a password in clear.
  OrchdFixture orchd;
  ASSERT_OK(orchd.Start());
  JsonClient api(orchd);
  const certs::TestChain& rsa = certs::RsaChain();
  const certs::TestChain& ec = certs::EcChain();
  const std::string import_password = "Import-Pass-7f3a9c";
  HttpReply p12 =
      api.Import(certs::MakePkcs12(rsa.leaf, {&rsa.issuing}, import_password), import_password);
  ASSERT_EQ(p12.status, 200) << p12.body;
  HttpReply pem = api.Import(ec.leaf.cert_pem + ec.leaf.key_pkcs8_pem);
  ASSERT_EQ(pem.status, 200) << pem.body;
  ASSERT_EQ(pem.Json()["HasPrivateKey"], true);
  json store = PemStoreBody("web01");
  store["Password"] = {{"Value", "Store-Pass-51be02"}};
  const std::string store_id = api.CreateStore(store);
  json add = {{"CertificateId", p12.Json()["Id"]},
              {"CertificateStores",
               {{{"CertificateStoreId", store_id},
                 {"IncludePrivateKey", true},
                 {"PfxPassword", "Pfx-Pass-9d8e21"},
                 {"EntryPassword", "Entry-Pass-c0ffee"}}}},
              {"Schedule", {{"Immediate", true}}}};
  ASSERT_EQ(api.Call("POST", "/CertificateStores/Certificates/Add", add).status, 200);

  std::vector<std::pair<std::string, std::string>> secrets = {
      {"rsa key DER", rsa.leaf.key_pkcs8_der},
      {"ec key DER", ec.leaf.key_pkcs8_der},
      {"rsa key base64", pki::Base64Encode(rsa.leaf.key_pkcs8_der)},
      {"ec key base64", pki::Base64Encode(ec.leaf.key_pkcs8_der)},
      {"import password", import_password},
      {"store password", "Store-Pass-51be02"},
      {"pfx password", "Pfx-Pass-9d8e21"},
      {"entry password", "Entry-Pass-c0ffee"},
  };
  for (const std::string& line : PemLines(ec.leaf.key_pkcs8_pem)) {
    secrets.emplace_back("ec key PEM line", line);
  }
  const std::string db = orchd.dir().File("orchd.db");
  const std::string running = ReadFile(db) + ReadFile(db + "-wal");
  // The search works: the public certificate is there in clear.
  EXPECT_NE(running.find(rsa.leaf.cert_der), std::string::npos);
  EXPECT_EQ(Found(running, secrets), std::vector<std::string>{});

  orchd.process().Signal(SIGTERM);
  ASSERT_EQ(orchd.process().WaitExit(), 0);
  const std::string stopped = ReadFile(db) + ReadFile(db + "-wal");
  EXPECT_NE(stopped.find(ec.leaf.cert_der), std::string::npos);
  EXPECT_EQ(Found(stopped, secrets), std::vector<std::string>{});
  EXPECT_EQ(Found(orchd.process().Log(), secrets), std::vector<std::string>{});
}

TEST(CatalogE2E, ContainerScopedScheduleClaimLimitsAddAndList) {
  // Given a caller holding the schedule claim of container 1 only, an Add into a store of that
  // container succeeds, one that also targets a store outside it is refused whole, and the
  // job list shows only container 1's jobs.
  const std::string uid = std::to_string(::getuid());
  OrchdFixture orchd(
      "roles:\n"
      "  - name: scoped\n"
      "    users: [\"" +
      uid +
      "\"]\n"
      "    claims: [/certificates/import/, /certificate_stores/modify/,\n"
      "             /certificates/collections/read/, /certificate_stores/schedule/1/]\n");
  ASSERT_OK(orchd.Start());
  JsonClient api(orchd);
  HttpReply cert = api.Import(certs::EcChain().root.cert_der);
  ASSERT_EQ(cert.status, 200) << cert.body;
  HttpReply container = api.Call("POST", "/CertificateStoreContainers", {{"Name", "Web"}});
  ASSERT_EQ(container.Json()["Id"], 1) << container.body;
  json inside_body = PemStoreBody("web01");
  inside_body["ContainerId"] = 1;
  const std::string inside = api.CreateStore(inside_body);
  const std::string outside = api.CreateStore(PemStoreBody("db01"));
  auto add = [&](std::vector<std::string> stores) {
    json targets = json::array();
    for (const std::string& id : stores) targets.push_back({{"CertificateStoreId", id}});
    return api.Call("POST", "/CertificateStores/Certificates/Add",
                    {{"CertificateId", cert.Json()["Id"]},
                     {"CertificateStores", targets},
                     {"Schedule", {{"Interval", {{"Minutes", 60}}}}}});
  };
  EXPECT_EQ(add({inside}).status, 200);
  ExpectError(add({inside, outside}), 403, "RBAC_COMMON_ERROR");
  HttpReply listed = api.ScheduledJobs();
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.headers["x-total-count"], "1");
  EXPECT_EQ(listed.Json()[0]["CertificateStoreId"], inside);
  HttpReply store_types = api.Call("GET", "/CertificateStoreTypes");
  ASSERT_EQ(store_types.status, 200) << store_types.body;
  EXPECT_EQ(store_types.Json()[0]["ManagementJobType"], "1d411b36-ae72-433f-9f3f-8593e836a1af");
  EXPECT_EQ(store_types.Json()[1]["Capability"], "P12");
}

}  // namespace
}  // namespace orch::e2e
