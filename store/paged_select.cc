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

int64_t RunPagedSelect(SqliteStore::Impl& impl, const PagedSelect& select,
                       const jobs::Paging& paging,
                       const std::function<void(SQLite::Statement&)>& row) {
  const std::string where = WhereClause(paging.filter);
  internal::CachedStatement count = impl.Prepare(
      "SELECT count(*) FROM " +
      std::string(select.count_from.empty() ? select.from : select.count_from) + where);
  BindParams(count, paging.filter.params);
  count.executeStep();
  const int64_t total = count.getColumn(0).getInt64();

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
  return total;
}

}  // namespace orch::store::internal
