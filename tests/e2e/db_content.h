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

}  // namespace orch::e2e
