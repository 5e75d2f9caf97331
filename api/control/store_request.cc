#include "api/control/store_request.h"

#include "api/json_body.h"
#include "jobs/bounded_json.h"
#include "jobs/store_types.h"

namespace orch::api {
namespace {

using nlohmann::json;

std::string Text(const json& object) {
  return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Properties as a JSON object, or as a string holding one (the family's wire form).
StatusOr<std::string> PropertiesOf(const JsonFields& body) {
  const std::string field = body.Field("Properties");
  const json* value = body.Find("Properties");
  if (value == nullptr) return std::string("{}");
  if (value->is_string()) {
    StatusOr<json> object = jobs::ParseJson(value->get<std::string>(), jobs::JsonText::kRequest);
    if (!object.ok()) return FieldError(field, "is a string that is " + object.status().message());
    if (object->is_object()) {
      ORCH_RETURN_IF_ERROR(CheckProperties(*object, field));
      return Text(*object);
    }
  }
  if (value->is_object()) {
    ORCH_RETURN_IF_ERROR(CheckProperties(*value, field));
    return Text(*value);
  }
  return FieldError(field, "must be a JSON object (or a string holding one)");
}

// The serving agent or pool: exactly one of AgentId and AgentPoolId.
Status ReadBinding(const JsonFields& body, store::CertStoreRecord& record) {
  ORCH_ASSIGN_OR_RETURN(std::optional<std::string> agent, body.OptionalGuid("AgentId"));
  ORCH_ASSIGN_OR_RETURN(std::optional<std::string> pool, body.OptionalGuid("AgentPoolId"));
  if (agent.has_value() == pool.has_value()) {
    return InvalidArgumentError("exactly one of AgentId and AgentPoolId must be set")
        .WithField(body.Field(agent ? "AgentPoolId" : "AgentId"));
  }
  record.agent_id = agent.value_or("");
  record.agent_pool_id = pool.value_or("");
  return Status::Ok();
}

StatusOr<int> StoreTypeOf(const JsonFields& body) {
  ORCH_ASSIGN_OR_RETURN(int64_t type, body.RequiredInt("CertStoreType"));
  if (type < 0 || type > INT32_MAX || jobs::FindStoreType(static_cast<int>(type)) == nullptr) {
    return FieldError(body.Field("CertStoreType"),
                      "is not a known store type: " + std::to_string(type) + " (PEM is " +
                          std::to_string(jobs::kPemStoreType) + ", PKCS12 " +
                          std::to_string(jobs::kPkcs12StoreType) + ")");
  }
  return static_cast<int>(type);
}

}  // namespace

StatusOr<StoreRequest> ParseStoreRequest(const json& body, bool with_id) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  StoreRequest request;
  store::CertStoreRecord& record = request.record;
  if (with_id) {
    ORCH_ASSIGN_OR_RETURN(record.id, fields.RequiredGuid("Id"));
  }
  ORCH_ASSIGN_OR_RETURN(record.client_machine, fields.RequiredName("ClientMachine"));
  ORCH_ASSIGN_OR_RETURN(record.store_path, fields.RequiredString("StorePath"));
  ORCH_ASSIGN_OR_RETURN(record.store_type, StoreTypeOf(fields));
  ORCH_ASSIGN_OR_RETURN(record.container_id, fields.OptionalId("ContainerId"));
  ORCH_RETURN_IF_ERROR(ReadBinding(fields, record));
  ORCH_ASSIGN_OR_RETURN(record.properties_json, PropertiesOf(fields));
  ORCH_ASSIGN_OR_RETURN(record.create_if_missing, fields.Bool("CreateIfMissing", false));
  ORCH_ASSIGN_OR_RETURN(request.password, fields.OptionalSecret("Password"));
  return request;
}

StatusOr<std::string> ParseContainerRequest(const json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  return fields.RequiredName("Name");
}

}  // namespace orch::api
