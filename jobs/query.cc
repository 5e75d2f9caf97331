#include "jobs/query.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "common/guid.h"
#include "jobs/ascii.h"
#include "jobs/iso_time.h"

namespace orch::jobs {
namespace {

struct Token {
  enum Kind { kEnd, kWord, kString, kOperator, kLeftParen, kRightParen };
  Kind kind = kEnd;
  std::string text;     // a word as written, an operator without its '-', a string decoded
  size_t position = 0;  // 1-based character position in the query
};

enum class Op { kEq, kNe, kGt, kGe, kLt, kLe, kContains, kStartsWith, kEndsWith };

struct OpInfo {
  std::string_view name;
  Op op;
  std::string_view sql;  // the comparison for the ordering operators
};

constexpr OpInfo kOps[] = {
    {"eq", Op::kEq, "="},
    {"ne", Op::kNe, "IS NOT"},
    {"gt", Op::kGt, ">"},
    {"ge", Op::kGe, ">="},
    {"lt", Op::kLt, "<"},
    {"le", Op::kLe, "<="},
    {"contains", Op::kContains, ""},
    {"startswith", Op::kStartsWith, ""},
    {"endswith", Op::kEndsWith, ""},
};

constexpr std::string_view kOpList =
    "-eq, -ne, -gt, -ge, -lt, -le, -contains, -startswith, -endswith";

bool IsLike(Op op) {
  return op == Op::kContains || op == Op::kStartsWith || op == Op::kEndsWith;
}

// A value quoted in a message, cut short so a huge value cannot flood it.
std::string Quoted(std::string_view text) {
  if (text.size() > 40) return "'" + std::string(text.substr(0, 37)) + "...'";
  return "'" + std::string(text) + "'";
}

Status QueryError(size_t position, const std::string& message) {
  return InvalidArgumentError("query error at position " + std::to_string(position) + ": " +
                              message)
      .WithField("pq.queryString");
}

// "(left op right)"; every combination is parenthesised so SQL precedence never matters.
std::string Parenthesised(std::string_view left, std::string_view op, std::string_view right) {
  std::string out;
  out.reserve(left.size() + op.size() + right.size() + 2);
  out.append("(").append(left).append(op).append(right).append(")");
  return out;
}

// Splits the query into tokens, remembering where each starts.
class Lexer {
 public:
  explicit Lexer(std::string_view query) : query_(query) {}

  StatusOr<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      while (offset_ < query_.size() && IsSpace(query_[offset_])) ++offset_;
      if (offset_ == query_.size()) break;
      ORCH_ASSIGN_OR_RETURN(Token token, ReadToken());
      tokens.push_back(std::move(token));
    }
    tokens.push_back(Token{Token::kEnd, "", Position(query_.size())});
    return tokens;
  }

 private:
  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
  static bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
  static bool EndsWord(char c) { return IsSpace(c) || c == '(' || c == ')' || c == '"'; }

  // Characters, not bytes: UTF-8 continuation bytes do not count.
  size_t Position(size_t offset) const {
    size_t chars = 0;
    for (size_t i = 0; i < offset; ++i) {
      if ((static_cast<unsigned char>(query_[i]) & 0xC0) != 0x80) ++chars;
    }
    return chars + 1;
  }

  StatusOr<Token> ReadToken() {
    size_t start = offset_;
    char c = query_[offset_];
    if (c == '(' || c == ')') {
      ++offset_;
      return Token{c == '(' ? Token::kLeftParen : Token::kRightParen, std::string(1, c),
                   Position(start)};
    }
    if (c == '"') return ReadString();
    if (c == '-' && offset_ + 1 < query_.size() && IsAlpha(query_[offset_ + 1])) {
      ++offset_;
      while (offset_ < query_.size() && IsAlpha(query_[offset_])) ++offset_;
      return Token{Token::kOperator, std::string(query_.substr(start + 1, offset_ - start - 1)),
                   Position(start)};
    }
    while (offset_ < query_.size() && !EndsWord(query_[offset_])) ++offset_;
    return Token{Token::kWord, std::string(query_.substr(start, offset_ - start)), Position(start)};
  }

  // \" and \\ are escapes; any other backslash is kept, so Windows paths need no doubling.
  StatusOr<Token> ReadString() {
    size_t start = offset_++;
    std::string value;
    while (offset_ < query_.size()) {
      char c = query_[offset_++];
      if (c == '"') return Token{Token::kString, std::move(value), Position(start)};
      if (c == '\\' && offset_ < query_.size() &&
          (query_[offset_] == '"' || query_[offset_] == '\\')) {
        c = query_[offset_++];
      }
      value += c;
    }
    return QueryError(Position(start), "unterminated string: the '\"' here is never closed");
  }

  std::string_view query_;
  size_t offset_ = 0;
};

// Recursive descent over the tokens; builds the SQL text and the parameters left to right, so
// the `?` placeholders and `params` stay in the same order.
class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::vector<QueryField>& fields)
      : tokens_(std::move(tokens)), fields_(fields) {}

  StatusOr<SqlFilter> Run() {
    if (Peek().kind == Token::kEnd) return SqlFilter{};
    ORCH_ASSIGN_OR_RETURN(std::string sql, ParseOr(0));
    const Token& rest = Peek();
    if (rest.kind == Token::kRightParen) {
      return QueryError(rest.position, "unbalanced parentheses: this ')' has no matching '('");
    }
    if (rest.kind != Token::kEnd) {
      return QueryError(rest.position, "unexpected " + Quoted(rest.text) +
                                           "; expected AND, OR or the end of the query");
    }
    return SqlFilter{std::move(sql), std::move(params_),
                     top_has_or_ ? std::vector<SqlFilter::LowerBound>() : std::move(top_bounds_)};
  }

 private:
  const Token& Peek() const { return tokens_[next_]; }
  const Token& Next() { return tokens_[next_ < tokens_.size() - 1 ? next_++ : next_]; }

  bool IsKeyword(const Token& token, std::string_view keyword) const {
    return token.kind == Token::kWord && EqualsIgnoreCase(token.text, keyword);
  }
  bool IsAnyKeyword(const Token& token) const {
    return IsKeyword(token, "AND") || IsKeyword(token, "OR") || IsKeyword(token, "NOT");
  }

  // After AND, OR or NOT there must be something to apply it to.
  Status ExpectOperand(const Token& keyword) const {
    const Token& next = Peek();
    if (next.kind == Token::kEnd || next.kind == Token::kRightParen || IsKeyword(next, "AND") ||
        IsKeyword(next, "OR")) {
      return QueryError(keyword.position, keyword.text + " needs a term after it");
    }
    return Status::Ok();
  }

  StatusOr<std::string> ParseOr(int depth) {
    ORCH_ASSIGN_OR_RETURN(std::string sql, ParseAnd(depth));
    while (IsKeyword(Peek(), "OR")) {
      if (depth == 0) top_has_or_ = true;
      ORCH_RETURN_IF_ERROR(ExpectOperand(Next()));
      ORCH_ASSIGN_OR_RETURN(std::string right, ParseAnd(depth));
      sql = Parenthesised(sql, " OR ", right);
    }
    return sql;
  }

  StatusOr<std::string> ParseAnd(int depth) {
    ORCH_ASSIGN_OR_RETURN(std::string sql, ParseUnary(depth));
    NoteTopBound(depth);
    while (IsKeyword(Peek(), "AND")) {
      ORCH_RETURN_IF_ERROR(ExpectOperand(Next()));
      ORCH_ASSIGN_OR_RETURN(std::string right, ParseUnary(depth));
      NoteTopBound(depth);
      sql = Parenthesised(sql, " AND ", right);
    }
    return sql;
  }

  // A lower bound set by the unary just parsed counts when that unary is a term of the
  // query's top level.
  void NoteTopBound(int depth) {
    if (depth == 0 && term_bound_) top_bounds_.push_back(*std::move(term_bound_));
    term_bound_.reset();
  }

  StatusOr<std::string> ParseUnary(int depth) {
    const Token& token = Peek();
    if (IsKeyword(token, "NOT")) {
      ORCH_RETURN_IF_ERROR(CheckDepth(token, depth));
      ORCH_RETURN_IF_ERROR(ExpectOperand(Next()));
      ORCH_ASSIGN_OR_RETURN(std::string operand, ParseUnary(depth + 1));
      term_bound_.reset();  // a negated bound bounds nothing
      return "NOT (" + operand + ")";
    }
    switch (token.kind) {
      case Token::kLeftParen: {
        ORCH_ASSIGN_OR_RETURN(std::string group, ParseGroup(depth));
        term_bound_.reset();
        return group;
      }
      case Token::kRightParen:
        return QueryError(token.position, "unbalanced parentheses: this ')' has no matching '('");
      case Token::kEnd:
        return QueryError(token.position, "the query ends where a term is expected");
      case Token::kWord:
        if (IsAnyKeyword(token)) {
          return QueryError(token.position, token.text + " needs a term before it");
        }
        return ParseTerm();
      default:
        return QueryError(token.position,
                          "expected a field name, '(' or NOT, found " + Quoted(token.text));
    }
  }

  Status CheckDepth(const Token& token, int depth) const {
    if (depth < kMaxQueryDepth) return Status::Ok();
    return QueryError(token.position,
                      "nesting is deeper than " + std::to_string(kMaxQueryDepth) + " levels");
  }

  StatusOr<std::string> ParseGroup(int depth) {
    const Token& open = Next();
    ORCH_RETURN_IF_ERROR(CheckDepth(open, depth));
    if (Peek().kind == Token::kRightParen) {
      return QueryError(open.position, "empty parentheses");
    }
    ORCH_ASSIGN_OR_RETURN(std::string inner, ParseOr(depth + 1));
    const Token& close = Peek();
    if (close.kind == Token::kEnd) {
      return QueryError(open.position, "unbalanced parentheses: this '(' is never closed");
    }
    if (close.kind != Token::kRightParen) {
      return QueryError(close.position,
                        "unexpected " + Quoted(close.text) + "; expected AND, OR or ')'");
    }
    Next();
    return "(" + inner + ")";
  }

  StatusOr<std::string> ParseTerm() {
    const Token& name = Next();
    ORCH_ASSIGN_OR_RETURN(const QueryField* field, FindField(name));
    const Token& op_token = Peek();
    if (op_token.kind != Token::kOperator) {
      return QueryError(op_token.position, "expected an operator after field '" + field->name +
                                               "'; one of " + std::string(kOpList));
    }
    Next();
    auto op = std::find_if(std::begin(kOps), std::end(kOps), [&](const OpInfo& info) {
      return EqualsIgnoreCase(info.name, op_token.text);
    });
    if (op == std::end(kOps)) {
      return QueryError(op_token.position, "unknown operator " + Quoted("-" + op_token.text) +
                                               "; expected one of " + std::string(kOpList));
    }
    const Token& value = Peek();
    if (value.kind != Token::kString && (value.kind != Token::kWord || IsAnyKeyword(value))) {
      return QueryError(value.position, "missing value after -" + std::string(op->name) +
                                            " (values are double-quoted, e.g. \"text\")");
    }
    Next();
    return CompileTerm(*field, *op, value);
  }

  StatusOr<const QueryField*> FindField(const Token& name) const {
    for (const QueryField& field : fields_) {
      if (EqualsIgnoreCase(field.name, name.text)) return &field;
    }
    std::string allowed;
    for (const QueryField& field : fields_) allowed += (allowed.empty() ? "" : ", ") + field.name;
    return QueryError(name.position,
                      "unknown field " + Quoted(name.text) + "; allowed fields: " + allowed);
  }

  StatusOr<std::string> CompileTerm(const QueryField& field, const OpInfo& op, const Token& value);
  std::string BindLike(const std::string& column, Op op, std::string_view value);
  StatusOr<SqlValue> IntegerValue(const QueryField& field, const Token& value) const;
  StatusOr<SqlValue> TimeValue(const QueryField& field, const Token& value) const;
  StatusOr<std::string> GuidValue(const QueryField& field, const OpInfo& op,
                                  const Token& value) const;

  std::vector<Token> tokens_;
  const std::vector<QueryField>& fields_;
  size_t next_ = 0;
  std::vector<SqlValue> params_;
  // The lower bound of the term just compiled, if it is one; those of the top level's terms.
  std::optional<SqlFilter::LowerBound> term_bound_;
  std::vector<SqlFilter::LowerBound> top_bounds_;
  bool top_has_or_ = false;
};

// Escapes the LIKE wildcards and the escape character itself, then adds the pattern's own %.
std::string LikePattern(Op op, std::string_view value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '%' || c == '_') escaped += '\\';
    escaped += c;
  }
  if (op == Op::kContains) return "%" + escaped + "%";
  if (op == Op::kStartsWith) return escaped + "%";
  return "%" + escaped;
}

Status OperatorNotAllowed(const QueryField& field, const OpInfo& op, size_t position,
                          std::string_view kind) {
  return QueryError(position, "operator -" + std::string(op.name) + " does not apply to " +
                                  std::string(kind) + " field '" + field.name + "'");
}

StatusOr<SqlValue> Parser::IntegerValue(const QueryField& field, const Token& value) const {
  for (const auto& [symbol, number] : field.symbols) {
    if (EqualsIgnoreCase(symbol, value.text)) return SqlValue(number);
  }
  std::string_view text = value.text;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    std::string names;
    for (const auto& [symbol, n] : field.symbols) names += (names.empty() ? "" : ", ") + symbol;
    return QueryError(value.position, "field '" + field.name + "' takes an integer" +
                                          (names.empty() ? "" : " or one of " + names) + ", not " +
                                          Quoted(value.text));
  }
  return SqlValue(number);
}

// ISO 8601, or a bare date meaning its midnight UTC; bound as Unix milliseconds.
StatusOr<SqlValue> Parser::TimeValue(const QueryField& field, const Token& value) const {
  std::string text = value.text;
  if (text.size() == 10) text += "T00:00Z";
  StatusOr<WallTime> time = ParseIsoTime(text);
  if (!time.ok()) {
    return QueryError(value.position, "field '" + field.name +
                                          "' takes an ISO 8601 time such "
                                          "as 2026-11-22T13:30:00Z, not " +
                                          Quoted(value.text));
  }
  return SqlValue(ToUnixMillis(*time));
}

StatusOr<std::string> Parser::GuidValue(const QueryField& field, const OpInfo& op,
                                        const Token& value) const {
  if (!IsLike(op.op)) {
    if (!IsGuid(value.text)) {
      return QueryError(value.position,
                        "field '" + field.name + "' takes a GUID, not " + Quoted(value.text));
    }
    return AsciiLowercase(value.text);
  }
  bool hex = std::all_of(value.text.begin(), value.text.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == '-';
  });
  if (!hex) {
    return QueryError(value.position, "field '" + field.name +
                                          "' holds GUIDs; only hex digits and '-' can match, not " +
                                          Quoted(value.text));
  }
  return AsciiLowercase(value.text);
}

StatusOr<std::string> Parser::CompileTerm(const QueryField& field, const OpInfo& op,
                                          const Token& value) {
  const std::string& column = field.column;
  switch (field.type) {
    case QueryField::kText:
      if (IsLike(op.op)) return BindLike(column, op.op, value.text);
      params_.push_back(value.text);
      return column + " " + std::string(op.sql) + " ? COLLATE NOCASE";
    case QueryField::kInteger:
    case QueryField::kTime: {
      std::string_view kind = field.type == QueryField::kTime ? "time" : "integer";
      if (IsLike(op.op)) return OperatorNotAllowed(field, op, value.position, kind);
      ORCH_ASSIGN_OR_RETURN(SqlValue bound, field.type == QueryField::kTime
                                                ? TimeValue(field, value)
                                                : IntegerValue(field, value));
      if (op.op == Op::kGe || op.op == Op::kGt) {
        term_bound_ = SqlFilter::LowerBound{column, std::get<int64_t>(bound)};
      }
      params_.push_back(std::move(bound));
      return column + " " + std::string(op.sql) + " ?";
    }
    case QueryField::kGuid: {
      if (!IsLike(op.op) && op.op != Op::kEq && op.op != Op::kNe) {
        return OperatorNotAllowed(field, op, value.position, "GUID");
      }
      ORCH_ASSIGN_OR_RETURN(std::string guid, GuidValue(field, op, value));
      if (IsLike(op.op)) return BindLike(column, op.op, guid);
      params_.emplace_back(std::in_place_type<std::string>, std::move(guid));
      return column + " " + std::string(op.sql) + " ?";
    }
  }
  return InternalError("query field '" + field.name + "' has an unknown type");
}

// The LIKE operators: the value goes into the pattern parameter, escaped; the SQL text only
// names the escape character.
std::string Parser::BindLike(const std::string& column, Op op, std::string_view value) {
  params_.push_back(LikePattern(op, value));
  return column + " LIKE ? ESCAPE '\\'";
}

// Why a query longer than kMaxQueryLength is refused: the first '(' nested too deeply within
// its first kMaxQueryLength bytes when there is one (the likelier mistake, or attack), since
// that is the more useful answer; otherwise its length.
Status TooLong(std::string_view query) {
  StatusOr<std::vector<Token>> tokens = Lexer(query.substr(0, kMaxQueryLength)).Run();
  int depth = 0;
  for (const Token& token : tokens.ok() ? *tokens : std::vector<Token>()) {
    if (token.kind == Token::kRightParen) --depth;
    if (token.kind != Token::kLeftParen) continue;
    if (++depth > kMaxQueryDepth) {
      return QueryError(token.position,
                        "nesting is deeper than " + std::to_string(kMaxQueryDepth) + " levels");
    }
  }
  return QueryError(kMaxQueryLength + 1,
                    "the query is longer than " + std::to_string(kMaxQueryLength) + " bytes");
}

}  // namespace

StatusOr<SqlFilter> CompileQuery(std::string_view query, const std::vector<QueryField>& fields) {
  if (query.size() > kMaxQueryLength) return TooLong(query);
  ORCH_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lexer(query).Run());
  return Parser(std::move(tokens), fields).Run();
}

}  // namespace orch::jobs
