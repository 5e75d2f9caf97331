// End-to-end: orchd killed with SIGKILL while jobs are being accepted and fired loses no
// acknowledged job and records no fire twice.
#include <signal.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/e2e/db_content.h"
#include "tests/e2e/harness.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr int kStores = 10;
constexpr int kAdds = 1000;  // of kStores jobs each: 10 000 jobs

json Call(OrchdFixture& orchd, const std::string& method, const std::string& target,
          const json& body, int* status) {
  StatusOr<UnixClient> client = orchd.Connect();
  if (!client.ok()) return nullptr;
  StatusOr<HttpReply> reply = client->Request(method, target, body.dump());
  if (!reply.ok()) return nullptr;
  *status = reply->status;
  return reply->Json();
}

TEST(CrashE2E, KillDuringSubmitAndFireLosesNoAcknowledgedJob) {
  // Given a client submitting 10 000 Immediate jobs that orchd fires as they come, a SIGKILL
  // halfway and a restart: every job whose Add was answered is in the database, every job
  // gets exactly one run, and no (JobId, ScheduledFor) is recorded twice.
  OrchdFixture orchd;
  ASSERT_OK(orchd.Start());
  int status = 0;
  json cert =
      Call(orchd, "POST", "/Certificates/Import",
           {{"Certificate", pki::Base64Encode(pki::testing::EcChain().leaf.cert_der)}}, &status);
  ASSERT_EQ(status, 200) << cert.dump();
  json targets = json::array();
  for (int i = 0; i < kStores; ++i) {
    json store = Call(orchd, "POST", "/CertificateStores",
                      {{"ClientMachine", "host" + std::to_string(i)},
                       {"Storepath", "/etc/ssl/s.pem"},
                       {"CertStoreType", 2},
                       {"AgentPoolId", "00000000-0000-0000-0000-000000000000"}},
                      &status);
    ASSERT_EQ(status, 200) << store.dump();
    targets.push_back({{"CertificateStoreId", store["Id"]}});
  }
  const json add = {{"CertificateId", cert["Id"]},
                    {"CertificateStores", targets},
                    {"Schedule", {{"Immediate", true}}}};

  std::vector<std::string> acknowledged;
  std::atomic<int> answered{0};
  std::thread submitter([&] {
    StatusOr<UnixClient> client = orchd.Connect();
    for (int i = 0; client.ok() && i < kAdds; ++i) {
      StatusOr<HttpReply> reply =
          client->Request("POST", "/CertificateStores/Certificates/Add", add.dump());
      if (!reply.ok() || reply->status != 200) break;
      for (const json& id : reply->Json()) acknowledged.push_back(id.get<std::string>());
      ++answered;
    }
  });
  // Kill it somewhere in the middle of the stream of Adds and fires.
  for (int waited = 0; answered.load() < kAdds / 2 && waited < 60000; waited += 5) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  orchd.process().Signal(SIGKILL);
  submitter.join();
  ASSERT_EQ(orchd.process().WaitExit(), 128 + SIGKILL);
  ASSERT_GE(acknowledged.size(), static_cast<size_t>(kStores * kAdds / 2));

  ASSERT_OK(orchd.Start());
  const std::string db = orchd.dir().File("orchd.db");
  std::vector<std::string> stored = QueryColumn(db, "SELECT job_id FROM jobs");
  const std::set<std::string> present(stored.begin(), stored.end());
  for (const std::string& id : acknowledged) {
    ASSERT_TRUE(present.contains(id)) << "acknowledged job " << id << " lost";
  }
  // After the restart every stored Immediate job fires: wait until each has its run.
  std::string runs;
  for (int waited = 0; waited < 15000; waited += 50) {
    runs = QueryColumn(db, "SELECT count(DISTINCT job_id) FROM runs").front();
    if (runs == std::to_string(present.size())) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(runs, std::to_string(present.size()));
  EXPECT_EQ(QueryColumn(db, "SELECT count(*) FROM runs").front(), std::to_string(present.size()));
  EXPECT_TRUE(
      QueryColumn(db, "SELECT job_id FROM runs GROUP BY job_id, scheduled_for HAVING count(*) > 1")
          .empty());
}

}  // namespace
}  // namespace orch::e2e
