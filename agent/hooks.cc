#include "agent/hooks.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace orch::agent {
namespace {

// Output kept for the message: the tail of what the hook printed.
constexpr size_t kKeptOutputBytes = 4096;
constexpr int kKeptLines = 5;

std::string LastLines(const std::string& output) {
  std::string text = output;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  size_t start = text.size();
  for (int lines = 0; lines < kKeptLines && start > 0; ++lines) {
    const size_t newline = text.rfind('\n', start - 1);
    start = newline == std::string::npos ? 0 : newline;
  }
  std::string tail = text.substr(start);
  while (!tail.empty() && tail.front() == '\n') tail.erase(0, 1);
  for (char& c : tail) {
    if (c == '\n') c = '|';
  }
  return tail;
}

// Runs one hook; nullopt on exit 0.
std::optional<std::string> RunOne(const Hook& hook) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    return "hook " + hook.run[0] + ": no pipe: " + std::strerror(errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  std::vector<char*> argv;
  for (const std::string& arg : hook.run) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    return "hook " + hook.run[0] + " did not start: " + std::strerror(spawned);
  }
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + hook.timeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd readable{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&readable, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[1024];
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
    if (output.size() > kKeptOutputBytes) output.erase(0, output.size() - kKeptOutputBytes);
  }
  ::close(pipe_fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string tail = LastLines(output);
  const std::string said = tail.empty() ? "" : ": " + tail;
  if (timed_out) {
    return "hook " + hook.run[0] + " was killed after " +
           std::to_string(hook.timeout.count() / 1000) + " s" + said;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  if (WIFSIGNALED(status)) {
    return "hook " + hook.run[0] + " died of signal " + std::to_string(WTERMSIG(status)) + said;
  }
  return "hook " + hook.run[0] + " exited " + std::to_string(WEXITSTATUS(status)) + said;
}

}  // namespace

std::optional<std::string> RunHooks(const std::vector<Hook>& hooks, const std::string& store_path) {
  for (const Hook& hook : hooks) {
    if (hook.run.empty() || fnmatch(hook.stores.c_str(), store_path.c_str(), 0) != 0) continue;
    if (std::optional<std::string> failed = RunOne(hook)) return failed;
  }
  return std::nullopt;
}

}  // namespace orch::agent
