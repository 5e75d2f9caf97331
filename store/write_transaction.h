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
  explicit WriteTransaction(SqliteStore::Impl& impl)
      : impl_(impl), nested_(sqlite3_get_autocommit(impl.db.getHandle()) == 0) {
    Exec(nested_ ? "SAVEPOINT write" : "BEGIN IMMEDIATE");
  }
  /// Rolls back unless commit() was called. Never throws.
  ~WriteTransaction() {
    if (done_) return;
    try {
      if (nested_) {
        Exec("ROLLBACK TO write");
        Exec("RELEASE write");
      } else {
        Exec("ROLLBACK");
      }
    } catch (...) {  // NOLINT(bugprone-empty-catch): the connection reports the next failure
    }
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  /// Commits the write (at the top level) or folds it into the enclosing transaction.
  void commit() {
    Exec(nested_ ? "RELEASE write" : "COMMIT");
    done_ = true;
  }

 private:
  // Transaction statements run for every write: they are kept prepared.
  void Exec(const char* sql) { impl_.Prepare(sql).exec(); }

  SqliteStore::Impl& impl_;
  const bool nested_;
  bool done_ = false;
};

}  // namespace orch::store::internal
