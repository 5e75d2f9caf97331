// End-to-end: certificates, stores and certificate-add jobs against the real orchd.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pki/test_certs.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/jobs_e2e_support.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using nlohmann::json;
namespace certs = pki::testing;

constexpr char kPoolId[] = "00000000-0000-0000-0000-000000000000";
// Monthly on day 31 from a start on February 1st of next year (by the real clock, which the
// daemon under test reads): the first fire is that February's last day.
std::chrono::year NextYear() {
  const std::chrono::year_month_day today{
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  return today.year() + std::chrono::years(1);
}
const std::string kNextYear = std::to_string(static_cast<int>(NextYear()));
const json kMonthlyLast = {{"Monthly", {{"Day", 31}, {"Time", kNextYear + "-02-01T03:00:00Z"}}}};
const std::string kMonthlyFirstFire =
    kNextYear + (NextYear().is_leap() ? "-02-29" : "-02-28") + "T03:00:00Z";

// A running orchd with one PKCS#12 certificate (with key), one keyless certificate and one
// PEM store.
class JobsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(orchd_.Start());
    HttpReply p12 = api_.Import(
        certs::MakePkcs12(certs::RsaChain().leaf, {&certs::RsaChain().issuing}, "p12-pass"),
        "p12-pass");
    ASSERT_EQ(p12.status, 200) << p12.body;
    keyed_id_ = p12.Json()["Id"].get<int64_t>();
    HttpReply der = api_.Import(certs::EcChain().root.cert_der);
    ASSERT_EQ(der.status, 200) << der.body;
    keyless_id_ = der.Json()["Id"].get<int64_t>();
    store_id_ = api_.CreateStore(PemStoreBody("web01"));
    ASSERT_FALSE(store_id_.empty());
  }

  json AddBody(const json& schedule, std::vector<std::string> stores = {}) {
    if (stores.empty()) stores = {store_id_};
    json targets = json::array();
    for (const std::string& id : stores) targets.push_back({{"CertificateStoreId", id}});
    return {{"CertificateId", keyed_id_}, {"CertificateStores", targets}, {"Schedule", schedule}};
  }

  int64_t TotalJobs() {
    HttpReply reply = api_.ScheduledJobs();
    EXPECT_EQ(reply.status, 200) << reply.body;
    return std::stoll(reply.headers["x-total-count"]);
  }

  OrchdFixture orchd_;
  JsonClient api_{orchd_};
  int64_t keyed_id_ = 0;
  int64_t keyless_id_ = 0;
  std::string store_id_;
};

TEST_F(JobsE2E, ImportReportsTheCertificateFacts) {
  // Given a PEM chain import, the leaf's facts, chain and key flag come back as imported.
  const certs::TestChain& chain = certs::EcChain();
  HttpReply reply = api_.Import(chain.leaf.cert_pem + chain.issuing.cert_pem + chain.root.cert_pem);
  ASSERT_EQ(reply.status, 200) << reply.body;
  json cert = reply.Json();
  EXPECT_EQ(cert["Thumbprint"], certs::IndependentThumbprint(chain.leaf.cert_der));
  EXPECT_EQ(cert["SerialNumber"], certs::kLeafSerial);
  EXPECT_EQ(cert["IssuedDN"], certs::kLeafDn);
  EXPECT_EQ(cert["IssuerDN"], certs::kIssuingDn);
  EXPECT_EQ(cert["NotBefore"], "2024-01-02T03:04:05Z");
  EXPECT_EQ(cert["NotAfter"], "2034-01-02T03:04:05Z");
  EXPECT_EQ(cert["HasPrivateKey"], false);
  HttpReply read = api_.Call("GET", "/Certificates/" + std::to_string(cert["Id"].get<int64_t>()));
  ASSERT_EQ(read.status, 200) << read.body;
  ASSERT_EQ(read.Json()["Chain"].size(), 2u);
  EXPECT_EQ(read.Json()["Chain"][0]["IssuedDN"], certs::kIssuingDn);
  // The PKCS#12 of the fixture brought its key; the DER did not.
  HttpReply keyed = api_.Call("GET", "/Certificates/" + std::to_string(keyed_id_));
  EXPECT_EQ(keyed.Json()["HasPrivateKey"], true);
  HttpReply wrong = api_.Import(certs::MakePkcs12(certs::RsaChain().leaf, {}, "right"), "wrong");
  ExpectError(wrong, 400, "FIELD_ERROR", "Password");
}

TEST_F(JobsE2E, InvalidSchedulesAreFieldErrorsThatWriteNothing) {
  // Given each invalid Schedule in turn, the Add answers 400 FIELD_ERROR naming the field and
  // no job is written.
  const std::string t = "2031-01-01T10:00:00Z";
  struct Case {
    json schedule;
    std::string field;
  };
  std::vector<Case> cases = {
      {json::object(), "Schedule"},
      {{{"Immediate", true}, {"Interval", {{"Minutes", 5}}}}, "Schedule"},
      {{{"Interval", {{"Minutes", 0}}}}, "Schedule.Interval.Minutes"},
      {{{"Interval", {{"Minutes", 525601}}}}, "Schedule.Interval.Minutes"},
      {{{"Weekly", {{"Days", json::array()}, {"Time", t}}}}, "Schedule.Weekly.Days"},
      {{{"Weekly", {{"Days", {2, 2}}, {"Time", t}}}}, "Schedule.Weekly.Days"},
      {{{"Weekly", {{"Days", {7}}, {"Time", t}}}}, "Schedule.Weekly.Days"},
      {{{"Weekly", {{"Days", {-1}}, {"Time", t}}}}, "Schedule.Weekly.Days"},
      {{{"Monthly", {{"Day", 0}, {"Time", t}}}}, "Schedule.Monthly.Day"},
      {{{"Monthly", {{"Day", 32}, {"Time", t}}}}, "Schedule.Monthly.Day"},
      {{{"Daily", {{"Time", "2031-01-01T25:61:00Z"}}}}, "Schedule.Daily.Time"},
      {{{"ExactlyOnce", {{"Time", "tomorrow"}}}}, "Schedule.ExactlyOnce.Time"},
      {{{"Daily", {{"Time", t}, {"TimeZone", "Europe/Atlantis"}}}}, "Schedule.Daily.TimeZone"},
  };
  for (const Case& c : cases) {
    HttpReply reply = api_.Call("POST", "/CertificateStores/Certificates/Add", AddBody(c.schedule));
    SCOPED_TRACE(c.schedule.dump());
    ExpectError(reply, 400, "FIELD_ERROR", c.field);
  }
  HttpReply missing = api_.Call(
      "POST", "/CertificateStores/Certificates/Add",
      {{"CertificateId", keyed_id_}, {"CertificateStores", {{{"CertificateStoreId", store_id_}}}}});
  ExpectError(missing, 400, "FIELD_ERROR", "Schedule");
  HttpReply not_json = api_.Call("POST", "/CertificateStores/Certificates/Add", "{");
  ExpectError(not_json, 400, "FIELD_ERROR", "body");
  StatusOr<UnixClient> raw = orchd_.Connect();
  ASSERT_OK(raw);
  ASSERT_OK_AND_ASSIGN(HttpReply garbage,
                       raw->Request("POST", "/CertificateStores/Certificates/Add", "{\"Cert"));
  ExpectError(garbage, 400, "JSON_FORMAT_ERROR");
  EXPECT_EQ(TotalJobs(), 0);
}

TEST_F(JobsE2E, AddIsAllOrNothing) {
  // Given an Add with an unknown third store, an unknown certificate, or IncludePrivateKey for
  // a keyless certificate, each is refused and no job is written.
  const std::string second = api_.CreateStore(PemStoreBody("web02"));
  json unknown_store =
      AddBody({{"Immediate", true}}, {store_id_, second, "99999999-9999-4999-8999-999999999999"});
  ExpectError(api_.Call("POST", "/CertificateStores/Certificates/Add", unknown_store), 404,
              "API_ERROR");
  json unknown_cert = AddBody({{"Immediate", true}});
  unknown_cert["CertificateId"] = 424242;
  ExpectError(api_.Call("POST", "/CertificateStores/Certificates/Add", unknown_cert), 404,
              "API_ERROR");
  json no_key = AddBody({{"Immediate", true}}, {store_id_, second});
  no_key["CertificateId"] = keyless_id_;
  no_key["CertificateStores"][1]["IncludePrivateKey"] = true;
  ExpectError(api_.Call("POST", "/CertificateStores/Certificates/Add", no_key), 400,
              "VALIDATION_ERROR", "CertificateStores[1].IncludePrivateKey");
  EXPECT_EQ(TotalJobs(), 0);
}

TEST_F(JobsE2E, ThreeCertificatesThreeStoresJobsSurviveRestart) {
  // Given PEM-chain, DER and PKCS#12 imports and three stores, an Add to the three stores
  // answers three GUIDs, and after a restart ScheduledJobs lists them with their next run.
  const certs::TestChain& ec = certs::EcChain();
  HttpReply pem = api_.Import(ec.leaf.cert_pem + ec.issuing.cert_pem + ec.root.cert_pem);
  ASSERT_EQ(pem.status, 200) << pem.body;
  HttpReply der = api_.Import(certs::RsaChain().root.cert_der);
  ASSERT_EQ(der.status, 200) << der.body;
  EXPECT_EQ(der.Json()["HasPrivateKey"], false);
  HttpReply container = api_.Call("POST", "/CertificateStoreContainers", {{"Name", "Web"}});
  ASSERT_EQ(container.status, 200) << container.body;
  json p12_store = {{"ClientMachine", "app01"}, {"StorePath", "/srv/app.p12"},
                    {"CertStoreType", 102},     {"AgentPoolId", kPoolId},
                    {"Password", "store-pass"}, {"ContainerId", container.Json()["Id"]},
                    {"CreateIfMissing", true}};
  std::vector<std::string> stores = {store_id_, api_.CreateStore(p12_store),
                                     api_.CreateStore(PemStoreBody("web03"))};
  json body = AddBody(kMonthlyLast, stores);
  for (json& target : body["CertificateStores"]) {
    target["IncludePrivateKey"] = true;
    target["PfxPassword"] = "pfx-pass";
    target["Alias"] = "app";
  }
  HttpReply added = api_.Call("POST", "/CertificateStores/Certificates/Add", body);
  ASSERT_EQ(added.status, 200) << added.body;
  json ids = added.Json();
  ASSERT_EQ(ids.size(), 3u);

  orchd_.process().Signal(SIGTERM);
  ASSERT_EQ(orchd_.process().WaitExit(), 0);
  ASSERT_OK(orchd_.Start());

  HttpReply listed = api_.ScheduledJobs("pq.sortField=JobId");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.headers["x-total-count"], "3");
  std::vector<std::string> seen_stores;
  for (const json& row : listed.Json()) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), row["JobId"]), ids.end()) << row.dump();
    EXPECT_EQ(row["NextRunTime"], kMonthlyFirstFire);
    EXPECT_EQ(row["ScheduleType"], "M_L_03:00");
    EXPECT_EQ(row["Schedule"], kMonthlyLast);
    EXPECT_EQ(row["State"], "Scheduled");
    EXPECT_EQ(row["CertificateId"], keyed_id_);
    EXPECT_EQ(row["IncludePrivateKey"], true);
    EXPECT_EQ(row["Alias"], "app");
    seen_stores.push_back(row["CertificateStoreId"]);
  }
  std::sort(seen_stores.begin(), seen_stores.end());
  std::sort(stores.begin(), stores.end());
  EXPECT_EQ(seen_stores, stores);
}

TEST_F(JobsE2E, QueryLanguageNamesPositionsAndBindsValuesAsData) {
  // Given malformed queries, each is a 400 naming the position; a value full of SQL
  // metacharacters matches as plain data and the jobs table is unharmed.
  struct Case {
    std::string query;
    std::string position;
  };
  for (const Case& c : std::vector<Case>{{"Bogus -eq \"x\"", "position 1"},
                                         {"Alias -like \"x\"", "position 7"},
                                         {"(Alias -eq \"x\"", "position 1"},
                                         {"Alias -eq \"x\")", "position 14"}}) {
    HttpReply reply = api_.ScheduledJobs("pq.queryString=" + UrlEncode(c.query));
    ExpectError(reply, 400, "FIELD_ERROR", "pq.queryString");
    EXPECT_NE(reply.Json().value("errorMessage", "").find(c.position), std::string::npos)
        << c.query << ": " << reply.body;
  }
  const std::string evil = "'; DROP TABLE jobs; --";
  json body = AddBody({{"Immediate", true}});
  body["CertificateStores"][0]["Alias"] = evil;
  ASSERT_EQ(api_.Call("POST", "/CertificateStores/Certificates/Add", body).status, 200);
  ASSERT_EQ(api_.Call("POST", "/CertificateStores/Certificates/Add", AddBody({{"Immediate", true}}))
                .status,
            200);
  HttpReply found = api_.ScheduledJobs("pq.queryString=" + UrlEncode("Alias -eq \"" + evil + "\""));
  ASSERT_EQ(found.status, 200) << found.body;
  ASSERT_EQ(found.Json().size(), 1u);
  EXPECT_EQ(found.Json()[0]["Alias"], evil);
  HttpReply contains =
      api_.ScheduledJobs("pq.queryString=" + UrlEncode("Alias -contains \"DROP TABLE\""));
  EXPECT_EQ(contains.Json().size(), 1u);
  EXPECT_EQ(TotalJobs(), 2);
  HttpReply bad_unschedule =
      api_.Call("POST", "/OrchestratorJobs/Unschedule", {{"Query", "Alias -eq \"x\" OR"}});
  ExpectError(bad_unschedule, 400, "FIELD_ERROR", "Query");
}

TEST_F(JobsE2E, UnscheduleByIdsAndByQuery) {
  // Given three jobs, unknown ids change nothing; known ids and a query unschedule theirs.
  json body = AddBody(kMonthlyLast, {store_id_, store_id_, store_id_});
  body["CertificateStores"][2]["Alias"] = "by-query";
  HttpReply added = api_.Call("POST", "/CertificateStores/Certificates/Add", body);
  ASSERT_EQ(added.status, 200) << added.body;
  json ids = added.Json();
  const std::string unknown = "12345678-1234-4234-8234-123456789abc";
  HttpReply refused =
      api_.Call("POST", "/OrchestratorJobs/Unschedule", {{"JobIds", {ids[0], unknown}}});
  ExpectError(refused, 404, "API_ERROR");
  EXPECT_NE(refused.body.find(unknown), std::string::npos);
  HttpReply scheduled =
      api_.ScheduledJobs("pq.queryString=" + UrlEncode("State -eq \"Scheduled\""));
  EXPECT_EQ(scheduled.headers["x-total-count"], "3");

  EXPECT_EQ(api_.Call("POST", "/OrchestratorJobs/Unschedule", {{"JobIds", {ids[0]}}}).status, 204);
  EXPECT_EQ(api_.Call("POST", "/OrchestratorJobs/Unschedule", {{"Query", "Alias -eq \"by-query\""}})
                .status,
            204);
  HttpReply listed = api_.ScheduledJobs("pq.sortField=NextRunTime&pq.sortAscending=1");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.Json().size(), 3u);
  EXPECT_EQ(listed.Json()[0]["JobId"], ids[1]);
  EXPECT_EQ(listed.Json()[0]["State"], "Scheduled");
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(listed.Json()[i]["State"], "Unscheduled");
    EXPECT_TRUE(listed.Json()[i]["NextRunTime"].is_null());
  }
  ExpectError(api_.Call("POST", "/OrchestratorJobs/Unschedule", {{"JobIds", ids}, {"Query", ""}}),
              400, "FIELD_ERROR", "JobIds");
}

TEST_F(JobsE2E, StoreBoundToAnUnknownAgentOrPoolIsRefused) {
  // Given a store body naming an agent or a pool that does not exist, creating it is a
  // FIELD_ERROR naming that member, and no store is written.
  const std::string before = api_.Call("GET", "/CertificateStores").headers["x-total-count"];
  json to_agent = PemStoreBody("ghost");
  to_agent.erase("AgentPoolId");
  to_agent["AgentId"] = "11111111-2222-4333-8444-555555555555";
  ExpectError(api_.Call("POST", "/CertificateStores", to_agent), 400, "FIELD_ERROR", "AgentId");
  json to_pool = PemStoreBody("ghost");
  to_pool["AgentPoolId"] = "11111111-2222-4333-8444-555555555555";
  ExpectError(api_.Call("POST", "/CertificateStores", to_pool), 400, "FIELD_ERROR", "AgentPoolId");
  EXPECT_EQ(api_.Call("GET", "/CertificateStores").headers["x-total-count"], before);
}

}  // namespace
}  // namespace orch::e2e
