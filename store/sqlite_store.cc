#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <utility>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "common/atomic_file.h"
#include "common/file_io.h"
#include "common/logging.h"
#include "store/migration_runner.h"
#include "store/sqlite_error.h"
#include "store/sqlite_store_impl.h"

namespace orch::store {
namespace {

bool IsInMemory(const std::string& path) {
  return path == SqliteStore::kInMemoryPath;
}

Status ValidateOptions(const SqliteStore::Options& options) {
  if (options.path.empty()) return InvalidArgumentError("store path is empty");
  if (options.synchronous != "off" && options.synchronous != "normal" &&
      options.synchronous != "full") {
    return InvalidArgumentError("store synchronous must be off, normal or full, not \"" +
                                options.synchronous + "\"");
  }
  if (options.clock == nullptr) return InvalidArgumentError("store clock is null");
  return Status::Ok();
}

std::string FormatUtc(WallTime time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const size_t length = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, length);
}

std::string ParentDirectory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// Creates the file ourselves because SQLite would create it with the umask's mode (usually
// 0644); the database holds secrets' hashes and encrypted keys, so it is 0600. SQLite gives
// the -wal and -shm files the mode of the database file.
Status CreateFileIfAbsent(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.Valid() && errno == EEXIST) return Status::Ok();
  if (!fd.Valid() && (errno == ENOENT || errno == ENOTDIR)) {
    return UnavailableError("cannot create database " + path + ": directory " +
                            ParentDirectory(path) + " does not exist");
  }
  // A full or read-only disk keeps its code (InsufficientStorage) for the operator.
  if (!fd.Valid()) return ErrnoStatus("cannot create database", path, errno);
  if (fd.Close() != 0) return ErrnoStatus("cannot create database", path, errno);
  // The new file's directory entry is durable only once its directory is synced.
  ORCH_RETURN_IF_ERROR(SyncDirectory(ParentDirectory(path)).Context("creating database " + path));
  GetLogger("store")->info("created database file {}", path);
  return Status::Ok();
}

// SQLite keeps memory statistics under one process-wide mutex taken on every allocation, so
// the loop's, the writer's and the readers' connections contend for it (and wake each other)
// on every query; orchd never reads them. This must come before SQLite initializes, at the
// first connection; later it is refused and changes nothing.
void DisableMemoryStatistics() {
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
}

StatusOr<std::unique_ptr<SqliteStore::Impl>> Connect(const SqliteStore::Options& options) {
  DisableMemoryStatistics();
  return internal::CatchSqlite(
      options.path, "opening", [&]() -> StatusOr<std::unique_ptr<SqliteStore::Impl>> {
        // Never OPEN_CREATE for a file: CreateFileIfAbsent() made it with the right mode, and
        // a file that vanished since should fail rather than be recreated.
        const int flags = IsInMemory(options.path) ? SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE
                                                   : SQLite::OPEN_READWRITE;
        SQLite::Database db(options.path, flags, static_cast<int>(options.busy_timeout.count()));
        return std::make_unique<SqliteStore::Impl>(options.path, std::move(db));
      });
}

// SQLite quietly opens a file it may not write read-only; orchd cannot run on one. Checked
// before anything reads the file: on a read-only filesystem SQLite cannot even read a WAL
// database closed cleanly (it needs the -shm file it removed on closing) and would only say
// that it cannot open it.
Status RefuseReadOnly(SqliteStore::Impl& impl) {
  if (sqlite3_db_readonly(impl.db.getHandle(), "main") != 1) return Status::Ok();
  return InsufficientStorageError("read-only: database " + impl.path +
                                  " cannot be written; orchd needs to write it");
}

// Runs before anything that writes: a database from a newer orchd is left byte for byte as
// it was, including its WAL, which closing the connection would otherwise checkpoint.
Status RefuseNewerSchema(SqliteStore::Impl& impl, int found, int supported) {
  if (found <= supported) return Status::Ok();
  sqlite3_db_config(impl.db.getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  return internal::NewerSchemaError(impl.path, found, supported);
}

Status ConfigureConnection(SqliteStore::Impl& impl, const std::string& synchronous) {
  return impl.Run("configuring the connection", [&]() -> Status {
    // An in-memory database has no file to share, so SQLite keeps it in "memory" mode.
    const std::string wanted = IsInMemory(impl.path) ? "memory" : "wal";
    const std::string mode = impl.db.execAndGet("PRAGMA journal_mode = WAL").getString();
    if (mode != wanted) {
      return FailedPreconditionError("database " + impl.path + " refused WAL mode (journal mode " +
                                     mode + "); it must be on a local file system");
    }
    // ValidateOptions() allowed only off, normal and full, so the text is safe to splice.
    impl.db.exec("PRAGMA synchronous = " + synchronous);
    return Status::Ok();
  });
}

Status EnableForeignKeys(SqliteStore::Impl& impl) {
  return impl.Run("enabling foreign keys", [&]() -> Status {
    impl.db.exec("PRAGMA foreign_keys = ON");
    if (impl.db.execAndGet("PRAGMA foreign_keys").getInt() != 1) {
      return InternalError("this SQLite library does not enforce foreign keys");
    }
    return Status::Ok();
  });
}

StatusOr<int> Migrate(SqliteStore::Impl& impl, int found, const std::vector<Migration>& migrations,
                      const SqliteStore::Options& options) {
  if (found == internal::LatestVersion(migrations)) return found;
  const internal::MigrationParams params{FormatUtc(options.clock->WallNow()),
                                         options.orchd_version};
  return internal::ApplyMigrations(impl.db, impl.path, migrations, params);
}

}  // namespace

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const Options& options,
                                                         const std::vector<Migration>& migrations) {
  ORCH_RETURN_IF_ERROR(ValidateOptions(options));
  ORCH_RETURN_IF_ERROR(internal::ValidateMigrations(migrations));
  if (!IsInMemory(options.path)) ORCH_RETURN_IF_ERROR(CreateFileIfAbsent(options.path));
  ORCH_ASSIGN_OR_RETURN(std::unique_ptr<Impl> impl, Connect(options));
  ORCH_RETURN_IF_ERROR(RefuseReadOnly(*impl));
  ORCH_ASSIGN_OR_RETURN(const int found, internal::ReadSchemaVersion(impl->db, impl->path));
  ORCH_RETURN_IF_ERROR(RefuseNewerSchema(*impl, found, internal::LatestVersion(migrations)));
  ORCH_RETURN_IF_ERROR(ConfigureConnection(*impl, options.synchronous));
  ORCH_ASSIGN_OR_RETURN(impl->schema_version, Migrate(*impl, found, migrations, options));
  ORCH_RETURN_IF_ERROR(EnableForeignKeys(*impl));
  if (options.further_connection.empty()) {
    GetLogger("store")->info("opened database {} at schema version {} (synchronous {})",
                             impl->path, impl->schema_version, options.synchronous);
  } else {
    GetLogger("store")->debug("opened the {} connection to database {}",
                              options.further_connection, impl->path);
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SqliteStore::~SqliteStore() = default;

int SqliteStore::schema_version() const {
  return impl_->schema_version;
}

const std::string& SqliteStore::path() const {
  return impl_->path;
}

Status SqliteStore::CheckHealth() {
  return impl_->Run("checking the database", [&]() -> Status {
    // Starting a read transaction makes SQLite look at the file (WAL index, header), so this
    // fails when the file has become unreadable, not merely when the handle is gone.
    const int version = impl_->db.execAndGet("PRAGMA user_version").getInt();
    if (version == impl_->schema_version) return Status::Ok();
    return FailedPreconditionError("database " + impl_->path + " is at schema version " +
                                   std::to_string(version) + ", expected " +
                                   std::to_string(impl_->schema_version));
  });
}

Status SqliteStore::Checkpoint() {
  return impl_->Run("checkpointing the WAL", [&]() -> Status {
    SQLite::Statement checkpoint(impl_->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    // The first column is 1 when another connection kept the checkpoint from finishing.
    if (checkpoint.executeStep() && checkpoint.getColumn(0).getInt() != 0) {
      return UnavailableError("database " + impl_->path +
                              " is busy: readers kept the WAL checkpoint from finishing");
    }
    return Status::Ok();
  });
}

StatusOr<std::optional<std::string>> SqliteStore::GetMeta(std::string_view key) {
  using Result = StatusOr<std::optional<std::string>>;
  return impl_->Run("reading meta " + std::string(key), [&]() -> Result {
    SQLite::Statement query(impl_->db, "SELECT value FROM meta WHERE key = ?");
    query.bind(1, std::string(key));
    if (!query.executeStep()) return std::optional<std::string>();
    return std::optional<std::string>(query.getColumn(0).getString());
  });
}

}  // namespace orch::store
