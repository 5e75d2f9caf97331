#include "tests/e2e/db_content.h"

#include <sqlite3.h>

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

namespace orch::e2e {
namespace {

// The rows that `sql` answers, each as its columns joined by '|', NULL shown as "∅".
std::vector<std::string> Rows(sqlite3* db, const std::string& sql) {
  std::vector<std::string> rows;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) return rows;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(statement); ++i) {
      if (i > 0) row += '|';
      const void* blob = sqlite3_column_blob(statement, i);
      if (blob == nullptr) {
        row += "∅";
      } else {
        row.append(static_cast<const char*>(blob), sqlite3_column_bytes(statement, i));
      }
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(statement);
  return rows;
}

// A read-only connection to `path`, or null (closed) when it cannot be opened.
sqlite3* OpenReadOnly(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

}  // namespace

std::string DatabaseContent(const std::string& path) {
  sqlite3* db = OpenReadOnly(path);
  if (db == nullptr) return "";
  std::string content;
  for (const std::string& table :
       Rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
    std::vector<std::string> rows = Rows(db, "SELECT * FROM \"" + table + "\"");
    std::sort(rows.begin(), rows.end());
    content += "== " + table + "\n";
    for (const std::string& row : rows) content += row + "\n";
  }
  sqlite3_close(db);
  return content;
}

std::vector<std::string> QueryColumn(const std::string& path, const std::string& sql) {
  sqlite3* db = OpenReadOnly(path);
  std::vector<std::string> rows;
  if (db == nullptr) {
    ADD_FAILURE() << "cannot open " << path;
    return rows;
  }
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  while (statement != nullptr && sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    rows.push_back(text ? reinterpret_cast<const char*>(text) : "");
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = OpenReadOnly(path);
  if (db == nullptr) return "";
  std::string answer;
  for (const std::string& line : Rows(db, "PRAGMA integrity_check")) {
    answer += (answer.empty() ? "" : "\n") + line;
  }
  sqlite3_close(db);
  return answer;
}

}  // namespace orch::e2e
