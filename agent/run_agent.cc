#include "agent/run_agent.h"

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include <systemd/sd-daemon.h>

#include "agent/agent_loop.h"
#include "agent/file_state_store.h"
#include "agent/https_transport.h"
#include "agent/job_deployer.h"
#include "agent/session.h"
#include "common/clock.h"
#include "common/logging.h"
#include "common/version.h"

namespace orch::agent {
namespace {

// The agent version orchd records: 0.1.0 → major<<48 | minor<<32 | micro<<16.
uint64_t AgentVersion() {
  unsigned major = 0, minor = 0, micro = 0;
  std::sscanf(kVersion, "%u.%u.%u", &major, &minor, &micro);
  return (uint64_t{major} << 48) | (uint64_t{minor} << 32) | (uint64_t{micro} << 16);
}

StatusOr<std::string> ReadCa(const AgentConfig& config) {
  if (!config.server.tls) return std::string();
  std::ifstream file(config.ca_file);
  if (!file) return InvalidArgumentError("cannot read ca_file " + config.ca_file);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

SessionSettings SettingsOf(const AgentConfig& config) {
  SessionSettings settings;
  settings.client_machine = config.client_machine;
  if (config.secret) {
    settings.secret_name = config.secret->name;
    settings.secret_value = config.secret->value;
  }
  settings.capabilities = AdvertisedCapabilities(config);
  settings.agent_version = AgentVersion();
  settings.poll_wait_seconds = static_cast<int>(config.poll_wait.count());
  settings.max_parallel = static_cast<int>(config.max_parallel);
  settings.backoff_initial =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.backoff.initial);
  settings.backoff_max = std::chrono::duration_cast<std::chrono::milliseconds>(config.backoff.max);
  return settings;
}

std::vector<Hook> HooksOf(const AgentConfig& config) {
  std::vector<Hook> hooks;
  for (const HookConfig& hook : config.hooks) {
    hooks.push_back({hook.stores, hook.run,
                     std::chrono::duration_cast<std::chrono::milliseconds>(hook.timeout)});
  }
  return hooks;
}

ScheduleFn LoopSchedule(AgentLoop& loop) {
  return [&loop](std::chrono::nanoseconds delay, std::function<void()> fn) {
    loop.After(delay, std::move(fn));
  };
}

std::function<double()> RandomSource() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

std::shared_ptr<spdlog::logger> Log() {
  return GetLogger("agent");
}

}  // namespace

uint64_t RaiseOpenFilesLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

int RunAgent(const AgentConfig& config) {
  StatusOr<std::string> ca = ReadCa(config);
  if (!ca.ok()) {
    Log()->critical("cannot start: {}", ca.status().message());
    return 1;
  }
  AgentLoop loop;
  HttpsTransport transport(loop, config.server, *ca);
  if (Status s = transport.Start(); !s.ok()) {
    Log()->critical("cannot start: {}", s.message());
    return 1;
  }
  FileStateStore state(config.state_dir);
  FileDeployer deployer(loop, config.store_roots, HooksOf(config),
                        static_cast<int>(config.max_parallel));
  SystemClock clock;
  auto session = std::make_shared<AgentSession>(SettingsOf(config), transport, state, deployer,
                                                clock, LoopSchedule(loop), RandomSource());
  loop.OnSignals({SIGTERM, SIGINT}, [&](int signal) {
    Log()->info("signal {}: stopping", signal);
    sd_notify(0, "STOPPING=1");
    session->Stop();
    loop.Stop();
  });
  session->Start();
  Log()->info("orch-agent {} for {} at {}", kVersion, config.client_machine,
              FormatServerUrl(config.server));
  sd_notify(0, ("READY=1\nSTATUS=agent for " + config.client_machine).c_str());
  loop.Run();
  return 0;
}

int RunSimulation(const AgentConfig& config, int count, int start_rate,
                  std::chrono::seconds duration) {
  StatusOr<std::string> ca = ReadCa(config);
  if (!ca.ok()) {
    Log()->critical("cannot start: {}", ca.status().message());
    return 1;
  }
  Log()->info("open-files limit {}", RaiseOpenFilesLimit());
  AgentLoop loop;
  HttpsTransport transport(loop, config.server, *ca);
  if (Status s = transport.Start(); !s.ok()) {
    Log()->critical("cannot start: {}", s.message());
    return 1;
  }
  MemoryDeployer deployer(loop);
  SystemClock clock;
  std::vector<std::unique_ptr<MemoryStateStore>> states;
  std::vector<std::shared_ptr<AgentSession>> sessions;
  const SteadyTime started = clock.SteadyNow();
  for (int i = 0; i < count; ++i) {
    SessionSettings settings = SettingsOf(config);
    settings.client_machine = config.client_machine + "-" + std::to_string(i);
    settings.log_name = settings.client_machine;
    states.push_back(std::make_unique<MemoryStateStore>());
    sessions.push_back(std::make_shared<AgentSession>(settings, transport, *states.back(), deployer,
                                                      clock, LoopSchedule(loop), RandomSource()));
    const auto at = std::chrono::microseconds(1'000'000LL * i / std::max(1, start_rate));
    loop.After(at, [session = sessions.back()] { session->Start(); });
  }
  auto report = [&](bool final) {
    int64_t with_session = 0, completed = 0, failures = 0;
    std::optional<SteadyTime> last_first_session;
    for (const auto& session : sessions) {
      const SessionStats& stats = session->stats();
      with_session += stats.has_session ? 1 : 0;
      completed += stats.jobs_completed;
      failures += stats.failures;
      if (stats.first_session_at &&
          (!last_first_session || *stats.first_session_at > *last_first_session)) {
        last_first_session = stats.first_session_at;
      }
    }
    const double all_after =
        with_session == count && last_first_session
            ? std::chrono::duration<double>(*last_first_session - started).count()
            : -1;
    Log()->info("{}{} of {} agents hold a session{}; {} jobs completed; {} calls retried",
                final ? "final: " : "", with_session, count,
                all_after >= 0 ? " (all after " + std::to_string(all_after) + " s)" : "", completed,
                failures);
    if (final) {
      std::printf(
          "{\"agents\": %d, \"sessions\": %lld, \"all_sessions_after_s\": %.3f, "
          "\"jobs_completed\": %lld, \"retried_calls\": %lld}\n",
          count, static_cast<long long>(with_session), all_after, static_cast<long long>(completed),
          static_cast<long long>(failures));
      std::fflush(stdout);
    }
  };
  std::function<void()> tick = [&] {
    report(false);
    loop.After(std::chrono::seconds(5), tick);
  };
  loop.After(std::chrono::seconds(5), tick);
  auto stop = [&] {
    report(true);
    for (const auto& session : sessions) session->Stop();
    loop.Stop();
  };
  loop.OnSignals({SIGTERM, SIGINT}, [&](int) { stop(); });
  if (duration.count() > 0) loop.After(duration, stop);
  sd_notify(0, "READY=1");
  loop.Run();
  return 0;
}

}  // namespace orch::agent
