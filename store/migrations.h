// The schema of orchd's database as an ordered list of numbered migrations.
#pragma once

#include <string_view>
#include <vector>

namespace orch::store {

/// One step of the schema. `sql` is one or more statements run inside the migration
/// transaction; it may name the parameters `:now` (the wall time of the migration, ISO 8601
/// UTC) and `:orchd_version` (SqliteStore::Options::orchd_version), and no others.
/// REQUIRES: `sql` is transactional (no VACUUM, no journal_mode or foreign_keys pragmas).
struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

/// orchd's migrations, versions 1, 2, 3... in order; the last one is the schema this build
/// supports. Released migrations are never edited, only appended to.
const std::vector<Migration>& SchemaMigrations();

}  // namespace orch::store
