// The benchmark scenarios of SPEC §14 (B1, B2, B3, B5), each built from its options into a
// Scenario that RunScenario() runs and reports.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_orchd.h"
#include "bench/bench_stats.h"

namespace orch::bench {

/// What every scenario shares: the orchd under test and how it is configured.
using CommonOptions = OrchdSettings;

/// B1 accept: Add requests with one store each from concurrent clients.
struct AcceptOptions {
  int clients = 8;
  int depth = 16;                    // Adds in flight per client connection (pipelined)
  double seconds = 10;               // each run lasts this long...
  int64_t max_requests = 2'000'000;  // ...or until this many requests were answered
};
Scenario AcceptScenario(const CommonOptions& common, const AcceptOptions& options);

/// B2 fire: bursts of ExactlyOnce jobs due at one instant, delivered to long-polling agents.
struct FireOptions {
  /// (jobs, agents) per burst, each on a fresh orchd.
  std::vector<std::pair<int, int>> bursts = {{10000, 100}, {100000, 1000}};
  int jobs_per_add = 0;          // store entries per Add (distinct stores); 0: jobs / 100,
                                 // 100..1000 (10 000 jobs: 100 Adds of 100 stores)
  double lead_seconds = 0;       // T = now + lead; 0 picks 10 s + 1 s per 2 500 jobs
  double deliver_seconds = 300;  // bound on waiting, from T, until every job is delivered
  double complete_seconds = 60;  // bound on waiting, after that, for the completions
};
Scenario FireScenario(const CommonOptions& common, const FireOptions& options);

/// B3 scale: many recurring jobs; resident memory per job and restart-to-ready.
struct ScaleOptions {
  int64_t jobs = 1'000'000;
  int jobs_per_add = 1000;  // also the number of stores
};
Scenario ScaleScenario(const CommonOptions& common, const ScaleOptions& options);

/// B5 history: filtered, paged JobHistory queries over a seeded runs table.
struct HistoryOptions {
  int64_t rows = 10'000'000;
  int64_t jobs = 0;            // jobs the rows belong to; 0: rows / 100 (at least 1)
  int agents = 1000;           // agents that ran them
  int queries = 100;           // timed queries per query shape and run...
  double shape_seconds = 120;  // ...or fewer, once a shape has taken this long (at least 10)
  int warmup = 3;              // untimed queries per shape before those
  int page_limit = 50;         // pq.returnLimit
};
Scenario HistoryScenario(const CommonOptions& common, const HistoryOptions& options);

}  // namespace orch::bench
