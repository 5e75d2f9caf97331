#include "tests/e2e/authz_control_table.h"

#include <algorithm>

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/e2e/jobs_e2e_support.h"

namespace orch::e2e {
namespace {

using nlohmann::json;

bool Holds(const Claims& held, const Claims& needed) {
  for (const std::string& claim : needed) {
    if (std::find(held.begin(), held.end(), claim) == held.end()) return false;
  }
  return true;
}

std::string Unique(const std::string& prefix) {
  static int next = 0;
  return prefix + std::to_string(++next);
}

std::function<ControlCall(SharedOrchd&, bool)> Fixed(ControlCall call) {
  return [call](SharedOrchd&, bool) { return call; };
}

}  // namespace

std::string ScheduleIn(int64_t container) {
  return kSchedule + std::to_string(container) + "/";
}

std::string CollectionRead(int64_t collection) {
  return kCollectionsRead + std::to_string(collection) + "/";
}

bool Allowed(const ControlEndpoint& endpoint, const Claims& held) {
  for (const Claims& grant : endpoint.grants) {
    if (Holds(held, grant)) return true;
  }
  return false;
}

Claims Missing(const ControlEndpoint& endpoint, const Claims& held) {
  Claims missing;
  for (const Claims& grant : endpoint.grants) {
    for (const std::string& claim : grant) {
      if (!Holds(held, {claim})) missing.push_back(claim);
    }
  }
  return missing;
}

json StoreIn(const std::string& machine, int64_t container) {
  json body = PemStoreBody(machine);
  body["ContainerId"] = container;
  return body;
}

json AddBody(const ControlIds& ids, const std::vector<std::string>& stores,
             std::optional<int64_t> collection) {
  json targets = json::array();
  for (const std::string& store : stores) {
    targets.push_back({{"CertificateStoreId", store}, {"Alias", Unique("matrix-")}});
  }
  json body = {{"CertificateId", ids.certificate},
               {"CertificateStores", targets},
               {"Schedule", {{"ExactlyOnce", {{"Time", "2099-01-01T00:00:00Z"}}}}}};
  if (collection) body["CollectionId"] = *collection;
  return body;
}

std::vector<ControlEndpoint> ControlEndpoints(const ControlIds& ids) {
  const std::string cert = std::to_string(ids.certificate);
  const json no_runs = {{"Query", "Message -eq \"no such run\""}};
  // Store reads: whoever may change stores or schedule into them; scoped schedulers too.
  const std::vector<Claims> store_readers = {
      {kStoresModify}, {kSchedule}, {ScheduleIn(ids.container_web)}};
  const std::vector<Claims> schedulers = {{kSchedule}, {ScheduleIn(ids.container_web)}};
  return {
      {"GET /Status", {{}}, 200, Fixed({"GET", "/Status"})},
      {"GET /metrics", {{}}, 200, Fixed({"GET", "/metrics"})},
      {"POST /Certificates/Import",
       {{kImport}},
       200,
       Fixed({"POST",
              "/Certificates/Import",
              {{"Certificate", pki::Base64Encode(pki::testing::EcChain().leaf.cert_der)}}})},
      {"GET /Certificates", {{kCollectionsRead}}, 200, Fixed({"GET", "/Certificates"})},
      {"GET /Certificates/{id}",
       {{kCollectionsRead}},
       200,
       Fixed({"GET", "/Certificates/" + cert})},
      {"GET /CertificateCollections",
       {{kCollectionsRead}},
       200,
       Fixed({"GET", "/CertificateCollections"})},
      {"POST /CertificateCollections",
       {{kCollectionsRead}},
       200,
       [](SharedOrchd&, bool) {
         return ControlCall{"POST",
                            "/CertificateCollections",
                            {{"Name", Unique("matrix-collection-")}, {"Query", "Id -eq 1"}}};
       }},
      {"GET /CertificateCollections/{id}",
       {{kCollectionsRead}, {CollectionRead(ids.collection_mine)}},
       200,
       Fixed({"GET", "/CertificateCollections/" + std::to_string(ids.collection_mine)})},
      {"GET /CertificateStores", store_readers, 200, Fixed({"GET", "/CertificateStores"})},
      {"POST /CertificateStores",
       {{kStoresModify}},
       200,
       [](SharedOrchd&, bool) {
         return ControlCall{"POST", "/CertificateStores", PemStoreBody(Unique("matrix-host-"))};
       }},
      {"PUT /CertificateStores",
       {{kStoresModify}},
       200,
       [ids](SharedOrchd&, bool) {
         json body = StoreIn("web01", ids.container_web);
         body["Id"] = ids.store_web;
         return ControlCall{"PUT", "/CertificateStores", body};
       }},
      {"GET /CertificateStores/{id}", store_readers, 200,
       Fixed({"GET", "/CertificateStores/" + ids.store_web})},
      {"DELETE /CertificateStores/{id}",
       {{kStoresModify}},
       204,
       [ids](SharedOrchd& orchd, bool allowed) {
         std::string store = ids.store_db;
         if (allowed) store = JsonClient(orchd.harness().orchd_).CreateStore(PemStoreBody("gone"));
         return ControlCall{"DELETE", "/CertificateStores/" + store};
       }},
      {"GET /CertificateStoreTypes", store_readers, 200, Fixed({"GET", "/CertificateStoreTypes"})},
      {"GET /CertificateStoreContainers", store_readers, 200,
       Fixed({"GET", "/CertificateStoreContainers"})},
      {"POST /CertificateStoreContainers",
       {{kStoresModify}},
       200,
       [](SharedOrchd&, bool) {
         return ControlCall{
             "POST", "/CertificateStoreContainers", {{"Name", Unique("matrix-box-")}}};
       }},
      // Add: the global or the collection's read claim, and the global or the container's
      // schedule claim.
      {"POST /CertificateStores/Certificates/Add",
       {{kCollectionsRead, kSchedule},
        {kCollectionsRead, ScheduleIn(ids.container_web)},
        {CollectionRead(ids.collection_mine), kSchedule},
        {CollectionRead(ids.collection_mine), ScheduleIn(ids.container_web)}},
       200,
       [ids](SharedOrchd&, bool) {
         return ControlCall{"POST", "/CertificateStores/Certificates/Add",
                            AddBody(ids, {ids.store_web}, ids.collection_mine)};
       }},
      {"GET /OrchestratorJobs/ScheduledJobs", schedulers, 200,
       Fixed({"GET", "/OrchestratorJobs/ScheduledJobs"})},
      {"POST /OrchestratorJobs/Unschedule", schedulers, 204,
       Fixed({"POST", "/OrchestratorJobs/Unschedule", {{"Query", "Alias -eq \"no such job\""}}})},
      {"GET /OrchestratorJobs/JobHistory",
       {{kAgentsRead}},
       200,
       Fixed({"GET", "/OrchestratorJobs/JobHistory"})},
      {"GET /OrchestratorJobs/JobHistory/Stream",
       {{kAgentsRead}},
       200,
       Fixed({"GET", "/OrchestratorJobs/JobHistory/Stream"})},
      {"POST /OrchestratorJobs/Acknowledge",
       {{kAgentsModify}},
       204,
       Fixed({"POST", "/OrchestratorJobs/Acknowledge", no_runs})},
      {"POST /OrchestratorJobs/Reschedule", schedulers, 204,
       Fixed({"POST", "/OrchestratorJobs/Reschedule", no_runs})},
      {"GET /Agents", {{kAgentsRead}}, 200, Fixed({"GET", "/Agents"})},
      {"GET /Agents/{id}", {{kAgentsRead}}, 200, Fixed({"GET", "/Agents/" + ids.agent})},
      {"POST /Agents/Approve",
       {{kAgentsModify}},
       204,
       Fixed({"POST", "/Agents/Approve", json::array({ids.agent})})},
      {"POST /Agents/Disapprove",
       {{kAgentsModify}},
       204,
       Fixed({"POST", "/Agents/Disapprove", json::array({ids.agent})})},
      {"POST /Agents/Reset",
       {{kAgentsModify}},
       204,
       Fixed({"POST", "/Agents/Reset", json::array({ids.agent})})},
      {"POST /Agents/SetAuthCertificateReenrollment",
       {{kAgentsModify}},
       200,
       Fixed({"POST",
              "/Agents/SetAuthCertificateReenrollment",
              {{"OrchestratorIds", {ids.agent}}, {"Status", 0}}})},
      {"GET /AgentPools", {{kSslRead}}, 200, Fixed({"GET", "/AgentPools"})},
      {"GET /AgentPools/{id}", {{kSslRead}}, 200, Fixed({"GET", "/AgentPools/" + ids.pool})},
      {"GET /AgentPools/Agents", {{kSslRead}}, 200, Fixed({"GET", "/AgentPools/Agents"})},
      {"POST /AgentPools",
       {{kSslModify}},
       200,
       [](SharedOrchd&, bool) {
         return ControlCall{
             "POST", "/AgentPools", {{"Name", Unique("matrix-pool-")}, {"Agents", json::array()}}};
       }},
      {"PUT /AgentPools",
       {{kSslModify}},
       200,
       Fixed({"PUT",
              "/AgentPools",
              {{"AgentPoolId", ids.pool}, {"Name", "matrix-pool"}, {"Agents", json::array()}}})},
      {"DELETE /AgentPools/{id}",
       {{kSslModify}},
       204,
       [ids](SharedOrchd& orchd, bool allowed) {
         std::string pool = ids.pool;
         if (allowed) {
           pool = orchd
                      .Call("POST", "/AgentPools",
                            {{"Name", Unique("matrix-gone-")}, {"Agents", json::array()}})
                      .Json()
                      .value("AgentPoolId", "");
         }
         return ControlCall{"DELETE", "/AgentPools/" + pool};
       }},
      {"GET /api/v2/agent/secrets",
       {{kSecretsModify}},
       200,
       Fixed({"GET", "/api/v2/agent/secrets"})},
      {"POST /api/v2/agent/secrets",
       {{kSecretsModify}},
       201,
       [](SharedOrchd&, bool) {
         return ControlCall{"POST", "/api/v2/agent/secrets", {{"name", Unique("matrix-secret-")}}};
       }},
      {"POST /api/v2/agent/secrets/{name}/revoke",
       {{kSecretsModify}},
       200,
       [ids](SharedOrchd& orchd, bool allowed) {
         std::string name = ids.secret;
         if (allowed) {
           name = orchd.Call("POST", "/api/v2/agent/secrets", {{"name", Unique("matrix-old-")}})
                      .Json()
                      .value("name", "");
         }
         return ControlCall{"POST", "/api/v2/agent/secrets/" + name + "/revoke"};
       }},
  };
}

}  // namespace orch::e2e
