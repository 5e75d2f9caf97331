// Turning SQLite failures into Status values. Internal to store/: no header outside this
// folder includes it, so SQLiteCpp stays out of the rest of the tree.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include <SQLiteCpp/Exception.h>

#include "common/status.h"

struct sqlite3;

namespace orch::store::internal {

/// The Status for SQLite result `code` (primary or extended) with SQLite's `message`, about
/// the database at `path`; `system_error` is the errno of the failed system call behind it,
/// 0 when unknown. A full disk or quota (SQLITE_FULL, ENOSPC, EDQUOT)
/// and a read-only database or filesystem (SQLITE_READONLY, EROFS) are InsufficientStorage,
/// other unreadable or unwritable files Unavailable, a file that is not a database Internal.
Status SqliteErrorStatus(int code, std::string_view message, std::string_view path,
                         int system_error = 0);

/// The Status for an exception thrown while working on the database at `path` through the
/// connection `handle` (null when there is none).
Status ExceptionStatus(const std::exception& error, std::string_view path,
                       sqlite3* handle = nullptr);

/// Runs `fn` (returning Status or StatusOr<T>) and returns its result, or the Status of any
/// exception it throws, prefixed with `what` ("reading meta"). `handle`, when given, is the
/// connection `fn` works on, asked for the system error behind a failure.
template <typename Fn>
auto CatchSqlite(std::string_view path, std::string_view what, Fn&& fn, sqlite3* handle = nullptr)
    -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& error) {
    return ExceptionStatus(error, path, handle).Context(what);
  } catch (...) {
    return InternalError("unknown exception").Context(what);
  }
}

}  // namespace orch::store::internal
