// The catalogue's control cases on list paging and queries, on ids in paths, and on unknown
// paths and methods.
#include "jobs/url.h"
#include "tests/e2e/malformed_requests_support.h"

namespace orch::e2e {
namespace {

struct ListCall {
  std::string name;  // for case names
  std::string path;
};

// Every paged list of the control API.
std::vector<ListCall> Lists() {
  return {{"Certificates", "/Certificates"},
          {"Collections", "/CertificateCollections"},
          {"Stores", "/CertificateStores"},
          {"StoreTypes", "/CertificateStoreTypes"},
          {"Containers", "/CertificateStoreContainers"},
          {"ScheduledJobs", "/OrchestratorJobs/ScheduledJobs"},
          {"JobHistory", "/OrchestratorJobs/JobHistory"},
          {"Agents", "/Agents"},
          {"AgentPools", "/AgentPools"},
          {"DefaultPoolAgents", "/AgentPools/Agents"}};
}

struct BadParam {
  std::string name;
  std::string query;  // already encoded
  std::string field;
};

std::vector<BadParam> BadParams() {
  const std::string unknown_field = jobs::PercentEncode("NoSuchField -eq \"x\"");
  return {{"ReturnLimitZero", "pq.returnLimit=0", "pq.returnLimit"},
          {"ReturnLimitOver1000", "pq.returnLimit=1001", "pq.returnLimit"},
          {"ReturnLimitHuge", "pq.returnLimit=99999999999999999999", "pq.returnLimit"},
          {"PageReturnedZero", "pq.pageReturned=0", "pq.pageReturned"},
          {"PageReturnedNotANumber", "pq.pageReturned=abc", "pq.pageReturned"},
          {"SortFieldUnknown", "pq.sortField=NoSuchField", "pq.sortField"},
          {"SortAscendingTwo", "pq.sortAscending=2", "pq.sortAscending"},
          {"QueryUnknownField", "pq.queryString=" + unknown_field, "pq.queryString"}};
}

// Malformed queries, each sent to ScheduledJobs.
std::vector<BadParam> BadQueries() {
  return {
      {"UnknownOperator", "Alias -like \"web\"", ""},
      {"UnbalancedOpen", "(Alias -eq \"web\"", ""},
      {"UnbalancedClose", "Alias -eq \"web\")", ""},
      {"MissingValue", "Alias -eq", ""},
      {"UnterminatedString", "Alias -eq \"web", ""},
      {"DanglingAnd", "Alias -eq \"web\" AND", ""},
      {"EmptyParentheses", "()", ""},
      {"OnlyNot", "NOT", ""},
      {"NestedThirtyThree", std::string(33, '(') + "Alias -eq \"x\"" + std::string(33, ')'), ""},
      {"LongerThan4096", "Alias -eq \"" + std::string(5000, 'a') + "\"", ""},
      {"BadTime", "NextRunTime -gt \"not a time\"", ""},
      {"BadStateValue", "CertStoreType -eq \"two\"", ""}};
}

}  // namespace

std::vector<MalformedCase> ControlListCases() {
  std::vector<MalformedCase> cases;
  for (const ListCall& list : Lists()) {
    for (const BadParam& param : BadParams()) {
      cases.push_back({list.name + "_" + param.name, Target::kControl, "GET",
                       list.path + "?" + param.query, "", 400, "FIELD_ERROR", param.field});
    }
  }
  for (const BadParam& query : BadQueries()) {
    cases.push_back(
        {"ScheduledJobsQuery_" + query.name, Target::kControl, "GET",
         "/OrchestratorJobs/ScheduledJobs?pq.queryString=" + jobs::PercentEncode(query.query), "",
         400, "FIELD_ERROR", "pq.queryString", "position"});
  }
  cases.push_back({"JobHistoryQuery_UnknownResultName", Target::kControl, "GET",
                   "/OrchestratorJobs/JobHistory?pq.queryString=" +
                       jobs::PercentEncode("Result -eq \"Splendid\""),
                   "", 400, "FIELD_ERROR", "pq.queryString"});
  cases.push_back({"AgentsQuery_UnknownStatusName", Target::kControl, "GET",
                   "/Agents?pq.queryString=" + jobs::PercentEncode("Status -eq \"Sleeping\""), "",
                   400, "FIELD_ERROR", "pq.queryString"});
  return cases;
}

std::vector<MalformedCase> ControlPathCases() {
  struct Row {
    const char* name;
    const char* method;
    std::string path;
    int status;
    const char* code;
  };
  const std::string guid = kUnknownGuid;
  const std::vector<Row> rows = {
      {"UnknownPath", "GET", "/NoSuchThing", 404, "API_ERROR"},
      {"UnknownPathUnderPrefix", "GET", "/KeyfactorAPI/NoSuchThing", 404, "API_ERROR"},
      {"UnknownPathDeep", "POST", "/OrchestratorJobs/Nope", 404, "API_ERROR"},
      {"AgentPathOnControlSocket", "POST", "/KeyfactorAgents/Jobs/Poll", 404, "API_ERROR"},
      {"StatusByPost", "POST", "/Status", 405, "API_ERROR"},
      {"CertificatesByDelete", "DELETE", "/Certificates", 405, "API_ERROR"},
      {"ImportByPut", "PUT", "/Certificates/Import", 405, "API_ERROR"},
      {"StoresByPatch", "PATCH", "/CertificateStores", 405, "API_ERROR"},
      {"ScheduledJobsByPost", "POST", "/OrchestratorJobs/ScheduledJobs", 405, "API_ERROR"},
      {"UnscheduleByGet", "GET", "/OrchestratorJobs/Unschedule", 405, "API_ERROR"},
      {"AcknowledgeByGet", "GET", "/OrchestratorJobs/Acknowledge", 405, "API_ERROR"},
      {"RescheduleByPut", "PUT", "/OrchestratorJobs/Reschedule", 405, "API_ERROR"},
      {"JobHistoryByPost", "POST", "/OrchestratorJobs/JobHistory", 405, "API_ERROR"},
      {"AddByGet", "GET", "/CertificateStores/Certificates/Add", 405, "API_ERROR"},
      {"ReenrollmentByPut", "PUT", "/Agents/SetAuthCertificateReenrollment", 405, "API_ERROR"},
      {"SecretsByPut", "PUT", "/api/v2/agent/secrets", 405, "API_ERROR"},
      {"RevokeByGet", "GET", "/api/v2/agent/secrets/bootstrap/revoke", 405, "API_ERROR"},
      {"ContainersByDelete", "DELETE", "/CertificateStoreContainers", 405, "API_ERROR"},
      {"StoreTypesByPost", "POST", "/CertificateStoreTypes", 405, "API_ERROR"},
      {"CollectionByDelete", "DELETE", "/CertificateCollections/1", 405, "API_ERROR"},
      {"DefaultPoolAgentsByPost", "POST", "/AgentPools/Agents", 405, "API_ERROR"},
      // An action's path is never read as an id of the collection it sits in.
      {"ApproveByGet", "GET", "/Agents/Approve", 405, "API_ERROR"},
      {"ResetByDelete", "DELETE", "/Agents/Reset", 405, "API_ERROR"},
      {"ImportByGet", "GET", "/Certificates/Import", 405, "API_ERROR"},
      {"CertificateIdNotANumber", "GET", "/Certificates/abc", 400, "FIELD_ERROR"},
      {"CertificateIdZero", "GET", "/Certificates/0", 400, "FIELD_ERROR"},
      {"CertificateIdNegative", "GET", "/Certificates/-1", 400, "FIELD_ERROR"},
      {"CertificateIdOverflow", "GET", "/Certificates/99999999999999999999", 400, "FIELD_ERROR"},
      {"CertificateIdUnknown", "GET", "/Certificates/999", 404, "API_ERROR"},
      {"CollectionIdNotANumber", "GET", "/CertificateCollections/x", 400, "FIELD_ERROR"},
      {"CollectionIdUnknown", "GET", "/CertificateCollections/999", 404, "API_ERROR"},
      {"StoreIdNotAGuid", "GET", "/CertificateStores/not-a-guid", 400, "FIELD_ERROR"},
      {"StoreIdUnknown", "GET", "/CertificateStores/" + guid, 404, "API_ERROR"},
      {"StoreDeleteNotAGuid", "DELETE", "/CertificateStores/not-a-guid", 400, "FIELD_ERROR"},
      {"StoreDeleteUnknown", "DELETE", "/CertificateStores/" + guid, 404, "API_ERROR"},
      {"AgentIdNotAGuid", "GET", "/Agents/not-a-guid", 400, "FIELD_ERROR"},
      {"AgentIdUnknown", "GET", "/Agents/" + guid, 404, "API_ERROR"},
      {"PoolIdNotAGuid", "GET", "/AgentPools/not-a-guid", 400, "FIELD_ERROR"},
      {"PoolIdUnknown", "GET", "/AgentPools/" + guid, 404, "API_ERROR"},
      {"PoolDeleteUnknown", "DELETE", "/AgentPools/" + guid, 404, "API_ERROR"},
      {"PoolDeleteDefault", "DELETE", "/AgentPools/00000000-0000-0000-0000-000000000000", 400,
       "VALIDATION_ERROR"},
      {"RevokeUnknownSecret", "POST", "/api/v2/agent/secrets/nosuch/revoke", 404, "API_ERROR"},
      {"RevokeBadSecretName", "POST", "/api/v2/agent/secrets/bad%20name/revoke", 404, "API_ERROR"},
  };
  std::vector<MalformedCase> cases;
  for (const Row& row : rows) {
    const bool has_body = std::string(row.method) != "GET" && std::string(row.method) != "DELETE";
    cases.push_back(
        ControlCall(row.name, row.method, row.path, has_body ? "{}" : "", row.status, row.code));
  }
  // Requests that are not well-formed HTTP, sent byte for byte.
  const std::vector<std::pair<std::string, std::string>> raw = {
      {"RequestLineGarbage", "NOT AN HTTP REQUEST\r\n\r\n"},
      {"NulInHeader", std::string("GET /Status HTTP/1.1\r\nHost: x\0y\r\n\r\n", 35)},
      {"BadContentLength",
       "POST /CertificateStoreContainers HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"},
  };
  for (const auto& [name, bytes] : raw) {
    cases.push_back({name, Target::kControlRaw, "", "", bytes, 400, "VALIDATION_ERROR"});
  }
  cases.push_back(
      {"HeaderOverLimit", Target::kControlRaw, "", "",
       "GET /Status HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(256 * 1024, 'a') + "\r\n\r\n",
       431, "LIMIT_ERROR"});
  return cases;
}

}  // namespace orch::e2e
