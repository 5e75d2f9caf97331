#include "store/sqlite_error.h"

#include <sqlite3.h>

#include <cerrno>

namespace orch::store::internal {
namespace {

std::string Describe(std::string_view path, std::string_view problem, std::string_view message) {
  std::string out = "database ";
  out.append(path).append(" ").append(problem);
  if (!message.empty()) out.append(" (").append(message).append(")");
  return out;
}

bool IsDiskFull(int system_error) {
  return system_error == ENOSPC || system_error == EDQUOT;
}

// The errno of the failed system call behind an error on `handle`. SQLite's own record of it
// (sqlite3_system_errno) is often lost by the time the error surfaces; each file, the WAL (or
// journal) and the database, keeps the errno of its last failure.
int SystemError(sqlite3* handle) {
  int error = sqlite3_system_errno(handle);
  sqlite3_file* journal = nullptr;
  if (error == 0 &&
      sqlite3_file_control(handle, "main", SQLITE_FCNTL_JOURNAL_POINTER, &journal) == SQLITE_OK &&
      journal != nullptr && journal->pMethods != nullptr) {
    journal->pMethods->xFileControl(journal, SQLITE_FCNTL_LAST_ERRNO, &error);
  }
  if (error == 0) sqlite3_file_control(handle, "main", SQLITE_FCNTL_LAST_ERRNO, &error);
  return error;
}

}  // namespace

Status SqliteErrorStatus(int code, std::string_view message, std::string_view path,
                         int system_error) {
  // SQLite reports most failed system calls as I/O errors (a quota's EDQUOT on write, ENOSPC
  // on fsync, EROFS on opening the journal); the errno behind them tells a full or read-only
  // disk from a failing one.
  const int primary = code & 0xff;
  if (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) {
    if (IsDiskFull(system_error)) code = SQLITE_FULL;
    if (system_error == EROFS) code = SQLITE_READONLY;
  }
  // Extended codes (SQLITE_IOERR_WRITE...) carry their primary code in the low byte.
  switch (code & 0xff) {
    // Both last until an operator acts, and reads still work: 507, not an overload's 503.
    case SQLITE_FULL:
      return InsufficientStorageError("disk full: " + Describe(path, "cannot grow", message));
    case SQLITE_READONLY:
      return InsufficientStorageError("read-only: " + Describe(path, "cannot be written", message));
    case SQLITE_CANTOPEN: return UnavailableError(Describe(path, "cannot be opened", message));
    case SQLITE_IOERR: return UnavailableError(Describe(path, "had an I/O error", message));
    case SQLITE_PERM:
    case SQLITE_AUTH: return UnavailableError(Describe(path, "cannot be accessed", message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(Describe(path, "is locked by another connection", message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      // Status has no DataLoss code; Internal keeps it out of the retryable codes.
      return InternalError(Describe(path, "is not an orchd database or corrupted", message));
    default: return InternalError(Describe(path, "failed", message));
  }
}

Status ExceptionStatus(const std::exception& error, std::string_view path, sqlite3* handle) {
  if (const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&error)) {
    // The extended code is -1 when SQLiteCpp raised the error without a connection.
    const int code = sqlite->getExtendedErrorCode() >= 0 ? sqlite->getExtendedErrorCode()
                                                         : sqlite->getErrorCode();
    const int system_error = handle != nullptr ? SystemError(handle) : 0;
    return SqliteErrorStatus(code, sqlite->what(), path, system_error);
  }
  return InternalError(Describe(path, "failed", error.what()));
}

}  // namespace orch::store::internal
