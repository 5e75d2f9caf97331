#include "store/statement_cache.h"

namespace orch::store::internal {

std::unique_ptr<SQLite::Statement> StatementCache::Take(SQLite::Database& db,
                                                        const std::string& sql) {
  if (auto it = free_.find(sql); it != free_.end() && !it->second.empty()) {
    std::unique_ptr<SQLite::Statement> statement = std::move(it->second.back());
    it->second.pop_back();
    --idle_;
    return statement;
  }
  return std::make_unique<SQLite::Statement>(db, sql);
}

void StatementCache::Give(const std::string& sql, std::unique_ptr<SQLite::Statement> statement) {
  if (!statement) return;
  // reset() reports the last step's error again; such a statement is not kept.
  if (statement->tryReset() != SQLite::OK) return;
  try {
    statement->clearBindings();
  } catch (const SQLite::Exception&) {
    return;
  }
  if (idle_ >= kMaxIdle) Clear();
  free_[sql].push_back(std::move(statement));
  ++idle_;
}

void StatementCache::Clear() {
  free_.clear();
  idle_ = 0;
}

}  // namespace orch::store::internal
