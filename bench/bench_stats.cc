#include "bench/bench_stats.h"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <numeric>

namespace orch::bench {
namespace {

double MedianOf(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// The value at `path` in every run, as numbers (runs where it is missing are left out).
std::vector<double> NumbersAt(const std::vector<json>& runs, const json::json_pointer& path) {
  std::vector<double> out;
  for (const json& run : runs) {
    if (run.contains(path) && run.at(path).is_number()) out.push_back(run.at(path).get<double>());
  }
  return out;
}

json MedianAt(const std::vector<json>& runs, const json& first, const json::json_pointer& path) {
  if (first.is_object()) {
    json out = json::object();
    for (const auto& [key, value] : first.items()) out[key] = MedianAt(runs, value, path / key);
    return out;
  }
  if (first.is_number()) return MedianOf(NumbersAt(runs, path));
  if (first.is_array()) {
    json out = json::array();
    for (size_t i = 0; i < first.size(); ++i) out.push_back(MedianAt(runs, first[i], path / i));
    return out;
  }
  return first;  // strings and flags describe the run rather than measure it
}

std::string FileSystemName(const std::string& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) return "unknown";
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794C7630: return "overlayfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(fs.f_type));
      return hex;
    }
  }
}

std::string OrchdVersion(const std::string& binary) {
  FILE* out = ::popen(("'" + binary + "' --version 2>&1").c_str(), "r");
  if (out == nullptr) return "unknown";
  char line[256] = {};
  const bool read = std::fgets(line, sizeof line, out) != nullptr;
  ::pclose(out);
  std::string text = read ? line : "unknown";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The 1, 5 and 15 minute load averages: other work on the machine skews every number.
std::string LoadAvg() {
  std::ifstream loadavg("/proc/loadavg");
  std::string load1, load5, load15;
  if (!(loadavg >> load1 >> load5 >> load15)) return "unknown";
  return load1 + " " + load5 + " " + load15;
}

std::string NowUtc() {
  const time_t now = std::time(nullptr);
  tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const size_t index = static_cast<size_t>(std::max(1.0, rank)) - 1;
  return values[std::min(index, values.size() - 1)];
}

json Summary(std::vector<double>& values) {
  const double sum = std::accumulate(values.begin(), values.end(), 0.0);
  return {{"count", values.size()},
          {"p50", Percentile(values, 50)},
          {"p99", Percentile(values, 99)},
          {"max", values.empty() ? 0.0 : values.back()},
          {"mean", values.empty() ? 0.0 : sum / static_cast<double>(values.size())}};
}

json MedianOfRuns(const std::vector<json>& runs) {
  if (runs.empty()) return json::object();
  return MedianAt(runs, runs.front(), json::json_pointer());
}

json MachineInfo() {
  json machine = {{"nproc", ::sysconf(_SC_NPROCESSORS_ONLN)}};
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      machine["cpu_model"] = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    long long kib = 0;
    if (std::sscanf(line.c_str(), "MemTotal: %lld kB", &kib) == 1) {
      machine["memory_bytes"] = kib * 1024;
      machine["memory_gib"] = std::round(static_cast<double>(kib) / 1048576.0 * 10) / 10;
    }
  }
  utsname uts{};
  if (::uname(&uts) == 0) machine["kernel"] = std::string(uts.sysname) + " " + uts.release;
  const std::string tmp = std::filesystem::temp_directory_path().string();
  machine["state_dir_parent"] = tmp;
  machine["state_dir_filesystem"] = FileSystemName(tmp);
  return machine;
}

Status RunScenario(const Scenario& scenario, const RunContext& context) {
  const int runs = context.runs;
  std::printf("== %s: %s\n", scenario.name.c_str(), scenario.title.c_str());
  std::fflush(stdout);
  const std::string load_at_start = LoadAvg();
  if (scenario.prepare) ORCH_RETURN_IF_ERROR(scenario.prepare().Context("preparing"));
  std::vector<json> results;
  for (int run = 0; run < runs; ++run) {
    std::printf("%s run %d/%d\n", scenario.name.c_str(), run + 1, runs);
    std::fflush(stdout);
    StatusOr<json> result = scenario.run_once(run);
    if (!result.ok()) return result.status().Context("run " + std::to_string(run + 1));
    std::printf("%s run %d: %s\n", scenario.name.c_str(), run + 1,
                scenario.summary(*result).c_str());
    results.push_back(std::move(result).value());
  }
  const json median = MedianOfRuns(results);
  const json report = {{"scenario", scenario.name},
                       {"title", scenario.title},
                       {"date", NowUtc()},
                       {"machine", MachineInfo()},
                       {"loadavg_at_start", load_at_start},
                       {"loadavg_at_end", LoadAvg()},
                       {"orchd_version", OrchdVersion(context.orchd)},
                       {"orchd_binary", context.orchd},
                       {"source", context.source},
                       {"command", context.command},
                       {"parameters", scenario.parameters},
                       {"runs", results},
                       {"median", median}};
  std::error_code ec;
  std::filesystem::create_directories(context.out_dir, ec);
  const std::string path = context.out_dir + "/" + scenario.name + ".json";
  std::ofstream out(path, std::ios::trunc);
  out << report.dump(2) << "\n";
  if (!out) return InternalError("cannot write " + path);
  std::printf("%s median of %d: %s\n  -> %s\n", scenario.name.c_str(), runs,
              scenario.summary(median).c_str(), path.c_str());
  std::fflush(stdout);
  return Status::Ok();
}

}  // namespace orch::bench
