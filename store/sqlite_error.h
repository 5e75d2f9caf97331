// Turning SQLite failures into Status values. Internal to store/: no header outside this
// folder includes it, so SQLiteCpp stays out of the rest of the tree.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include <SQLiteCpp/Exception.h>

#include "common/status.h"

namespace orch::store::internal {

/// The Status for SQLite result `code` (primary or extended) with SQLite's `message`, about
/// the database at `path`: disk full is ResourceExhausted, an unreadable or unwritable file is
/// Unavailable, a file that is not a database is Internal, and so on.
Status SqliteErrorStatus(int code, std::string_view message, std::string_view path);

/// The Status for an exception thrown while working on the database at `path`.
Status ExceptionStatus(const std::exception& error, std::string_view path);

/// Runs `fn` (returning Status or StatusOr<T>) and returns its result, or the Status of any
/// exception it throws, prefixed with `what` ("reading meta").
template <typename Fn>
auto CatchSqlite(std::string_view path, std::string_view what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& error) {
    return ExceptionStatus(error, path).Context(what);
  } catch (...) {
    return InternalError("unknown exception").Context(what);
  }
}

}  // namespace orch::store::internal
