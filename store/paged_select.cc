#include "store/paged_select.h"

#include <string>
#include <type_traits>
#include <variant>

namespace orch::store::internal {

void BindParams(SQLite::Statement& statement, const std::vector<jobs::SqlValue>& params,
                int first) {
  int index = first;
  for (const jobs::SqlValue& value : params) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            statement.bind(index, v);
          } else {
            statement.bind(index, static_cast<T>(v));
          }
        },
        value);
    ++index;
  }
}

std::string WhereClause(const jobs::SqlFilter& filter) {
  if (filter.where_sql.empty()) return "";
  return " WHERE " + filter.where_sql;
}

MatchCount RunPagedSelect(SqliteStore::Impl& impl, const PagedSelect& select,
                          const jobs::Paging& paging,
                          const std::function<void(SQLite::Statement&)>& row) {
  const std::string where = WhereClause(paging.filter);
  const std::string count_from(select.count_from.empty() ? select.from : select.count_from);
  // A filtered count walks every match: it stops one past the limit.
  internal::CachedStatement count =
      impl.Prepare(where.empty() ? "SELECT count(*) FROM " + count_from
                                 : "SELECT count(*) FROM (SELECT 1 FROM " + count_from + where +
                                       " LIMIT " + std::to_string(kExactCountLimit + 1) + ")");
  BindParams(count, paging.filter.params);
  count.executeStep();
  MatchCount matched{count.getColumn(0).getInt64(), true};
  if (!where.empty() && matched.total > kExactCountLimit) matched = {kExactCountLimit, false};

  std::string order = paging.OrderBySql();
  order += order.empty() ? "ORDER BY " : ", ";
  order += select.tiebreak;
  order += paging.ascending || paging.sort_column.empty() ? " ASC" : " DESC";
  internal::CachedStatement page =
      impl.Prepare("SELECT " + std::string(select.columns) + " FROM " + std::string(select.from) +
                   where + " " + order + " LIMIT ? OFFSET ?");
  BindParams(page, paging.filter.params);
  const int next = static_cast<int>(paging.filter.params.size()) + 1;
  page.bind(next, paging.limit);
  page.bind(next + 1, paging.Offset());
  while (page.executeStep()) row(page);
  return matched;
}

}  // namespace orch::store::internal
