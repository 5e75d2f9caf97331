#include "api/control/certificate_request.h"

#include "api/json_body.h"
#include "jobs/query.h"

namespace orch::api {

StatusOr<ImportRequest> ParseImportRequest(const nlohmann::json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  ImportRequest request;
  ORCH_ASSIGN_OR_RETURN(request.certificate,
                        fields.RequiredString("Certificate", kMaxCertificateBase64));
  ORCH_ASSIGN_OR_RETURN(request.password, fields.OptionalString("Password"));
  return request;
}

StatusOr<store::CollectionRecord> ParseCollectionRequest(const nlohmann::json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  store::CollectionRecord record;
  ORCH_ASSIGN_OR_RETURN(record.name, fields.RequiredName("Name"));
  ORCH_ASSIGN_OR_RETURN(std::optional<std::string> description,
                        fields.OptionalString("Description"));
  record.description = description.value_or("");
  // The query language holds its text to kMaxTextBytes itself, naming a position. A collection
  // lets its readers add every certificate it matches, so "all of them" must be written out
  // (`Id -gt 0`), never be the silent meaning of a missing or blank query.
  ORCH_ASSIGN_OR_RETURN(record.query, fields.RequiredString("Query", std::string::npos));
  if (record.query.find_first_not_of(" \t\r\n") == std::string::npos) {
    return FieldError(fields.Field("Query"),
                      "must not be blank: a collection of every certificate is written as "
                      "\"Id -gt 0\"");
  }
  StatusOr<jobs::SqlFilter> compiled =
      jobs::CompileQuery(record.query, store::CertificateQueryFields());
  if (!compiled.ok()) {
    return Status(compiled.status().code(), compiled.status().message()).WithField("Query");
  }
  return record;
}

}  // namespace orch::api
