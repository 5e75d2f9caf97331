// Prepared statements kept for reuse. Preparing a statement costs more than running most of
// the store's statements once, so the hot paths (Add, firing, delivery, the agent calls) take
// their statements from this cache instead of preparing them each time. Internal to store/.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace orch::store::internal {

/// Idle prepared statements of one connection, by SQL text. Same threading as the connection.
class StatementCache {
 public:
  /// Most idle statements kept; past it the cache starts over (statements built from query
  /// strings vary without end, the hot ones come back at once).
  static constexpr size_t kMaxIdle = 256;

  /// An idle statement for `sql`, or a newly prepared one.
  std::unique_ptr<SQLite::Statement> Take(SQLite::Database& db, const std::string& sql);
  /// Returns `statement` (reset, bindings cleared) for reuse; drops it when it cannot be reset.
  void Give(const std::string& sql, std::unique_ptr<SQLite::Statement> statement);
  /// Finalizes every idle statement (before the connection closes).
  void Clear();

  size_t idle() const { return idle_; }

 private:
  std::unordered_map<std::string, std::vector<std::unique_ptr<SQLite::Statement>>> free_;
  size_t idle_ = 0;
};

/// A statement taken from a cache for one use; it goes back when this goes out of scope.
/// Two of the same SQL may be in use at once: the second is prepared anew.
class CachedStatement {
 public:
  CachedStatement(StatementCache& cache, SQLite::Database& db, std::string sql)
      : cache_(cache), sql_(std::move(sql)), statement_(cache.Take(db, sql_)) {}
  ~CachedStatement() { cache_.Give(sql_, std::move(statement_)); }
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;

  operator SQLite::Statement&() { return *statement_; }  // NOLINT: used as a Statement

  template <typename... Args>
  void bind(Args&&... args) {
    statement_->bind(std::forward<Args>(args)...);
  }
  int exec() { return statement_->exec(); }
  bool executeStep() { return statement_->executeStep(); }
  SQLite::Column getColumn(int index) { return statement_->getColumn(index); }
  void reset() { statement_->reset(); }

 private:
  StatementCache& cache_;
  std::string sql_;
  std::unique_ptr<SQLite::Statement> statement_;
};

}  // namespace orch::store::internal
