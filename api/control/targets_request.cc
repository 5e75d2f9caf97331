#include "api/control/targets_request.h"

#include "api/json_body.h"
#include "store/job_repository.h"
#include "store/run_repository.h"

namespace orch::api {
namespace {

using nlohmann::json;

// The body's ids member (`ids_name`) or its Query, exactly one; the query compiled over
// `fields` into `query`, the ids left in `ids`.
Status IdsOrQuery(const JsonFields& body, std::string_view ids_name,
                  const std::vector<jobs::QueryField>& fields, const json*& ids,
                  std::optional<jobs::SqlFilter>& query) {
  ids = body.Find(ids_name);
  if ((ids == nullptr) == (body.Find("Query") == nullptr)) {
    return FieldError(std::string(ids_name),
                      "exactly one of " + std::string(ids_name) + " and Query must be given");
  }
  if (ids != nullptr) {
    if (!ids->is_array() || ids->empty() || ids->size() > kMaxTargetIds) {
      return FieldError(body.Field(ids_name), "must be a non-empty array of at most " +
                                                  std::to_string(kMaxTargetIds) + " ids");
    }
    return Status::Ok();
  }
  const json* text = body.Find("Query");
  // The query language holds its text to kMaxTextBytes itself, naming a position.
  if (!text->is_string()) return FieldError("Query", "must be a query string");
  StatusOr<jobs::SqlFilter> filter = jobs::CompileQuery(text->get<std::string>(), fields);
  if (!filter.ok()) return InvalidArgumentError(filter.status().message()).WithField("Query");
  query = std::move(filter).value();
  return Status::Ok();
}

}  // namespace

StatusOr<JobTargets> ParseJobTargetsRequest(const json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  JobTargets targets;
  const json* ids = nullptr;
  ORCH_RETURN_IF_ERROR(IdsOrQuery(fields, "JobIds", store::JobQueryFields(), ids, targets.query));
  if (ids != nullptr) {
    ORCH_ASSIGN_OR_RETURN(targets.ids, GuidArray(*ids, "JobIds", kMaxTargetIds));
  }
  return targets;
}

StatusOr<RunTargets> ParseRunTargetsRequest(const json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  RunTargets targets;
  const json* ids = nullptr;
  ORCH_RETURN_IF_ERROR(
      IdsOrQuery(fields, "JobAuditIds", store::RunQueryFields(), ids, targets.query));
  if (ids == nullptr) return targets;
  for (size_t i = 0; i < ids->size(); ++i) {
    const json& id = (*ids)[i];
    // A large unsigned value must not wrap to a signed one that looks in range.
    const bool valid = id.is_number_integer() &&
                       (!id.is_number_unsigned() || id.get<uint64_t>() <= uint64_t{kMaxJsonId}) &&
                       id.get<int64_t>() >= 1 && id.get<int64_t>() <= kMaxJsonId;
    if (!valid) {
      return FieldError("JobAuditIds[" + std::to_string(i) + "]",
                        "must be a positive integer job history id");
    }
    targets.ids.push_back(id.get<int64_t>());
  }
  return targets;
}

}  // namespace orch::api
