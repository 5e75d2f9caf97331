// orch-bench: the benchmark driver of SPEC §14. One scenario per invocation:
//   orch-bench B1 --orchd build/bench/daemon/orchd --runs 3 --out bench/results
#include <signal.h>

#include <cstdio>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "bench/scenarios.h"

namespace {

using orch::bench::Scenario;

// "10000x100,100000x1000" → {(10000, 100), (100000, 1000)}.
bool ParseBursts(const std::string& text, std::vector<std::pair<int, int>>& out) {
  out.clear();
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    int jobs = 0, agents = 0;
    char extra = 0;
    if (std::sscanf(item.c_str(), "%dx%d%c", &jobs, &agents, &extra) != 2 || jobs < 1 ||
        agents < 1) {
      return false;
    }
    out.emplace_back(jobs, agents);
  }
  return !out.empty();
}

std::string CommandLine(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) line += (i == 0 ? "" : " ") + std::string(argv[i]);
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"orch-bench: starts a real orchd and measures one SPEC §14 scenario"};
  app.require_subcommand(1, 1);
  app.fallthrough();
  orch::bench::CommonOptions common;
  orch::bench::RunContext context;
  context.out_dir = "bench/results";
  app.add_option("--orchd", common.orchd, "orchd binary (a release build)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--runs", context.runs, "runs per scenario; the report has their median")
      ->check(CLI::Range(1, 100));
  app.add_option("--out", context.out_dir, "directory for <scenario>.json");
  app.add_option("--source", context.source, "recorded in the result, e.g. the commit");
  app.add_option("--synchronous", common.synchronous, "store.synchronous of the orchd under test")
      ->check(CLI::IsMember({"off", "normal", "full"}));
  app.add_option("--orchd-log-level", common.log_level, "logging.level of the orchd under test")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_option("--keep-logs", common.log_dir, "copy every orchd's log into this directory");

  orch::bench::AcceptOptions accept;
  CLI::App* b1 = app.add_subcommand("B1", "accept: durable Add jobs/s from concurrent clients");
  b1->add_option("--clients", accept.clients)->check(CLI::Range(1, 256));
  b1->add_option("--depth", accept.depth,
                 "Adds in flight per client connection, pipelined (1: wait for each reply)")
      ->check(CLI::Range(1, 1024));
  b1->add_option("--seconds", accept.seconds)->check(CLI::Range(0.1, 3600.0));
  b1->add_option("--max-requests", accept.max_requests)->check(CLI::PositiveNumber);

  orch::bench::FireOptions fire;
  std::string bursts = "10000x100,100000x1000";
  CLI::App* b2 = app.add_subcommand("B2", "fire: bursts of due jobs to long-polling agents");
  b2->add_option("--bursts", bursts, "JOBSxAGENTS,... each on a fresh orchd");
  b2->add_option("--jobs-per-add", fire.jobs_per_add,
                 "store entries per Add, distinct stores (0: jobs/100, 100..1000)")
      ->check(CLI::Range(0, 1000));
  b2->add_option("--lead", fire.lead_seconds, "seconds from submission start to T (0: auto)");
  b2->add_option("--deliver-timeout", fire.deliver_seconds, "seconds after T to wait for delivery");
  b2->add_option("--complete-timeout", fire.complete_seconds, "seconds to wait for completions");

  orch::bench::ScaleOptions scale;
  CLI::App* b3 = app.add_subcommand("B3", "scale: memory per recurring job, restart-to-ready");
  b3->add_option("--jobs", scale.jobs)->check(CLI::PositiveNumber);
  b3->add_option("--jobs-per-add", scale.jobs_per_add)->check(CLI::Range(1, 1000));

  orch::bench::HistoryOptions history;
  CLI::App* b5 = app.add_subcommand("B5", "history: filtered, paged JobHistory queries");
  b5->add_option("--rows", history.rows, "history rows to seed")->check(CLI::PositiveNumber);
  b5->add_option("--jobs", history.jobs, "jobs the rows belong to (0: rows / 100)");
  b5->add_option("--agents", history.agents)->check(CLI::Range(1, 100000));
  b5->add_option("--queries", history.queries, "timed queries per shape")
      ->check(CLI::Range(1, 100000));
  b5->add_option("--warmup", history.warmup)->check(CLI::Range(0, 1000));
  b5->add_option("--shape-seconds", history.shape_seconds, "time bound per query shape and run");

  CLI11_PARSE(app, argc, argv);
  // A TLS write to a connection orchd has closed must fail, not kill the driver.
  ::signal(SIGPIPE, SIG_IGN);
  if (b2->parsed() && !ParseBursts(bursts, fire.bursts)) {
    std::fprintf(stderr, "--bursts: expected JOBSxAGENTS[,JOBSxAGENTS...], got %s\n",
                 bursts.c_str());
    return 2;
  }
  context.orchd = common.orchd;
  context.command = CommandLine(argc, argv);
  const Scenario scenario = b1->parsed()   ? orch::bench::AcceptScenario(common, accept)
                            : b2->parsed() ? orch::bench::FireScenario(common, fire)
                            : b3->parsed() ? orch::bench::ScaleScenario(common, scale)
                                           : orch::bench::HistoryScenario(common, history);
  if (orch::Status s = orch::bench::RunScenario(scenario, context); !s.ok()) {
    std::fprintf(stderr, "%s failed: %s\n", scenario.name.c_str(), s.ToString().c_str());
    return 1;
  }
  return 0;
}
