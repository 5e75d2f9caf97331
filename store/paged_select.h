// The shared SELECT of every list call: the compiled query's WHERE with bound parameters, the
// whitelisted ORDER BY, LIMIT/OFFSET, and the total count. Internal to store/.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "jobs/query.h"
#include "store/page.h"
#include "store/sqlite_store_impl.h"

namespace orch::store::internal {

/// Binds `params` to `statement` at positions first, first + 1, ...
void BindParams(SQLite::Statement& statement, const std::vector<jobs::SqlValue>& params,
                int first = 1);

/// What to select: `SELECT <columns> FROM <from> [WHERE filter] ORDER BY <sort>, <tiebreak>`.
/// `columns`, `from` and `tiebreak` are trusted text from store/; values only come bound.
struct PagedSelect {
  std::string_view columns;
  std::string_view from;
  std::string_view tiebreak;  // a unique column, so pages never overlap or skip rows
  /// The FROM of the count when the filter's fields all live in fewer tables than `from`
  /// joins (the joins then only cost time for every matching row); empty: `from`.
  std::string_view count_from = {};
};

/// How many rows match: exact without a filter (SQLite counts a whole table quickly) or up to
/// kExactCountLimit with one; past it, the limit and `exact` false.
struct MatchCount {
  int64_t total = 0;
  bool exact = true;
};

/// Runs the count and the page query, calling `row` for each row of the page; returns how
/// many rows match the filter. Throws SQLite::Exception (callers run it in Impl::Run).
MatchCount RunPagedSelect(SqliteStore::Impl& impl, const PagedSelect& select,
                          const jobs::Paging& paging,
                          const std::function<void(SQLite::Statement&)>& row);

/// Records `count` as the total of `page`.
template <typename T>
void SetCount(Page<T>& page, MatchCount count) {
  page.total = count.total;
  page.total_exact = count.exact;
}

/// "WHERE <filter>" or "" for an empty filter.
std::string WhereClause(const jobs::SqlFilter& filter);

}  // namespace orch::store::internal
