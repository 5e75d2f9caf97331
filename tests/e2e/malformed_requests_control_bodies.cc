// The catalogue's control cases on the bodies of certificates, collections, containers,
// stores, agents, agent pools and agent secrets.
#include "tests/e2e/malformed_requests_support.h"

namespace orch::e2e {
namespace {

// The same body with one member replaced (or added).
std::string With(json body, const std::string& member, const json& value) {
  body[member] = value;
  return body.dump();
}

json StoreBody() {
  return {{"ClientMachine", "web02"},
          {"Storepath", "/etc/ssl/web02.pem"},
          {"CertStoreType", 2},
          {"AgentPoolId", "00000000-0000-0000-0000-000000000000"}};
}

std::vector<MalformedCase> ImportCases() {
  const std::string path = "/Certificates/Import";
  const json good = {{"Certificate", "$CERT64"}};
  return {
      ControlPost("Import_NotJson", path, "{\"Certificate\":", 400, "JSON_FORMAT_ERROR"),
      ControlPost("Import_EmptyBody", path, "", 400, "JSON_FORMAT_ERROR"),
      ControlPost("Import_TrailingGarbage", path, "{\"Certificate\":\"x\"} x", 400,
                  "JSON_FORMAT_ERROR"),
      ControlPost("Import_NestedTooDeep", path, NestedObjects(65), 400, "JSON_FORMAT_ERROR"),
      ControlPost("Import_InvalidUtf8", path, "{\"Certificate\":\"\xff\xfe\"}", 400,
                  "JSON_FORMAT_ERROR"),
      ControlPost("Import_RawNulInString", path, std::string("{\"Certificate\":\"a\0b\"}", 21), 400,
                  "JSON_FORMAT_ERROR"),
      ControlPost("Import_BodyIsArray", path, "[]", 400, "FIELD_ERROR", "body"),
      ControlPost("Import_MissingCertificate", path, "{}", 400, "FIELD_ERROR", "Certificate"),
      ControlPost("Import_CertificateNull", path, "{\"Certificate\":null}", 400, "FIELD_ERROR",
                  "Certificate"),
      ControlPost("Import_CertificateNumber", path, "{\"Certificate\":42}", 400, "FIELD_ERROR",
                  "Certificate"),
      ControlPost("Import_CertificateNotBase64", path, "{\"Certificate\":\"!!!not base64!!!\"}",
                  400, "FIELD_ERROR", "Certificate"),
      ControlPost("Import_CertificateNotACertificate", path,
                  "{\"Certificate\":\"aGVsbG8gd29ybGQ=\"}", 400, "FIELD_ERROR", "Certificate"),
      ControlPost("Import_CertificateEscapedNul", path, "{\"Certificate\":\"\\u0000\"}", 400,
                  "FIELD_ERROR", "Certificate"),
      ControlPost("Import_CertificateOver1MiB", path,
                  json{{"Certificate", std::string(1500 * 1024, 'A')}}.dump(), 400, "FIELD_ERROR",
                  "Certificate"),
      ControlPost("Import_BodyOverMaxBody", path,
                  json{{"Certificate", std::string(9 * 1024 * 1024, 'A')}}.dump(), 413,
                  "LIMIT_ERROR"),
      ControlPost("Import_PasswordNumber", path, With(good, "Password", 5), 400, "FIELD_ERROR",
                  "Password"),
      ControlPost("Import_DuplicateCertificate", path,
                  "{\"Certificate\":\"$CERT64\",\"Certificate\":\"$CERT64\"}", 400, "FIELD_ERROR",
                  "Certificate"),
      ControlPost("Import_DuplicateCertificateOtherCase", path,
                  "{\"Certificate\":\"$CERT64\",\"CERTIFICATE\":\"$CERT64\"}", 400, "FIELD_ERROR",
                  "CERTIFICATE"),
      ControlPost("Import_PasswordEscapedNul", path, With(good, "Password", std::string("p\0", 2)),
                  400, "FIELD_ERROR", "Password"),
      ControlPost("Import_PasswordOver4096", path, With(good, "Password", std::string(4097, 'p')),
                  400, "FIELD_ERROR", "Password"),
      {"Import_TextPlainNotJson", Target::kControlRaw, "", "",
       RawRequest("POST", path, "text/plain", "Certificate=abc"), 400, "JSON_FORMAT_ERROR"},
      {"Import_NoContentTypeNotJson", Target::kControlRaw, "", "",
       RawRequest("POST", path, "", "Certificate=abc"), 400, "JSON_FORMAT_ERROR"},
      {"Import_FormEncodedMissingField", Target::kControlRaw, "", "",
       RawRequest("POST", path, "application/x-www-form-urlencoded", "{}"), 400, "FIELD_ERROR",
       "Certificate"},
  };
}

std::vector<MalformedCase> CollectionAndContainerCases() {
  const std::string collections = "/CertificateCollections";
  const std::string containers = "/CertificateStoreContainers";
  const json good = {{"Name", "Web"}, {"Query", "IssuedDN -contains \"web\""}};
  return {
      ControlPost("Collection_NotJson", collections, "{Name: Web}", 400, "JSON_FORMAT_ERROR"),
      ControlPost("Collection_BodyIsString", collections, "\"Web\"", 400, "FIELD_ERROR", "body"),
      ControlPost("Collection_MissingName", collections, "{\"Query\":\"Id -eq 1\"}", 400,
                  "FIELD_ERROR", "Name"),
      ControlPost("Collection_NameNumber", collections, With(good, "Name", 5), 400, "FIELD_ERROR",
                  "Name"),
      ControlPost("Collection_QueryArray", collections, With(good, "Query", json::array({1})), 400,
                  "FIELD_ERROR", "Query"),
      ControlPost("Collection_QueryUnknownField", collections,
                  With(good, "Query", "Alias -eq \"x\""), 400, "FIELD_ERROR", "Query"),
      ControlPost("Collection_QueryMissing", collections, "{\"Name\":\"Web\"}", 400,
                  "FIELD_ERROR", "Query"),
      ControlPost("Collection_QueryBlank", collections, With(good, "Query", "  "), 400,
                  "FIELD_ERROR", "Query"),
      ControlPost("Collection_QueryUnbalanced", collections, With(good, "Query", "(Id -eq 1"), 400,
                  "FIELD_ERROR", "Query"),
      ControlPost("Collection_DescriptionNumber", collections, With(good, "Description", 5), 400,
                  "FIELD_ERROR", "Description"),
      ControlPost("Collection_NameOver255", collections, With(good, "Name", std::string(256, 'n')),
                  400, "FIELD_ERROR", "Name"),
      ControlPost("Collection_NameControlCharacter", collections, With(good, "Name", "a\tb"), 400,
                  "FIELD_ERROR", "Name"),
      ControlPost("Collection_DescriptionOver4096", collections,
                  With(good, "Description", std::string(4097, 'd')), 400, "FIELD_ERROR",
                  "Description"),
      ControlPost("Collection_DuplicateName", collections, "{\"Name\":\"a\",\"Name\":\"b\"}", 400,
                  "FIELD_ERROR", "Name"),
      ControlPost("Container_NotJson", containers, "Name=Web", 400, "JSON_FORMAT_ERROR"),
      ControlPost("Container_NestedTooDeep", containers, NestedObjects(65), 400,
                  "JSON_FORMAT_ERROR"),
      ControlPost("Container_BodyIsArray", containers, "[{\"Name\":\"Web\"}]", 400, "FIELD_ERROR",
                  "body"),
      ControlPost("Container_MissingName", containers, "{}", 400, "FIELD_ERROR", "Name"),
      ControlPost("Container_NameEmpty", containers, "{\"Name\":\"\"}", 400, "FIELD_ERROR", "Name"),
      ControlPost("Container_NameNumber", containers, "{\"Name\":1}", 400, "FIELD_ERROR", "Name"),
      ControlPost("Container_NameObject", containers, "{\"Name\":{}}", 400, "FIELD_ERROR", "Name"),
      ControlPost("Container_NameOver255", containers, json{{"Name", std::string(256, 'n')}}.dump(),
                  400, "FIELD_ERROR", "Name"),
      ControlPost("Container_NameEscapedNul", containers, "{\"Name\":\"a\\u0000\"}", 400,
                  "FIELD_ERROR", "Name"),
      ControlPost("Container_NameInvalidUtf8", containers, "{\"Name\":\"\xe2\x82\"}", 400,
                  "JSON_FORMAT_ERROR"),
      ControlPost("Container_DuplicateName", containers, "{\"Name\":\"a\",\"name\":\"a\"}", 400,
                  "FIELD_ERROR", "name"),
  };
}

std::vector<MalformedCase> StoreCases() {
  const std::string path = "/CertificateStores";
  const json good = StoreBody();
  json no_machine = good;
  no_machine.erase("ClientMachine");
  json no_path = good;
  no_path.erase("Storepath");
  json neither = good;
  neither.erase("AgentPoolId");
  json put = good;
  put["Id"] = "$STORE";
  json many_properties = json::object();
  for (int i = 0; i <= 100; ++i) many_properties["p" + std::to_string(i)] = "v";
  return {
      ControlPost("Store_NotJson", path, "{\"ClientMachine\"", 400, "JSON_FORMAT_ERROR"),
      ControlPost("Store_BodyIsNumber", path, "7", 400, "FIELD_ERROR", "body"),
      ControlPost("Store_MissingClientMachine", path, no_machine.dump(), 400, "FIELD_ERROR",
                  "ClientMachine"),
      ControlPost("Store_ClientMachineNumber", path, With(good, "ClientMachine", 7), 400,
                  "FIELD_ERROR", "ClientMachine"),
      ControlPost("Store_MissingStorepath", path, no_path.dump(), 400, "FIELD_ERROR", "StorePath"),
      ControlPost("Store_UnknownStoreType", path, With(good, "CertStoreType", 3), 400,
                  "FIELD_ERROR", "CertStoreType"),
      ControlPost("Store_StoreTypeString", path, With(good, "CertStoreType", "2"), 400,
                  "FIELD_ERROR", "CertStoreType"),
      ControlPost("Store_StoreTypeFraction", path, With(good, "CertStoreType", 2.5), 400,
                  "FIELD_ERROR", "CertStoreType"),
      ControlPost("Store_StoreTypeHuge", path, With(good, "CertStoreType", 1e30), 400,
                  "FIELD_ERROR", "CertStoreType"),
      ControlPost("Store_AgentAndPool", path, With(good, "AgentId", kUnknownGuid), 400,
                  "FIELD_ERROR"),
      ControlPost("Store_NeitherAgentNorPool", path, neither.dump(), 400, "FIELD_ERROR"),
      ControlPost("Store_AgentIdNotAGuid", path, With(neither, "AgentId", "agent-7"), 400,
                  "FIELD_ERROR", "AgentId"),
      ControlPost("Store_AgentIdUnknown", path, With(neither, "AgentId", kUnknownGuid), 400,
                  "FIELD_ERROR", "AgentId"),
      ControlPost("Store_PoolIdUnknown", path, With(good, "AgentPoolId", kUnknownGuid), 400,
                  "FIELD_ERROR", "AgentPoolId"),
      ControlPost("Store_PoolIdNumber", path, With(good, "AgentPoolId", 0), 400, "FIELD_ERROR",
                  "AgentPoolId"),
      ControlPost("Store_ContainerUnknown", path, With(good, "ContainerId", 999), 400,
                  "FIELD_ERROR", "ContainerId"),
      ControlPost("Store_ContainerString", path, With(good, "ContainerId", "Web"), 400,
                  "FIELD_ERROR", "ContainerId"),
      ControlPost("Store_PropertiesNumber", path, With(good, "Properties", 5), 400, "FIELD_ERROR",
                  "Properties"),
      ControlPost("Store_PropertiesNotJsonText", path, With(good, "Properties", "{not json"), 400,
                  "FIELD_ERROR", "Properties"),
      ControlPost("Store_PropertiesArray", path, With(good, "Properties", json::array()), 400,
                  "FIELD_ERROR", "Properties"),
      ControlPost("Store_PasswordNumber", path, With(good, "Password", 5), 400, "FIELD_ERROR",
                  "Password"),
      ControlPost("Store_PasswordValueNumber", path, With(good, "Password", {{"Value", 5}}), 400,
                  "FIELD_ERROR", "Password.Value"),
      ControlPost("Store_CreateIfMissingString", path, With(good, "CreateIfMissing", "yes"), 400,
                  "FIELD_ERROR", "CreateIfMissing"),
      ControlPost("Store_ClientMachineOver255", path,
                  With(good, "ClientMachine", std::string(256, 'm')), 400, "FIELD_ERROR",
                  "ClientMachine"),
      ControlPost("Store_ClientMachineNewline", path, With(good, "ClientMachine", "web\n02"), 400,
                  "FIELD_ERROR", "ClientMachine"),
      ControlPost("Store_StorepathOver4096", path, With(good, "Storepath", std::string(4097, 'p')),
                  400, "FIELD_ERROR", "StorePath"),
      ControlPost("Store_StorepathEscapedNul", path,
                  With(good, "Storepath", std::string("/a\0", 3)), 400, "FIELD_ERROR", "Storepath"),
      ControlPost("Store_DuplicateStorepath", path, With(good, "StorePath", "/etc/ssl/other.pem"),
                  400, "FIELD_ERROR", "Storepath"),
      ControlPost("Store_ContainerIdZero", path, With(good, "ContainerId", 0), 400, "FIELD_ERROR",
                  "ContainerId"),
      ControlPost("Store_PropertiesOver100", path, With(good, "Properties", many_properties), 400,
                  "FIELD_ERROR", "Properties"),
      ControlPost("Store_PropertyValueOver4096", path,
                  With(good, "Properties", {{"k", std::string(4097, 'v')}}), 400, "FIELD_ERROR",
                  "Properties.k"),
      ControlPost("Store_PropertyNameOver255", path,
                  With(good, "Properties", {{std::string(256, 'k'), "v"}}), 400, "FIELD_ERROR",
                  "Properties"),
      ControlPost("Store_PropertiesTextDuplicate", path,
                  With(good, "Properties", "{\"a\":1,\"a\":2}"), 400, "FIELD_ERROR", "Properties"),
      ControlPost("Store_PasswordOver4096", path, With(good, "Password", std::string(4097, 'p')),
                  400, "FIELD_ERROR", "Password"),
      ControlCall("StorePut_MissingId", "PUT", path, good.dump(), 400, "FIELD_ERROR", "Id"),
      ControlCall("StorePut_IdNotAGuid", "PUT", path, With(good, "Id", "store-1"), 400,
                  "FIELD_ERROR", "Id"),
      ControlCall("StorePut_IdUnknown", "PUT", path, With(good, "Id", kUnknownGuid), 404,
                  "API_ERROR"),
      ControlCall("StorePut_UnknownStoreType", "PUT", path, With(put, "CertStoreType", 9), 400,
                  "FIELD_ERROR", "CertStoreType"),
      ControlCall("StorePut_MissingClientMachine", "PUT", path, With(put, "ClientMachine", nullptr),
                  400, "FIELD_ERROR", "ClientMachine"),
      ControlCall("StorePut_NotJson", "PUT", path, "{,}", 400, "JSON_FORMAT_ERROR"),
  };
}

std::vector<MalformedCase> AgentCasesOnControl() {
  std::vector<MalformedCase> cases;
  for (const std::string verb : {"Approve", "Disapprove", "Reset"}) {
    const std::string path = "/Agents/" + verb;
    cases.push_back(ControlPost(verb + "_NotJson", path, "[\"", 400, "JSON_FORMAT_ERROR"));
    cases.push_back(ControlPost(verb + "_BodyIsObject", path, "{}", 400, "FIELD_ERROR"));
    cases.push_back(ControlPost(verb + "_IdNotAGuid", path, "[\"agent-1\"]", 400, "FIELD_ERROR"));
    cases.push_back(ControlPost(verb + "_IdNumber", path, "[5]", 400, "FIELD_ERROR"));
    cases.push_back(ControlPost(verb + "_IdsOver1000", path,
                                json(std::vector<std::string>(1001, kUnknownGuid)).dump(), 400,
                                "FIELD_ERROR", "body"));
    cases.push_back(ControlPost(verb + "_DuplicateInObjectItem", path, "[{\"a\":1,\"a\":1}]", 400,
                                "FIELD_ERROR", "a"));
    MalformedCase unknown = ControlPost(verb + "_IdUnknown", path,
                                        json::array({kUnknownGuid}).dump(), 404, "API_ERROR");
    unknown.has = kUnknownGuid;  // the 404 names the id
    cases.push_back(std::move(unknown));
  }
  const std::string reenroll = "/Agents/SetAuthCertificateReenrollment";
  const json good = {{"OrchestratorIds", {kUnknownGuid}}, {"Status", 1}};
  cases.push_back(
      ControlPost("Reenroll_NotJson", reenroll, "{\"Status\":}", 400, "JSON_FORMAT_ERROR"));
  cases.push_back(ControlPost("Reenroll_BodyIsArray", reenroll, "[]", 400, "FIELD_ERROR", "body"));
  cases.push_back(ControlPost("Reenroll_MissingStatus", reenroll,
                              json{{"OrchestratorIds", {kUnknownGuid}}}.dump(), 400, "FIELD_ERROR",
                              "Status"));
  cases.push_back(ControlPost("Reenroll_StatusThree", reenroll, With(good, "Status", 3), 400,
                              "FIELD_ERROR", "Status"));
  cases.push_back(ControlPost("Reenroll_StatusNegative", reenroll, With(good, "Status", -1), 400,
                              "FIELD_ERROR", "Status"));
  cases.push_back(ControlPost("Reenroll_StatusString", reenroll, With(good, "Status", "Requested"),
                              400, "FIELD_ERROR", "Status"));
  cases.push_back(ControlPost("Reenroll_IdsString", reenroll, With(good, "OrchestratorIds", "x"),
                              400, "FIELD_ERROR", "OrchestratorIds"));
  cases.push_back(ControlPost("Reenroll_IdNotAGuid", reenroll,
                              With(good, "OrchestratorIds", json::array({"x"})), 400, "FIELD_ERROR",
                              "OrchestratorIds[0]"));
  cases.push_back(ControlPost("Reenroll_DuplicateStatus", reenroll,
                              "{\"OrchestratorIds\":[],\"Status\":1,\"Status\":2}", 400,
                              "FIELD_ERROR", "Status"));
  cases.push_back(
      ControlPost("Reenroll_IdsOver1000", reenroll,
                  With(good, "OrchestratorIds", std::vector<std::string>(1001, kUnknownGuid)), 400,
                  "FIELD_ERROR", "OrchestratorIds"));
  return cases;
}

std::vector<MalformedCase> PoolAndSecretCases() {
  const std::string pools = "/AgentPools";
  const std::string secrets = "/api/v2/agent/secrets";
  const json good = {{"Name", "web"}, {"Agents", json::array()}};
  const json member = {{"AgentId", kUnknownGuid}};
  json put = good;
  put["AgentPoolId"] = kUnknownGuid;
  return {
      ControlPost("Pool_NotJson", pools, "{\"Name\":\"web\"", 400, "JSON_FORMAT_ERROR"),
      ControlPost("Pool_NestedTooDeep", pools, NestedObjects(65), 400, "JSON_FORMAT_ERROR"),
      ControlPost("Pool_MissingName", pools, "{\"Agents\":[]}", 400, "FIELD_ERROR", "Name"),
      ControlPost("Pool_NameEmpty", pools, With(good, "Name", ""), 400, "FIELD_ERROR", "Name"),
      ControlPost("Pool_NameNumber", pools, With(good, "Name", 1), 400, "FIELD_ERROR", "Name"),
      ControlPost("Pool_NameOver255", pools, With(good, "Name", std::string(256, 'n')), 400,
                  "FIELD_ERROR", "Name"),
      ControlPost("Pool_NameControlCharacter", pools, With(good, "Name", "a\x7f"), 400,
                  "FIELD_ERROR", "Name"),
      ControlPost("Pool_NameEscapedNul", pools, "{\"Name\":\"\\u0000\"}", 400, "FIELD_ERROR",
                  "Name"),
      ControlPost("Pool_DuplicateName", pools, "{\"Name\":\"a\",\"Agents\":[],\"NAME\":\"b\"}", 400,
                  "FIELD_ERROR", "NAME"),
      ControlPost("Pool_AgentsOver1000", pools,
                  With(good, "Agents", std::vector<json>(1001, member)), 400, "FIELD_ERROR",
                  "Agents"),
      ControlPost("Pool_NameOfDefaultPool", pools, With(good, "Name", "Default Agent Pool"), 409,
                  "VALIDATION_ERROR", "Name"),
      ControlPost("Pool_AgentsString", pools, With(good, "Agents", "x"), 400, "FIELD_ERROR",
                  "Agents"),
      ControlPost("Pool_AgentUnknown", pools, With(good, "Agents", json::array({member})), 400,
                  "FIELD_ERROR", "Agents[0].AgentId"),
      ControlPost("Pool_AgentIdNotAGuid", pools,
                  With(good, "Agents", json::array({json{{"AgentId", "x"}}})), 400, "FIELD_ERROR",
                  "Agents[0].AgentId"),
      ControlPost("Pool_AgentIdMissing", pools, With(good, "Agents", json::array({json::object()})),
                  400, "FIELD_ERROR", "Agents[0].AgentId"),
      ControlPost("Pool_EnableDiscoverString", pools,
                  With(good, "Agents",
                       json::array({json{{"AgentId", kUnknownGuid}, {"EnableDiscover", "yes"}}})),
                  400, "FIELD_ERROR", "Agents[0].EnableDiscover"),
      ControlCall("PoolPut_MissingId", "PUT", pools, good.dump(), 400, "FIELD_ERROR",
                  "AgentPoolId"),
      ControlCall("PoolPut_IdNotAGuid", "PUT", pools, With(good, "AgentPoolId", "web"), 400,
                  "FIELD_ERROR", "AgentPoolId"),
      ControlCall("PoolPut_IdUnknown", "PUT", pools, put.dump(), 404, "API_ERROR"),
      ControlCall("PoolPut_DefaultPool", "PUT", pools,
                  With(good, "AgentPoolId", "00000000-0000-0000-0000-000000000000"), 400,
                  "VALIDATION_ERROR"),
      ControlPost("Secret_NotJson", secrets, "{\"name\"}", 400, "JSON_FORMAT_ERROR"),
      ControlPost("Secret_NameNumber", secrets, "{\"name\":5}", 400, "FIELD_ERROR", "name"),
      ControlPost("Secret_NameWithSpace", secrets, "{\"name\":\"two words\"}", 400, "FIELD_ERROR",
                  "name"),
      ControlPost("Secret_NameWithColon", secrets, "{\"name\":\"a:b\"}", 400, "FIELD_ERROR",
                  "name"),
      ControlPost("Secret_NameNonAscii", secrets, "{\"name\":\"caf\xc3\xa9\"}", 400, "FIELD_ERROR",
                  "name"),
      ControlPost("Secret_NameTooLong", secrets, json{{"name", std::string(129, 'a')}}.dump(), 400,
                  "FIELD_ERROR", "name"),
      ControlPost("Secret_NameTaken", secrets, "{\"name\":\"bootstrap\"}", 409, "VALIDATION_ERROR",
                  "name"),
      ControlPost("Secret_BodyIsArray", secrets, "[]", 400, "FIELD_ERROR", "body"),
      ControlPost("Secret_DuplicateName", secrets, "{\"name\":\"a\",\"name\":\"b\"}", 400,
                  "FIELD_ERROR", "name"),
      ControlPost("Secret_NameInvalidUtf8", secrets, "{\"name\":\"\xf8\x88\x80\x80\x80\"}", 400,
                  "JSON_FORMAT_ERROR"),
  };
}

}  // namespace

std::vector<MalformedCase> ControlBodyCases() {
  std::vector<MalformedCase> cases;
  for (auto* part : {ImportCases, CollectionAndContainerCases, StoreCases, AgentCasesOnControl,
                     PoolAndSecretCases}) {
    for (MalformedCase& c : part()) cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace orch::e2e
