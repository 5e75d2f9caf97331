// The paging parameters of the list calls (SPEC §7.2).
#include <charconv>

#include "jobs/ascii.h"
#include "jobs/query.h"

namespace orch::jobs {
namespace {

// The value of a parameter, matched case-insensitively as ASP.NET-style clients expect; an
// empty value counts as absent so "pq.sortField=" is harmless.
const std::string* FindParam(const std::map<std::string, std::string>& params,
                             std::string_view name) {
  for (const auto& [key, value] : params) {
    if (EqualsIgnoreCase(key, name) && !value.empty()) return &value;
  }
  return nullptr;
}

std::string Shown(std::string_view text) {
  return "'" + std::string(text.substr(0, 40)) + (text.size() > 40 ? "...'" : "'");
}

StatusOr<int64_t> IntegerParam(const std::map<std::string, std::string>& params,
                               const std::string& name, int64_t fallback, int64_t low,
                               int64_t high) {
  const std::string* text = FindParam(params, name);
  if (text == nullptr) return fallback;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < low || value > high) {
    return InvalidArgumentError(name + " must be an integer between " + std::to_string(low) +
                                " and " + std::to_string(high) + ", not " + Shown(*text))
        .WithField(name);
  }
  return value;
}

// The sort field, or nullptr for none.
StatusOr<const QueryField*> SortField(const std::map<std::string, std::string>& params,
                                      const std::vector<QueryField>& fields,
                                      std::string_view default_sort) {
  const std::string* requested = FindParam(params, "pq.sortField");
  std::string_view name = requested ? std::string_view(*requested) : default_sort;
  if (name.empty()) return nullptr;
  for (const QueryField& field : fields) {
    if (EqualsIgnoreCase(field.name, name)) return &field;
  }
  if (requested == nullptr) {
    return InternalError("default sort field '" + std::string(default_sort) +
                         "' is not in the endpoint's field list");
  }
  std::string allowed;
  for (const QueryField& field : fields) allowed += (allowed.empty() ? "" : ", ") + field.name;
  return InvalidArgumentError("pq.sortField " + Shown(name) +
                              " is not a sortable field; allowed fields: " + allowed)
      .WithField("pq.sortField");
}

// 0 = ascending and 1 = descending, as in the product family's SortOrder.
StatusOr<bool> Ascending(const std::map<std::string, std::string>& params) {
  const std::string* text = FindParam(params, "pq.sortAscending");
  if (text == nullptr) return true;
  if (*text == "0" || EqualsIgnoreCase(*text, "Ascending")) return true;
  if (*text == "1" || EqualsIgnoreCase(*text, "Descending")) return false;
  return InvalidArgumentError("pq.sortAscending must be 0 (ascending) or 1 (descending), not " +
                              Shown(*text))
      .WithField("pq.sortAscending");
}

}  // namespace

std::string Paging::OrderBySql() const {
  if (sort_column.empty()) return "";
  // Text compares ignoring ASCII case everywhere, in filters and in order alike.
  return "ORDER BY " + sort_column + (sort_ignores_case ? " COLLATE NOCASE" : "") +
         (ascending ? " ASC" : " DESC");
}

StatusOr<Paging> ParsePaging(const std::map<std::string, std::string>& query_params,
                             const std::vector<QueryField>& fields, std::string_view default_sort) {
  Paging paging;
  ORCH_ASSIGN_OR_RETURN(paging.page,
                        IntegerParam(query_params, "pq.pageReturned", 1, 1, kMaxPageReturned));
  ORCH_ASSIGN_OR_RETURN(paging.limit, IntegerParam(query_params, "pq.returnLimit",
                                                   kDefaultReturnLimit, 1, kMaxReturnLimit));
  ORCH_ASSIGN_OR_RETURN(const QueryField* sort, SortField(query_params, fields, default_sort));
  if (sort != nullptr) {
    paging.sort_column = sort->column;
    paging.sort_ignores_case = sort->type == QueryField::kText;
  }
  ORCH_ASSIGN_OR_RETURN(paging.ascending, Ascending(query_params));
  const std::string* query = FindParam(query_params, "pq.queryString");
  if (query != nullptr) {
    ORCH_ASSIGN_OR_RETURN(paging.filter, CompileQuery(*query, fields));
  }
  return paging;
}

}  // namespace orch::jobs
