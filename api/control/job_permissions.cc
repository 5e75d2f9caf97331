#include "api/control/job_permissions.h"

#include <charconv>

#include "api/control/authorizer.h"

namespace orch::api {
namespace {

// The ids named by claims of the form "<prefix><id>/".
std::vector<int64_t> ScopedIds(const std::vector<std::string>& claims, std::string_view prefix) {
  std::vector<int64_t> ids;
  for (const std::string& claim : claims) {
    if (claim.size() <= prefix.size() + 1 || claim.compare(0, prefix.size(), prefix) != 0 ||
        claim.back() != '/') {
      continue;
    }
    const char* begin = claim.data() + prefix.size();
    const char* end = claim.data() + claim.size() - 1;
    int64_t id = 0;
    auto [stop, error] = std::from_chars(begin, end, id);
    if (error == std::errc() && stop == end) ids.push_back(id);
  }
  return ids;
}

std::string Scoped(std::string_view claim, int64_t id) {
  return std::string(claim) + std::to_string(id) + "/";
}

}  // namespace

Status CheckScheduleAccess(const std::vector<std::string>& claims,
                           std::optional<int64_t> container_id, const std::string& what,
                           bool any_scope) {
  if (Authorizer::Holds(claims, kScheduleClaim)) return Status::Ok();
  if (any_scope) {
    if (!ScopedIds(claims, kScheduleClaim).empty()) return Status::Ok();
    return PermissionDeniedError("the caller lacks the claim " + std::string(kScheduleClaim) +
                                 " (or a container-scoped one)");
  }
  if (container_id && Authorizer::Holds(claims, Scoped(kScheduleClaim, *container_id))) {
    return Status::Ok();
  }
  std::string message = "the caller lacks the claim " + std::string(kScheduleClaim);
  if (container_id) message += " or " + Scoped(kScheduleClaim, *container_id);
  return PermissionDeniedError(message + " needed for " + what);
}

Status CheckCollectionClaim(const std::vector<std::string>& claims,
                            std::optional<int64_t> collection_id) {
  if (Authorizer::Holds(claims, kCollectionsReadClaim)) return Status::Ok();
  if (!collection_id) {
    return PermissionDeniedError("the caller lacks the claim " +
                                 std::string(kCollectionsReadClaim) +
                                 "; pass a CollectionId whose scoped claim it holds");
  }
  const std::string scoped = Scoped(kCollectionsReadClaim, *collection_id);
  if (!Authorizer::Holds(claims, scoped)) {
    return PermissionDeniedError("the caller lacks the claim " +
                                 std::string(kCollectionsReadClaim) + " or " + scoped);
  }
  return Status::Ok();
}

Status CheckCollectionAccess(const std::vector<std::string>& claims, store::CatalogRepository& catalog,
                             int64_t certificate_id, std::optional<int64_t> collection_id) {
  if (Authorizer::Holds(claims, kCollectionsReadClaim)) return Status::Ok();
  ORCH_RETURN_IF_ERROR(CheckCollectionClaim(claims, collection_id));
  ORCH_ASSIGN_OR_RETURN(store::CollectionRecord collection, catalog.GetCollection(*collection_id));
  ORCH_ASSIGN_OR_RETURN(jobs::SqlFilter filter,
                        jobs::CompileQuery(collection.query, store::CertificateQueryFields()));
  ORCH_ASSIGN_OR_RETURN(bool matches, catalog.CertificateMatches(certificate_id, filter));
  if (matches) return Status::Ok();
  return PermissionDeniedError("certificate " + std::to_string(certificate_id) +
                               " is not in certificate collection " +
                               std::to_string(*collection_id));
}

Status RestrictToScheduleScope(const std::vector<std::string>& claims,
                               std::string_view container_column, jobs::SqlFilter& filter) {
  if (Authorizer::Holds(claims, kScheduleClaim)) return Status::Ok();
  const std::vector<int64_t> containers = ScopedIds(claims, kScheduleClaim);
  if (containers.empty()) {
    return PermissionDeniedError("the caller lacks the claim " + std::string(kScheduleClaim) +
                                 " (or a container-scoped one)");
  }
  std::string in;
  std::vector<jobs::SqlValue> ids(containers.begin(), containers.end());
  for (size_t i = 0; i < ids.size(); ++i) in += i == 0 ? "?" : ", ?";
  filter.params.insert(filter.params.end(), ids.begin(), ids.end());
  const std::string scope = std::string(container_column) + " IN (" + in + ")";
  filter.where_sql = filter.where_sql.empty() ? scope : "(" + filter.where_sql + ") AND " + scope;
  return Status::Ok();
}

}  // namespace orch::api
