// The inside of SqliteStore, shared by the store/*.cc files that hold its queries. Internal
// to store/: it exposes SQLiteCpp, which the rest of the tree never sees.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <SQLiteCpp/Database.h>

#include "store/sqlite_error.h"
#include "store/sqlite_store.h"
#include "store/statement_cache.h"

namespace orch::store {

struct SqliteStore::Impl {
  Impl(std::string path_in, SQLite::Database db_in)
      : path(std::move(path_in)), db(std::move(db_in)) {}

  /// Runs `fn` against the database, turning any exception into a Status prefixed by `what`.
  template <typename Fn>
  auto Run(std::string_view what, Fn&& fn) -> decltype(fn()) {
    return internal::CatchSqlite(path, what, std::forward<Fn>(fn), db.getHandle());
  }

  /// A prepared statement for `sql` from the cache, returned to it at the end of its scope.
  internal::CachedStatement Prepare(std::string sql) {
    return internal::CachedStatement(statements, db, std::move(sql));
  }

  std::string path;
  SQLite::Database db;
  int schema_version = 0;
  // Declared after db: its statements are finalized before the connection closes.
  internal::StatementCache statements;
};

}  // namespace orch::store
