#include "bench/history_seed.h"

#include <sqlite3.h>

#include <cstdio>
#include <random>
#include <utility>

#include "common/guid.h"

namespace orch::bench {
namespace {

using Steady = std::chrono::steady_clock;

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kRowsPerTransaction = 250'000;
constexpr int64_t kProgressEvery = 1'000'000;

double SecondsSince(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

// One connection; every failure becomes a Status naming the statement.
class Db {
 public:
  ~Db() {
    for (sqlite3_stmt* s : statements_) sqlite3_finalize(s);
    if (db_ != nullptr) sqlite3_close(db_);
  }
  Status Open(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      return Error("opening " + path);
    }
    return Status::Ok();
  }
  Status Exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : "";
      sqlite3_free(message);
      return InternalError(sql.substr(0, 80) + ": " + text);
    }
    return Status::Ok();
  }
  StatusOr<sqlite3_stmt*> Prepare(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      return Error(sql.substr(0, 80));
    }
    statements_.push_back(statement);
    return statement;
  }
  // Steps a statement that returns no rows, then resets it.
  Status Run(sqlite3_stmt* statement) {
    const int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    return rc == SQLITE_DONE ? Status::Ok() : Error("step");
  }
  Status Error(const std::string& what) const {
    return InternalError(what + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "no database"));
  }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> statements_;
};

std::string Text(sqlite3_stmt* row, int column) {
  const unsigned char* text = sqlite3_column_text(row, column);
  return text != nullptr ? reinterpret_cast<const char*>(text) : "";
}

void BindText(sqlite3_stmt* s, int index, const std::string& value) {
  sqlite3_bind_text(s, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

struct SeedJob {
  std::string job_id;
  std::string client_machine;
  std::string store_path;
  std::string schedule_type;
};

struct Agent {
  std::string id;
  std::string machine;
};

StatusOr<std::vector<SeedJob>> LoadJobs(Db& db) {
  ORCH_ASSIGN_OR_RETURN(sqlite3_stmt * query,
                        db.Prepare("SELECT j.job_id, s.client_machine, s.store_path, "
                                   "coalesce(j.schedule_type, '') FROM jobs j JOIN "
                                   "certificate_stores s ON s.id = j.store_id ORDER BY j.seq"));
  std::vector<SeedJob> jobs;
  while (sqlite3_step(query) == SQLITE_ROW) {
    jobs.push_back({Text(query, 0), Text(query, 1), Text(query, 2), Text(query, 3)});
  }
  if (jobs.empty()) return FailedPreconditionError("the database has no jobs to write runs of");
  return jobs;
}

StatusOr<std::vector<Agent>> AddAgents(Db& db, int count, int64_t now_ms) {
  ORCH_ASSIGN_OR_RETURN(
      sqlite3_stmt * insert,
      db.Prepare("INSERT INTO agents (agent_id, client_machine, username, agent_platform, "
                 "version, status, last_seen, capabilities, created_at) VALUES (?, ?, 'bench', 7, "
                 "?, 2, ?, '[\"CertStores.PEM.Management\"]', ?)"));
  std::vector<Agent> agents;
  for (int i = 0; i < count; ++i) {
    char machine[64];
    std::snprintf(machine, sizeof machine, "agent-%04d.example.com", i);
    agents.push_back({NewGuid(), machine});
    BindText(insert, 1, agents.back().id);
    BindText(insert, 2, agents.back().machine);
    sqlite3_bind_int64(insert, 3, (int64_t{10} << 48) | (int64_t{4} << 32));
    sqlite3_bind_int64(insert, 4, now_ms);
    sqlite3_bind_int64(insert, 5, now_ms);
    ORCH_RETURN_IF_ERROR(db.Run(insert));
  }
  return agents;
}

// The runs table's own indexes (not the UNIQUE constraint's), dropped before a bulk load
// and created again after it with the very SQL the migrations wrote.
StatusOr<std::vector<std::pair<std::string, std::string>>> DropRunIndexes(Db& db) {
  ORCH_ASSIGN_OR_RETURN(sqlite3_stmt * query,
                        db.Prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                                   "tbl_name = 'runs' AND sql IS NOT NULL"));
  std::vector<std::pair<std::string, std::string>> indexes;
  while (sqlite3_step(query) == SQLITE_ROW) indexes.emplace_back(Text(query, 0), Text(query, 1));
  for (const auto& [name, sql] : indexes) ORCH_RETURN_IF_ERROR(db.Exec("DROP INDEX " + name));
  return indexes;
}

// One run, as the columns of the insert statement take it.
struct Run {
  int64_t scheduled_for = 0;
  int attempt = 1;
  int status = 3;
  int result = 2;
  const char* message = "";
  int64_t start = 0;
  int64_t end = 0;
};

// Writes run rows in the order they would have happened.
class RunWriter {
 public:
  RunWriter(Db& db, sqlite3_stmt* insert, const std::vector<SeedJob>& jobs,
            const std::vector<Agent>& agents, SeedResult& result)
      : db_(db), insert_(insert), jobs_(jobs), agents_(agents), result_(result) {}

  // Every fire of every job on `day_ms`, plus their retries, until `rows` are written.
  Status Day(int64_t day_ms, int64_t time_of_day_ms, int64_t rows) {
    for (size_t j = 0; j < jobs_.size() && result_.rows < rows; ++j) {
      Run run;
      run.scheduled_for = day_ms + time_of_day_ms;
      // The burst is handed out one after another: later jobs of the day start later.
      run.start = run.scheduled_for + static_cast<int64_t>(j / 50) + Rand(3000);
      ORCH_RETURN_IF_ERROR(Fire(jobs_[j], run, rows));
    }
    return Status::Ok();
  }

 private:
  // One attempt and, for a failure with attempts left, half the time its retry.
  Status Fire(const SeedJob& job, Run run, int64_t rows) {
    while (true) {
      const int64_t roll = Rand(1000);
      run.result = roll < 900 ? 2 : roll < 950 ? 3 : roll < 990 ? 4 : 0;
      run.end = run.start + 200 + Rand(2800);
      const bool retry = run.result == 4 && run.attempt < 3 && Rand(2) == 0;
      run.status = retry ? 5 : (run.result == 3 || run.result == 4) && Rand(3) == 0 ? 4 : 3;
      run.message = run.result == 2   ? ""
                    : run.result == 3 ? "the certificate is already present in the store"
                    : run.result == 4 ? "error: permission denied opening the store file"
                                      : "cancelled: the job was unscheduled before it ran";
      ORCH_RETURN_IF_ERROR(Insert(job, run));
      if (!retry || result_.rows >= rows) return Status::Ok();
      run.scheduled_for = run.end + (int64_t{60'000} << (run.attempt - 1));
      run.start = run.scheduled_for + Rand(3000);
      ++run.attempt;
    }
  }

  Status Insert(const SeedJob& job, const Run& run) {
    const Agent& agent = agents_[static_cast<size_t>(Rand(static_cast<int64_t>(agents_.size())))];
    sqlite3_bind_text(insert_, 1, job.job_id.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert_, 2, run.scheduled_for);
    sqlite3_bind_int(insert_, 3, run.attempt);
    sqlite3_bind_int(insert_, 4, run.status);
    sqlite3_bind_int(insert_, 5, run.result);
    sqlite3_bind_text(insert_, 6, run.message, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 7, agent.id.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 8, agent.machine.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 9, job.client_machine.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 10, job.store_path.c_str(), -1, SQLITE_STATIC);
    if (job.schedule_type.empty()) {
      sqlite3_bind_null(insert_, 11);
    } else {
      sqlite3_bind_text(insert_, 11, job.schedule_type.c_str(), -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(insert_, 12, run.start);
    sqlite3_bind_int64(insert_, 13, run.end);
    ORCH_RETURN_IF_ERROR(db_.Run(insert_));
    if (result_.first_ms == 0) result_.first_ms = run.start;
    result_.last_ms = std::max(result_.last_ms, run.start);
    return Progress();
  }

  Status Progress() {
    ++result_.rows;
    if (result_.rows % kRowsPerTransaction == 0) {
      ORCH_RETURN_IF_ERROR(db_.Exec("COMMIT"));
      ORCH_RETURN_IF_ERROR(db_.Exec("BEGIN"));
    }
    if (result_.rows % kProgressEvery == 0) {
      std::printf("  %lld rows written (%.0f rows/s)\n", static_cast<long long>(result_.rows),
                  static_cast<double>(result_.rows) / SecondsSince(started_));
      std::fflush(stdout);
    }
    return Status::Ok();
  }

  int64_t Rand(int64_t n) { return static_cast<int64_t>(rng_() % static_cast<uint64_t>(n)); }

  Db& db_;
  sqlite3_stmt* insert_;
  const std::vector<SeedJob>& jobs_;
  const std::vector<Agent>& agents_;
  SeedResult& result_;
  std::mt19937_64 rng_{20261122};
  Steady::time_point started_ = Steady::now();
};

constexpr char kInsertRun[] =
    "INSERT INTO runs (job_id, scheduled_for, attempt, status, result, message, agent_id, "
    "agent_machine, client_machine, store_path, store_type, job_type, schedule_type, "
    "lease_expires, operation_start, operation_end, finished_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 2, 'Management', ?11, NULL, ?12, ?13, ?13)";

}  // namespace

StatusOr<SeedResult> SeedHistory(const std::string& db_path, const SeedSpec& spec) {
  Db db;
  ORCH_RETURN_IF_ERROR(db.Open(db_path));
  // A throwaway benchmark database: no journal, no syncing, a cache that holds the indexes.
  ORCH_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = OFF"));
  ORCH_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = OFF"));
  ORCH_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size = -4000000"));
  ORCH_RETURN_IF_ERROR(db.Exec("PRAGMA temp_store = MEMORY"));
  ORCH_ASSIGN_OR_RETURN(std::vector<SeedJob> jobs, LoadJobs(db));
  const int64_t end_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(spec.end.time_since_epoch()).count();
  ORCH_ASSIGN_OR_RETURN(std::vector<Agent> agents, AddAgents(db, spec.agents, end_ms));
  ORCH_ASSIGN_OR_RETURN(auto indexes, DropRunIndexes(db));
  ORCH_ASSIGN_OR_RETURN(sqlite3_stmt * insert, db.Prepare(kInsertRun));

  SeedResult result;
  result.jobs = static_cast<int64_t>(jobs.size());
  // Roughly one run per job and day (retries add a few): enough days to reach `rows`.
  result.days = static_cast<int>((spec.rows + result.jobs - 1) / result.jobs);
  const int64_t first_day = (end_ms / kDayMs - result.days - 1) * kDayMs;
  const Steady::time_point insert_start = Steady::now();
  RunWriter writer(db, insert, jobs, agents, result);
  ORCH_RETURN_IF_ERROR(db.Exec("BEGIN"));
  for (int64_t day = first_day; result.rows < spec.rows; day += kDayMs) {
    ORCH_RETURN_IF_ERROR(writer.Day(day, 2 * 3'600'000, spec.rows));
  }
  ORCH_RETURN_IF_ERROR(db.Exec("COMMIT"));
  result.insert_s = SecondsSince(insert_start);

  const Steady::time_point index_start = Steady::now();
  for (const auto& [name, sql] : indexes) {
    std::printf("  creating index %s\n", name.c_str());
    std::fflush(stdout);
    ORCH_RETURN_IF_ERROR(db.Exec(sql));
  }
  result.index_s = SecondsSince(index_start);
  ORCH_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL"));
  for (const Agent& agent : agents) result.agent_ids.push_back(agent.id);
  for (const SeedJob& job : jobs) result.job_ids.push_back(job.job_id);
  return result;
}

}  // namespace orch::bench
