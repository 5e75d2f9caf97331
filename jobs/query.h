// The list calls' query language (SPEC §7.3) compiled to a parameterised SQL WHERE clause, and
// the paging parameters (SPEC §7.2).
//
// Grammar (keywords, operators and field names are case-insensitive):
//   query   := [or]
//   or      := and { OR and }              AND binds tighter than OR
//   and     := unary { AND unary }
//   unary   := NOT unary | '(' or ')' | term
//   term    := Field op value
//   op      := -eq | -ne | -gt | -ge | -lt | -le | -contains | -startswith | -endswith
//   value   := "double-quoted" (\" and \\ are escapes; any other backslash is literal, so
//              "C:\certs" works) | a bare token without spaces, quotes or parentheses
//              (42, 2027-01-31T08:00:00Z, a GUID)
// Values are never put into the SQL text: each becomes a `?` with a bound parameter.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

namespace orch::jobs {

/// Longest query string accepted, in bytes.
inline constexpr size_t kMaxQueryLength = 4096;
/// Deepest nesting of parentheses and NOTs accepted.
inline constexpr int kMaxQueryDepth = 32;

/// One field an endpoint allows in queries and sorting.
struct QueryField {
  enum Type {
    kText,     // bound as text; comparisons ignore ASCII case (COLLATE NOCASE / LIKE)
    kInteger,  // bound as int64; the LIKE operators are refused
    kTime,     // ISO 8601 (or YYYY-MM-DD = midnight UTC), bound as int64 Unix milliseconds UTC
    kGuid,     // bound as lowercase text; -eq/-ne need a whole GUID; no ordering operators
  };
  /// Name used in queries and pq.sortField ("JobHistoryId"); matched case-insensitively.
  std::string name;
  /// SQL column expression it maps to; trusted text from the endpoint, never from a request.
  std::string column;
  Type type = kText;
  /// For kInteger: names accepted in place of numbers ("Failure" → 4), case-insensitive.
  std::vector<std::pair<std::string, int64_t>> symbols = {};
};

/// A bound parameter.
using SqlValue = std::variant<int64_t, double, std::string>;

/// A WHERE clause with `?` placeholders and their values in order.
struct SqlFilter {
  /// A term `column -ge value` (or -gt) that every match satisfies: one the whole query ANDs
  /// at its top level. A store may use it to narrow the rows it looks at.
  struct LowerBound {
    std::string column;  // QueryField::column
    int64_t value = 0;   // every match has column >= value
  };

  /// Empty when the query was empty: match every row. Else use as "WHERE <where_sql>".
  std::string where_sql;
  std::vector<SqlValue> params;
  /// The lower bounds of integer and time fields the query implies; empty when it has an OR
  /// at its top level.
  std::vector<LowerBound> lower_bounds = {};
};

/// Compiles `query` against the endpoint's whitelist. Errors are InvalidArgument with
/// WithField("pq.queryString") and a message naming the 1-based character position: unknown
/// field (listing the allowed ones), unknown operator, missing or ill-typed value, unterminated
/// string, unbalanced parentheses, dangling AND/OR/NOT, trailing text, and queries longer than
/// kMaxQueryLength or nested deeper than kMaxQueryDepth. Messages read "query error at
/// position N: ..."; a caller taking the query from another field (a body's "Query") re-names
/// the field with WithField().
StatusOr<SqlFilter> CompileQuery(std::string_view query, const std::vector<QueryField>& fields);

/// Default and largest pq.returnLimit.
inline constexpr int64_t kDefaultReturnLimit = 50;
inline constexpr int64_t kMaxReturnLimit = 1000;
/// Largest pq.pageReturned.
inline constexpr int64_t kMaxPageReturned = 1'000'000'000;

/// One list request's page, order and filter.
struct Paging {
  int64_t page = 1;                     // pq.pageReturned, 1-based
  int64_t limit = kDefaultReturnLimit;  // pq.returnLimit
  std::string sort_column;              // from the whitelist; empty = no ORDER BY
  bool sort_ignores_case = false;       // a kText sort field: ordered ignoring ASCII case
  bool ascending = true;                // pq.sortAscending: 0 ascending, 1 descending
  SqlFilter filter;                     // pq.queryString

  /// Rows to skip: (page − 1) · limit.
  int64_t Offset() const { return (page - 1) * limit; }
  /// "ORDER BY <column> ASC" / "DESC" (with COLLATE NOCASE for text), or "" without a sort
  /// column.
  std::string OrderBySql() const;
};

/// Reads pq.pageReturned (default 1, 1..kMaxPageReturned), pq.returnLimit (default 50,
/// 1..1000), pq.sortField (a whitelisted field name; default `default_sort`), pq.sortAscending
/// (0 or "Ascending", 1 or "Descending"; default 0) and pq.queryString. Parameter names match
/// case-insensitively; an empty value counts as absent; other parameters are ignored. Errors
/// are InvalidArgument with WithField(<the parameter name>).
/// REQUIRES: default_sort is empty or the name of one of `fields`.
StatusOr<Paging> ParsePaging(const std::map<std::string, std::string>& query_params,
                             const std::vector<QueryField>& fields, std::string_view default_sort);

}  // namespace orch::jobs
