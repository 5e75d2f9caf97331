// WriteTransaction: the transaction of one store write. At the top level it is a
// `BEGIN IMMEDIATE … COMMIT` of its own; inside a transaction that is already open (the group
// commit of the WriteExecutor) it is a savepoint, so the write stays all-or-nothing while its
// commit to disk is shared with the other writes of the group. Internal to store/.
#pragma once

#include <sqlite3.h>

#include <SQLiteCpp/Database.h>

namespace orch::store::internal {

class WriteTransaction {
 public:
  explicit WriteTransaction(SQLite::Database& db)
      : db_(db), nested_(sqlite3_get_autocommit(db.getHandle()) == 0) {
    db_.exec(nested_ ? "SAVEPOINT write" : "BEGIN IMMEDIATE");
  }
  /// Rolls back unless commit() was called. Never throws.
  ~WriteTransaction() {
    if (done_) return;
    try {
      if (nested_) {
        db_.exec("ROLLBACK TO write");
        db_.exec("RELEASE write");
      } else {
        db_.exec("ROLLBACK");
      }
    } catch (...) {  // NOLINT(bugprone-empty-catch): the connection reports the next failure
    }
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  /// Commits the write (at the top level) or folds it into the enclosing transaction.
  void commit() {
    db_.exec(nested_ ? "RELEASE write" : "COMMIT");
    done_ = true;
  }

 private:
  SQLite::Database& db_;
  const bool nested_;
  bool done_ = false;
};

}  // namespace orch::store::internal
