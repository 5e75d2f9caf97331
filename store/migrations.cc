#include "store/migrations.h"

namespace orch::store {

// APPEND-ONLY. A migration that has been released is never edited, reordered or removed:
// databases in the field already carry its version number in `PRAGMA user_version`, and the
// next orchd decides what to apply from that number alone. Fix a released mistake with a new
// migration at the end of the list.
const std::vector<Migration>& SchemaMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "foundation: meta table recording when and by which orchd the database was created",
       R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES
  ('created_at', :now),
  ('created_by', :orchd_version);
)sql"},
  };
  return kMigrations;
}

}  // namespace orch::store
