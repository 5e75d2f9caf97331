// B5's job history, written straight into a stopped orchd's database with SQLite: runs of the
// jobs already in the database, day after day, by a fleet of agents, with a realistic mix of
// results and statuses.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace orch::bench {

/// How much history to write.
struct SeedSpec {
  int64_t rows = 0;
  int agents = 1000;
  /// Every run ends before this (the history covers the days before it).
  std::chrono::system_clock::time_point end;
};

/// What was written, for the queries that follow.
struct SeedResult {
  int64_t rows = 0;
  int64_t jobs = 0;
  int days = 0;
  std::vector<std::string> agent_ids;
  std::vector<std::string> job_ids;
  int64_t first_ms = 0;  // earliest operation_start, Unix ms
  int64_t last_ms = 0;   // latest operation_start
  double insert_s = 0;
  double index_s = 0;
};

/// Adds `spec.agents` approved agents and `spec.rows` closed runs of the database's jobs to the
/// database at `db_path`. REQUIRES: no orchd has it open; the database has jobs.
StatusOr<SeedResult> SeedHistory(const std::string& db_path, const SeedSpec& spec);

}  // namespace orch::bench
