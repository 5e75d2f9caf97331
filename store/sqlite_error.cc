#include "store/sqlite_error.h"

#include <sqlite3.h>

namespace orch::store::internal {
namespace {

std::string Describe(std::string_view path, std::string_view problem, std::string_view message) {
  std::string out = "database ";
  out.append(path).append(" ").append(problem);
  if (!message.empty()) out.append(" (").append(message).append(")");
  return out;
}

}  // namespace

Status SqliteErrorStatus(int code, std::string_view message, std::string_view path) {
  // Extended codes (SQLITE_IOERR_WRITE...) carry their primary code in the low byte.
  switch (code & 0xff) {
    case SQLITE_FULL:
      return ResourceExhaustedError("disk full: " + Describe(path, "cannot grow", message));
    case SQLITE_READONLY: return UnavailableError(Describe(path, "is read-only", message));
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

Status ExceptionStatus(const std::exception& error, std::string_view path) {
  if (const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&error)) {
    // The extended code is -1 when SQLiteCpp raised the error without a connection.
    const int code = sqlite->getExtendedErrorCode() >= 0 ? sqlite->getExtendedErrorCode()
                                                         : sqlite->getErrorCode();
    return SqliteErrorStatus(code, sqlite->what(), path);
  }
  return InternalError(Describe(path, "failed", error.what()));
}

}  // namespace orch::store::internal
