#include "jobs/query.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::jobs {
namespace {

std::vector<QueryField> HistoryFields() {
  return {
      {"JobHistoryId", "h.id", QueryField::kInteger},
      {"AgentId", "h.agent_id", QueryField::kGuid},
      {"Agent", "h.agent_machine", QueryField::kText},
      {"JobId", "h.job_id", QueryField::kGuid},
      {"Result",
       "h.result",
       QueryField::kInteger,
       {{"Unknown", 0}, {"Success", 2}, {"Warning", 3}, {"Failure", 4}}},
      {"Status", "h.status", QueryField::kInteger},
      {"Message", "h.message", QueryField::kText},
      {"OperationStart", "h.operation_start", QueryField::kTime},
      {"ScheduleType", "j.schedule_type", QueryField::kText},
  };
}

struct Compiled {
  std::string sql;
  std::vector<SqlValue> params;
};

void ExpectCompiles(const std::string& query, const Compiled& want) {
  StatusOr<SqlFilter> filter = CompileQuery(query, HistoryFields());
  ASSERT_TRUE(filter.ok()) << query << ": " << filter.status().ToString();
  EXPECT_EQ(filter->where_sql, want.sql) << query;
  EXPECT_EQ(filter->params, want.params) << query;
}

// The error's message, after checking it is InvalidArgument about pq.queryString.
std::string CompileError(const std::string& query) {
  StatusOr<SqlFilter> filter = CompileQuery(query, HistoryFields());
  EXPECT_FALSE(filter.ok()) << query << " compiled to " << (filter.ok() ? filter->where_sql : "");
  if (filter.ok()) return "";
  EXPECT_EQ(filter.status().code(), StatusCode::kInvalidArgument) << query;
  EXPECT_EQ(filter.status().field(), "pq.queryString") << query;
  return filter.status().message();
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The lower bounds `query` implies, as "column>=value" strings.
std::vector<std::string> Bounds(const std::string& query) {
  StatusOr<SqlFilter> filter = CompileQuery(query, HistoryFields());
  EXPECT_TRUE(filter.ok()) << query << ": " << filter.status().ToString();
  std::vector<std::string> out;
  if (!filter.ok()) return out;
  for (const SqlFilter::LowerBound& bound : filter->lower_bounds) {
    out.push_back(bound.column + ">=" + std::to_string(bound.value));
  }
  return out;
}

TEST(QueryTest, LowerBoundsAreTheTopLevelGeAndGtTermsOfAConjunction) {
  // Given -ge and -gt terms ANDed at the top level, each is a lower bound; a bound under NOT,
  // inside parentheses or in a query with a top-level OR bounds nothing, and neither do the
  // other operators.
  EXPECT_EQ(Bounds(R"(OperationStart -ge "1970-01-01T00:00:01Z" AND Result -eq 2)"),
            std::vector<std::string>{"h.operation_start>=1000"});
  EXPECT_EQ(Bounds("Result -eq 2 AND JobHistoryId -gt 7 AND Status -ge 3"),
            (std::vector<std::string>{"h.id>=7", "h.status>=3"}));
  EXPECT_TRUE(Bounds("JobHistoryId -le 7 AND Status -lt 3 AND Result -eq 2").empty());
  EXPECT_TRUE(Bounds("NOT JobHistoryId -ge 7").empty());
  EXPECT_TRUE(Bounds("(JobHistoryId -ge 7 AND Result -eq 2)").empty());
  EXPECT_TRUE(Bounds("JobHistoryId -ge 7 OR Result -eq 2").empty());
  EXPECT_TRUE(Bounds("Result -eq 2 AND JobHistoryId -ge 7 OR Status -ge 1").empty());
  EXPECT_TRUE(Bounds("(Result -eq 2 OR Status -eq 1) AND NOT (JobHistoryId -ge 9)").empty());
  EXPECT_EQ(Bounds("(Result -eq 2 OR Status -eq 1) AND JobHistoryId -ge 9"),
            std::vector<std::string>{"h.id>=9"});
}

TEST(QueryTest, EmptyQueryMatchesEverything) {
  // Given an empty or blank query, the filter is empty.
  ExpectCompiles("", {"", {}});
  ExpectCompiles("  \t ", {"", {}});
}

TEST(QueryTest, EveryOperator) {
  // Given one term per operator, each compiles to its SQL with a bound parameter.
  struct Case {
    std::string query;
    Compiled want;
  };
  std::vector<Case> cases = {
      {R"(Message -eq "done")", {"h.message = ? COLLATE NOCASE", {std::string("done")}}},
      {R"(Message -ne "done")", {"h.message IS NOT ? COLLATE NOCASE", {std::string("done")}}},
      {R"(Agent -gt "m")", {"h.agent_machine > ? COLLATE NOCASE", {std::string("m")}}},
      {R"(Agent -ge "m")", {"h.agent_machine >= ? COLLATE NOCASE", {std::string("m")}}},
      {R"(Agent -lt "m")", {"h.agent_machine < ? COLLATE NOCASE", {std::string("m")}}},
      {R"(Agent -le "m")", {"h.agent_machine <= ? COLLATE NOCASE", {std::string("m")}}},
      {R"(Message -contains "fail")", {"h.message LIKE ? ESCAPE '\\'", {std::string("%fail%")}}},
      {R"(Message -startswith "fail")", {"h.message LIKE ? ESCAPE '\\'", {std::string("fail%")}}},
      {R"(Message -endswith "fail")", {"h.message LIKE ? ESCAPE '\\'", {std::string("%fail")}}},
      {"Status -eq 3", {"h.status = ?", {int64_t{3}}}},
      {R"(Status -ne "3")", {"h.status IS NOT ?", {int64_t{3}}}},
      {"JobHistoryId -gt 100", {"h.id > ?", {int64_t{100}}}},
      {"JobHistoryId -ge -5", {"h.id >= ?", {int64_t{-5}}}},
      {"JobHistoryId -lt +7", {"h.id < ?", {int64_t{7}}}},
      {"JobHistoryId -le 9223372036854775807", {"h.id <= ?", {int64_t{9223372036854775807}}}},
  };
  for (const Case& c : cases) ExpectCompiles(c.query, c.want);
}

TEST(QueryTest, AndBindsTighterThanOr) {
  // Given A OR B AND C, the AND groups first; NOT applies to the term right after it.
  ExpectCompiles(
      "Status -eq 1 OR Status -eq 2 AND Result -eq 4",
      {"(h.status = ? OR (h.status = ? AND h.result = ?))", {int64_t{1}, int64_t{2}, int64_t{4}}});
  ExpectCompiles(
      "Status -eq 1 AND Status -eq 2 OR Result -eq 4",
      {"((h.status = ? AND h.status = ?) OR h.result = ?)", {int64_t{1}, int64_t{2}, int64_t{4}}});
  ExpectCompiles("NOT Status -eq 1 AND Result -eq 4",
                 {"(NOT (h.status = ?) AND h.result = ?)", {int64_t{1}, int64_t{4}}});
  ExpectCompiles("NOT NOT Status -eq 1", {"NOT (NOT (h.status = ?))", {int64_t{1}}});
}

TEST(QueryTest, ParenthesesOverridePrecedence) {
  // Given (A OR B) AND C, the OR groups first and parameters keep their textual order.
  ExpectCompiles("(Status -eq 1 OR Status -eq 2) AND Result -eq 4",
                 {"(((h.status = ? OR h.status = ?)) AND h.result = ?)",
                  {int64_t{1}, int64_t{2}, int64_t{4}}});
  ExpectCompiles("NOT (Status -eq 1 OR ((Result -eq 2)))",
                 {"NOT (((h.status = ? OR ((h.result = ?)))))", {int64_t{1}, int64_t{2}}});
}

TEST(QueryTest, KeywordsOperatorsAndFieldsIgnoreCase) {
  // Given lowercase and mixed-case keywords, operators and field names, the query compiles.
  ExpectCompiles(
      R"(status -EQ 1 and not MESSAGE -Contains "x" Or agentid -Eq )"
      R"("6F9619FF-8B86-D011-B42D-00C04FC964FF")",
      {"((h.status = ? AND NOT (h.message LIKE ? ESCAPE '\\')) OR h.agent_id = ?)",
       {int64_t{1}, std::string("%x%"), std::string("6f9619ff-8b86-d011-b42d-00c04fc964ff")}});
}

TEST(QueryTest, ValuesAreOnlyEverBoundParameters) {
  // Given SQL injection as a value, the SQL text holds a placeholder and the value is a param.
  ExpectCompiles(R"(Message -eq "'; DROP TABLE jobs; --")",
                 {"h.message = ? COLLATE NOCASE", {std::string("'; DROP TABLE jobs; --")}});
  StatusOr<SqlFilter> filter =
      CompileQuery(R"(Agent -contains "x' OR 1=1 --" OR ScheduleType -eq "\"); DELETE FROM jobs")",
                   HistoryFields());
  ASSERT_OK(filter);
  EXPECT_FALSE(Contains(filter->where_sql, "DELETE"));
  EXPECT_FALSE(Contains(filter->where_sql, "1=1"));
  EXPECT_EQ(filter->params.size(), 2u);
  EXPECT_EQ(filter->params[1], SqlValue(std::string("\"); DELETE FROM jobs")));
}

TEST(QueryTest, LikeEscapesWildcards) {
  // Given % _ and \ in a LIKE value, each is escaped so it matches only itself.
  ExpectCompiles(R"(Message -contains "100%_done\\x")",
                 {"h.message LIKE ? ESCAPE '\\'", {std::string("%100\\%\\_done\\\\x%")}});
  ExpectCompiles(R"(Message -startswith "C:\certs")",
                 {"h.message LIKE ? ESCAPE '\\'", {std::string("C:\\\\certs%")}});
}

TEST(QueryTest, StringEscapesAndBareValues) {
  // Given escaped quotes and unquoted tokens, values decode as documented.
  ExpectCompiles(R"(Message -eq "say \"hi\"")",
                 {"h.message = ? COLLATE NOCASE", {std::string("say \"hi\"")}});
  ExpectCompiles(R"(Message -eq "")", {"h.message = ? COLLATE NOCASE", {std::string("")}});
  ExpectCompiles("ScheduleType -eq I_30",
                 {"j.schedule_type = ? COLLATE NOCASE", {std::string("I_30")}});
}

TEST(QueryTest, TypedFieldsConvertValues) {
  // Given integer, symbolic, time and GUID fields, values are checked and converted.
  ExpectCompiles(R"(Result -eq "failure")", {"h.result = ?", {int64_t{4}}});
  ExpectCompiles(R"(OperationStart -ge "2027-01-31T08:00:00Z")",
                 {"h.operation_start >= ?", {int64_t{1801382400000}}});
  ExpectCompiles("OperationStart -lt 2027-01-31T10:00:00+02:00",
                 {"h.operation_start < ?", {int64_t{1801382400000}}});
  ExpectCompiles(R"(OperationStart -lt "2027-01-31")",
                 {"h.operation_start < ?", {int64_t{1801353600000}}});
  ExpectCompiles(R"(JobId -startswith "6F96")",
                 {"h.job_id LIKE ? ESCAPE '\\'", {std::string("6f96%")}});

  EXPECT_TRUE(Contains(CompileError(R"(Status -eq "abc")"), "takes an integer"));
  EXPECT_TRUE(Contains(CompileError("Status -eq 1.5"), "takes an integer"));
  EXPECT_TRUE(Contains(CompileError("Status -eq 99999999999999999999"), "takes an integer"));
  EXPECT_TRUE(Contains(CompileError(R"(Result -eq "Great")"), "Success, Warning, Failure"));
  EXPECT_TRUE(Contains(CompileError(R"(Status -contains "1")"), "does not apply"));
  EXPECT_TRUE(Contains(CompileError(R"(OperationStart -eq "yesterday")"), "ISO 8601"));
  EXPECT_TRUE(Contains(CompileError(R"(AgentId -eq "not-a-guid")"), "takes a GUID"));
  EXPECT_TRUE(Contains(CompileError(R"(AgentId -gt "6f9619ff-8b86-d011-b42d-00c04fc964ff")"),
                       "does not apply"));
  EXPECT_TRUE(Contains(CompileError(R"(AgentId -contains "%")"), "hex digits"));
}

TEST(QueryTest, ErrorsNameTheirPosition) {
  // Given malformed queries, each error names the 1-based position of the problem.
  struct Case {
    std::string query;
    std::vector<std::string> parts;
  };
  std::vector<Case> cases = {
      {R"(Foo -eq "x")",
       {"position 1:", "unknown field 'Foo'",
        "allowed fields: JobHistoryId, "
        "AgentId, Agent"}},
      {R"(Status -eq 1 AND Bogus -eq 2)", {"position 18:", "unknown field 'Bogus'"}},
      {R"(Status -like 1)", {"position 8:", "unknown operator '-like'", "-startswith"}},
      {R"(Status 1)", {"position 8:", "expected an operator"}},
      {R"(Status -eq)", {"position 11:", "missing value after -eq"}},
      {R"(Status -eq AND Result -eq 2)", {"position 12:", "missing value"}},
      {R"(Message -eq "abc)", {"position 13:", "unterminated string"}},
      {R"((Status -eq 1)", {"position 1:", "'(' is never closed"}},
      {R"(Status -eq 1))", {"position 13:", "')' has no matching '('"}},
      {R"(((Status -eq 1) OR Result -eq 2)", {"position 1:", "never closed"}},
      {R"(())", {"position 1:", "empty parentheses"}},
      {R"(Status -eq 1 AND)", {"position 14:", "AND needs a term after it"}},
      {R"(Status -eq 1 OR)", {"position 14:", "OR needs a term after it"}},
      {R"(AND Status -eq 1)", {"position 1:", "AND needs a term before it"}},
      {R"(Status -eq 1 OR OR Result -eq 2)", {"position 14:", "OR needs a term after it"}},
      {R"(NOT)", {"position 1:", "NOT needs a term after it"}},
      {R"(Status -eq 1 Result -eq 2)", {"position 14:", "unexpected 'Result'"}},
      {R"((Status -eq 1 Result -eq 2))", {"position 15:", "expected AND, OR or ')'"}},
      {R"(-eq "x")", {"position 1:", "expected a field name"}},
      {R"("Status" -eq 1)", {"position 1:", "expected a field name"}},
      {R"(Message -eq "é" AND Föo -eq 1)", {"position 21:", "unknown field 'Föo'"}},
  };
  for (const Case& c : cases) {
    std::string message = CompileError(c.query);
    for (const std::string& part : c.parts) {
      EXPECT_TRUE(Contains(message, part)) << c.query << " → " << message << " lacks " << part;
    }
  }
}

TEST(QueryTest, LengthAndDepthAreLimited) {
  // Given an over-long query or nesting past the limit, compilation refuses it clearly.
  std::string long_query = "Message -eq \"" + std::string(kMaxQueryLength, 'x') + "\"";
  EXPECT_TRUE(Contains(CompileError(long_query), "longer than 4096"));

  std::string deep =
      std::string(kMaxQueryDepth, '(') + "Status -eq 1" + std::string(kMaxQueryDepth, ')');
  ExpectCompiles(
      deep, {std::string(kMaxQueryDepth, '(') + "h.status = ?" + std::string(kMaxQueryDepth, ')'),
             {int64_t{1}}});
  std::string too_deep = "(" + deep + ")";
  EXPECT_TRUE(Contains(CompileError(too_deep), "deeper than 32"));

  std::string nots;
  for (int i = 0; i <= kMaxQueryDepth; ++i) nots += "NOT ";
  EXPECT_TRUE(Contains(CompileError(nots + "Status -eq 1"), "deeper than 32"));
}

TEST(QueryTest, HostileNestingTooLongToCompileNamesTheFirstLevelTooDeep) {
  // Given 10 000 nested parentheses (far over the length limit), the error names the 33rd '('
  // rather than the length; an over-long query nested within the limit is refused for length.
  std::string hostile = std::string(10000, '(') + "Status -eq 1" + std::string(10000, ')');
  EXPECT_EQ(CompileError(hostile), "query error at position 33: nesting is deeper than 32 levels");
  std::string long_but_flat = "(Status -eq 1)";
  while (long_but_flat.size() <= kMaxQueryLength) long_but_flat += " OR (Status -eq 1)";
  EXPECT_EQ(CompileError(long_but_flat),
            "query error at position 4097: the query is longer than 4096 bytes");
}

}  // namespace
}  // namespace orch::jobs
