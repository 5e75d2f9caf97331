#include "api/control/add_request.h"

#include "api/json_body.h"
#include "pki/hash.h"

namespace orch::api {
namespace {

using nlohmann::json;

StatusOr<AddTarget> ParseTarget(const json& entry, const std::string& path) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(entry, path));
  AddTarget target;
  ORCH_ASSIGN_OR_RETURN(target.store_id, fields.RequiredGuid("CertificateStoreId"));
  ORCH_ASSIGN_OR_RETURN(std::optional<std::string> alias,
                        fields.OptionalString("Alias", kMaxNameBytes));
  target.alias = alias.value_or("");
  ORCH_ASSIGN_OR_RETURN(target.overwrite, fields.Bool("Overwrite", false));
  ORCH_ASSIGN_OR_RETURN(target.include_private_key, fields.Bool("IncludePrivateKey", false));
  if (const json* job_fields = fields.Find("JobFields")) {
    ORCH_RETURN_IF_ERROR(CheckProperties(*job_fields, fields.Field("JobFields")));
    target.job_fields = *job_fields;
  }
  ORCH_ASSIGN_OR_RETURN(target.entry_password, fields.OptionalSecret("EntryPassword"));
  ORCH_ASSIGN_OR_RETURN(target.pfx_password, fields.OptionalSecret("PfxPassword"));
  return target;
}

StatusOr<std::vector<AddTarget>> ParseTargets(const JsonFields& body) {
  const std::string field = body.Field("CertificateStores");
  const json* stores = body.Find("CertificateStores");
  if (stores == nullptr) return FieldError(field, "is required");
  if (!stores->is_array() || stores->empty()) {
    return FieldError(field, "must be a non-empty array of {CertificateStoreId, ...}");
  }
  if (stores->size() > kMaxAddTargets) {
    return FieldError(field, "has more than " + std::to_string(kMaxAddTargets) + " entries");
  }
  std::vector<AddTarget> targets;
  for (size_t i = 0; i < stores->size(); ++i) {
    ORCH_ASSIGN_OR_RETURN(AddTarget target,
                          ParseTarget((*stores)[i], field + "[" + std::to_string(i) + "]"));
    targets.push_back(std::move(target));
  }
  return targets;
}

}  // namespace

StatusOr<AddRequest> ParseAddRequest(const json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  AddRequest request;
  ORCH_ASSIGN_OR_RETURN(request.certificate_id, fields.RequiredId("CertificateId"));
  ORCH_ASSIGN_OR_RETURN(request.targets, ParseTargets(fields));
  const json* schedule = fields.Find("Schedule");
  if (schedule == nullptr) return FieldError("Schedule", "is required");
  ORCH_ASSIGN_OR_RETURN(request.schedule, jobs::ParseScheduleJson(*schedule));
  ORCH_ASSIGN_OR_RETURN(request.collection_id, fields.OptionalId("CollectionId"));
  return request;
}

void CleanseSecrets(AddRequest& request) {
  for (AddTarget& target : request.targets) {
    if (target.entry_password) pki::Cleanse(*target.entry_password);
    if (target.pfx_password) pki::Cleanse(*target.pfx_password);
  }
}

}  // namespace orch::api
