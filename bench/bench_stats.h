// Numbers for benchmark reports: percentiles, medians across runs, the machine, the result file.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orch::bench {

using nlohmann::json;

/// The p-th percentile (0..100) of `values` by nearest rank; 0 for none. Sorts `values`.
double Percentile(std::vector<double>& values, double p);

/// {count, p50, p99, max, mean} of `values` (milliseconds or any unit); sorts `values`.
json Summary(std::vector<double>& values);

/// Run after run of one scenario: every number at the same place in each run's JSON (in
/// objects and arrays) replaced by its median across the runs; strings and flags are taken
/// from the first run.
json MedianOfRuns(const std::vector<json>& runs);

/// nproc, the CPU model from /proc/cpuinfo, MemTotal, the kernel, and the file system type of
/// the temporary directory the state directories go to.
json MachineInfo();

/// Milliseconds between two time points.
template <typename Clock>
double Ms(typename Clock::time_point from, typename Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

/// One scenario as the driver runs it: an optional preparation, then `runs` runs.
struct Scenario {
  std::string name;                                 // "B1"
  std::string title;                                // what it measures, one line
  json parameters;                                  // sizes and settings, for the result file
  std::function<Status()> prepare;                  // may be empty
  std::function<StatusOr<json>(int run)> run_once;  // one run's numbers
  std::function<std::string(const json& median)> summary;
};

/// How the driver was asked to run, for the result file.
struct RunContext {
  int runs = 3;
  std::string out_dir;
  std::string command;  // the driver's command line
  std::string orchd;    // the binary under test
  std::string source;   // free text, e.g. the commit the binaries were built from
};

/// Runs `scenario` context.runs times, writes `<out_dir>/<name>.json` (machine, orchd version,
/// command, parameters, every run, median) and prints progress and the summary lines.
Status RunScenario(const Scenario& scenario, const RunContext& context);

}  // namespace orch::bench
