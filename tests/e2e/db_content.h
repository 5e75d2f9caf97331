// End-to-end support: what a live orchd database holds, read through a separate read-only
// SQLite connection, so a test can show that a refused request changed nothing.
#pragma once

#include <string>
#include <vector>

namespace orch::e2e {

/// Every row of every table of the SQLite database at `path`, one line per row, tables in name
/// order and rows sorted; "" when the database cannot be read.
std::string DatabaseContent(const std::string& path);

/// The first column of every row that `sql` answers on the database at `path` (NULL as ""),
/// read through a read-only connection; a database or statement that fails is a test failure.
std::vector<std::string> QueryColumn(const std::string& path, const std::string& sql);

/// What `PRAGMA integrity_check` answers for the SQLite database at `path`, its lines joined
/// by newlines: "ok" for a sound database; "" when the database cannot be opened.
std::string IntegrityCheck(const std::string& path);

}  // namespace orch::e2e
