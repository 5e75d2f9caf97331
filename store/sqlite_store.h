// SqliteStore: orchd's durable state in one SQLite file (WAL mode), brought to the current
// schema by numbered migrations when opened.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/migrations.h"

namespace orch::store {

/// The database behind orchd. No SQLite exception leaves it: every failure is a Status.
/// Not thread-safe: one thread at a time calls its methods.
class SqliteStore {
 public:
  /// The path that opens a private, non-persistent database (for tests).
  static constexpr std::string_view kInMemoryPath = ":memory:";

  /// How to open the database.
  struct Options {
    /// The database file, or kInMemoryPath. Its directory must exist; the file need not.
    std::string path;
    /// `PRAGMA synchronous`: "off", "normal" or "full".
    std::string synchronous = "full";
    /// Recorded as `created_by` in the meta table of a new database.
    std::string orchd_version;
    /// How long a statement waits for another connection's lock before failing.
    std::chrono::milliseconds busy_timeout{5000};
    /// Source of the migration time (`created_at`). Must be non-null; used only by Open().
    const Clock* clock = &SystemClock::Instance();
    /// What the connection is for, when it is one more to a database already opened (the
    /// writer's, a reader's): its opening is logged at debug level under that name.
    std::string further_connection;
  };

  /// Opens (creating with mode 0600 when absent) and migrates the database at options.path.
  /// Refuses, without touching the file, a database whose schema is newer than `migrations`,
  /// and one it cannot write (a read-only file or filesystem: InsufficientStorage).
  /// Applies all missing migrations in one transaction: on failure the database keeps its
  /// old version. REQUIRES: `migrations` are versions 1, 2, ... in order.
  static StatusOr<std::unique_ptr<SqliteStore>> Open(
      const Options& options, const std::vector<Migration>& migrations = SchemaMigrations());

  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  /// The schema version (`PRAGMA user_version`) the database was brought to by Open().
  int schema_version() const;
  /// The path the store was opened with.
  const std::string& path() const;

  /// Ok when the database answers a query at the expected schema version.
  Status CheckHealth();
  /// Copies the WAL into the database file and truncates it (clean shutdown). Unavailable
  /// when readers kept the checkpoint from finishing.
  Status Checkpoint();
  /// The meta value for `key` ("created_at", "created_by"), or nullopt when absent.
  StatusOr<std::optional<std::string>> GetMeta(std::string_view key);

  /// The connection and its state; defined in store/sqlite_store_impl.h for store/*.cc only.
  struct Impl;
  /// The connection, for the query files of store/ (agent_store.cc, ...) only.
  Impl& impl() { return *impl_; }

 private:
  explicit SqliteStore(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace orch::store
