#include "tests/e2e/orchctl_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <cstring>

namespace orch::e2e {
namespace {

const std::vector<std::string> kBaseEnv = {"PATH=/usr/bin:/bin", "TZ=UTC", "LANG=C.UTF-8"};

OrchctlResult Spawn(const std::vector<std::string>& argv, const std::string& input,
                    const std::vector<std::string>& env, const TempDir& dir) {
  static std::atomic<int> counter{0};
  const std::string stem = dir.File("orchctl-" + std::to_string(counter++));
  WriteFile(stem + ".in", input);
  std::vector<std::string> environment = kBaseEnv;
  environment.insert(environment.end(), env.begin(), env.end());
  std::vector<char*> cargv, cenv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const std::string& e : environment) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, (stem + ".in").c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (stem + ".out").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, (stem + ".err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  // setsid: no controlling terminal, so orchctl can never prompt.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  const int rc = posix_spawn(&pid, cargv[0], &actions, &attributes, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  OrchctlResult result;
  if (rc != 0) {
    result.err = "spawn: " + std::string(std::strerror(rc));
    return result;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadFile(stem + ".out");
  result.err = ReadFile(stem + ".err");
  return result;
}

}  // namespace

std::string OrchctlBinary() {
  return ORCHCTL_BINARY;
}

OrchctlResult Orchctl::Run(const std::vector<std::string>& args, const std::string& input,
                           const std::vector<std::string>& env) const {
  std::vector<std::string> argv = {OrchctlBinary(), "--socket", socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  return Spawn(argv, input, env, dir_);
}

OrchctlResult Orchctl::RunBare(const std::vector<std::string>& args,
                               const std::vector<std::string>& env) const {
  std::vector<std::string> argv = {OrchctlBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return Spawn(argv, "", env, dir_);
}

// The environment of a shell that finds orchctl on its PATH and talks to `socket`.
std::vector<std::string> ShellEnv(const std::string& socket, const std::vector<std::string>& env) {
  const std::string binary = OrchctlBinary();
  std::vector<std::string> environment = {
      "PATH=" + binary.substr(0, binary.rfind('/')) + ":/usr/bin:/bin", "ORCHD_SOCKET=" + socket};
  environment.insert(environment.end(), env.begin(), env.end());
  return environment;
}

OrchctlResult Orchctl::Shell(const std::string& command, const std::string& directory,
                             const std::vector<std::string>& env) const {
  std::vector<std::string> environment = ShellEnv(socket_, env);
  environment.insert(environment.begin(), "TZ=UTC");
  return Spawn({"/bin/sh", "-c", "cd \"$0\" && " + command, directory}, "", environment, dir_);
}

StatusOr<Process> Orchctl::StartShell(const std::string& command, const std::string& directory,
                                      const std::vector<std::string>& env,
                                      const std::string& out_path) const {
  std::vector<std::string> environment = ShellEnv(socket_, env);
  environment.insert(environment.end(), {"TZ=UTC", "LANG=C.UTF-8"});
  return Process::Start({"/bin/sh", "-c", "cd \"$0\" && exec " + command, directory}, environment,
                        out_path);
}

StatusOr<Process> Orchctl::Start(const std::vector<std::string>& args,
                                 const std::string& out_path) const {
  std::vector<std::string> argv = {OrchctlBinary(), "--socket", socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  return Process::Start(argv, kBaseEnv, out_path);
}

}  // namespace orch::e2e
