#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jobs/query.h"
#include "tests/testing/status_matchers.h"

namespace orch::jobs {
namespace {

std::vector<QueryField> Fields() {
  return {{"JobHistoryId", "h.id", QueryField::kInteger},
          {"OperationStart", "h.operation_start", QueryField::kTime},
          {"Message", "h.message", QueryField::kText}};
}

TEST(PagingTest, DefaultsWhenNothingIsGiven) {
  // Given no paging parameters, page 1 of 50 sorted ascending by the default field.
  ASSERT_OK_AND_ASSIGN(Paging paging, ParsePaging({}, Fields(), "JobHistoryId"));
  EXPECT_EQ(paging.page, 1);
  EXPECT_EQ(paging.limit, 50);
  EXPECT_EQ(paging.Offset(), 0);
  EXPECT_EQ(paging.sort_column, "h.id");
  EXPECT_TRUE(paging.ascending);
  EXPECT_EQ(paging.OrderBySql(), "ORDER BY h.id ASC");
  EXPECT_EQ(paging.filter.where_sql, "");
}

TEST(PagingTest, ReadsEveryParameterCaseInsensitively) {
  // Given all five parameters with odd capitalisation, each is applied.
  std::map<std::string, std::string> params = {{"pq.PageReturned", "3"},
                                               {"PQ.RETURNLIMIT", "1000"},
                                               {"pq.sortfield", "operationstart"},
                                               {"pq.sortAscending", "1"},
                                               {"pq.queryString", "JobHistoryId -gt 7"},
                                               {"unrelated", "x"}};
  ASSERT_OK_AND_ASSIGN(Paging paging, ParsePaging(params, Fields(), "JobHistoryId"));
  EXPECT_EQ(paging.page, 3);
  EXPECT_EQ(paging.limit, 1000);
  EXPECT_EQ(paging.Offset(), 2000);
  EXPECT_EQ(paging.OrderBySql(), "ORDER BY h.operation_start DESC");
  EXPECT_EQ(paging.filter.where_sql, "h.id > ?");
  EXPECT_EQ(paging.filter.params, std::vector<SqlValue>{int64_t{7}});
}

TEST(PagingTest, EmptyValuesCountAsAbsent) {
  // Given parameters present but empty, the defaults apply.
  ASSERT_OK_AND_ASSIGN(Paging paging,
                       ParsePaging({{"pq.returnLimit", ""}, {"pq.sortField", ""}}, Fields(), ""));
  EXPECT_EQ(paging.limit, 50);
  EXPECT_EQ(paging.OrderBySql(), "");
}

TEST(PagingTest, RejectsOutOfRangeValuesNamingTheParameter) {
  // Given each invalid parameter, the error is InvalidArgument naming that parameter.
  struct Case {
    std::string name;
    std::string value;
  };
  std::vector<Case> cases = {
      {"pq.pageReturned", "0"},     {"pq.pageReturned", "-1"},
      {"pq.pageReturned", "x"},     {"pq.pageReturned", "1000000001"},
      {"pq.returnLimit", "0"},      {"pq.returnLimit", "1001"},
      {"pq.returnLimit", "50.5"},   {"pq.returnLimit", "99999999999999999999"},
      {"pq.sortField", "Password"}, {"pq.sortAscending", "2"},
      {"pq.sortAscending", "true"}, {"pq.queryString", "Password -eq \"x\""},
  };
  for (const Case& c : cases) {
    StatusOr<Paging> paging = ParsePaging({{c.name, c.value}}, Fields(), "JobHistoryId");
    ASSERT_FALSE(paging.ok()) << c.name << "=" << c.value;
    EXPECT_EQ(paging.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(paging.status().field(), c.name) << c.value << ": " << paging.status().message();
  }
}

TEST(PagingTest, SortAscendingAcceptsNames) {
  // Given the SortOrder names, Ascending and Descending map like 0 and 1.
  ASSERT_OK_AND_ASSIGN(Paging down,
                       ParsePaging({{"pq.sortAscending", "descending"}}, Fields(), "Message"));
  EXPECT_EQ(down.OrderBySql(), "ORDER BY h.message COLLATE NOCASE DESC");
  ASSERT_OK_AND_ASSIGN(Paging up, ParsePaging({{"pq.sortAscending", "0"}}, Fields(), "Message"));
  EXPECT_EQ(up.OrderBySql(), "ORDER BY h.message COLLATE NOCASE ASC");
}

TEST(PagingTest, UnknownDefaultSortIsAnInternalError) {
  // Given an endpoint whose default sort is not in its own whitelist, the bug is reported.
  StatusOr<Paging> paging = ParsePaging({}, Fields(), "Nope");
  EXPECT_EQ(paging.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace orch::jobs
