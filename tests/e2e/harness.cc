#include "tests/e2e/harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace orch::e2e {
namespace {

int PollFd(int fd, short events, milliseconds timeout) {
  pollfd p{fd, events, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  return rc;
}

sockaddr_un UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  return addr;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "orchd-e2e-XXXXXX").string();
  char* made = ::mkdtemp(tmpl.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

nlohmann::json HttpReply::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

StatusOr<UnixClient> UnixClient::Connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return InternalError("socket: " + std::string(std::strerror(errno)));
  sockaddr_un addr = UnixAddress(path);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    ::close(fd);
    return UnavailableError("connect " + path + ": " + std::strerror(err));
  }
  return UnixClient(fd);
}

UnixClient::UnixClient(UnixClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

UnixClient::~UnixClient() {
  if (fd_ >= 0) ::close(fd_);
}

Status UnixClient::SendRaw(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return UnavailableError("send: " + std::string(std::strerror(errno)));
    }
    sent += static_cast<size_t>(n);
  }
  return Status::Ok();
}

StatusOr<HttpReply> UnixClient::Request(const std::string& method, const std::string& target,
                                        const std::string& body,
                                        const std::vector<std::string>& extra_headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  for (const std::string& h : extra_headers) req += h + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  ORCH_RETURN_IF_ERROR(SendRaw(req));
  return ReadReply();
}

StatusOr<HttpReply> UnixClient::ReadReply(milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto fill = [&]() -> Status {
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || PollFd(fd_, POLLIN, left) <= 0) {
      return UnavailableError("timed out waiting for a reply");
    }
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return UnavailableError("connection closed before a full reply");
    buffer_.append(buf, static_cast<size_t>(n));
    return Status::Ok();
  };
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) ORCH_RETURN_IF_ERROR(fill());
  HttpReply reply;
  std::istringstream head(buffer_.substr(0, header_end));
  std::string line;
  std::getline(head, line);
  if (line.size() < 12 || line.compare(0, 5, "HTTP/") != 0) {
    return InternalError("bad status line: " + line);
  }
  reply.status = std::atoi(line.c_str() + 9);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    reply.headers[Lower(line.substr(0, colon))] = value;
  }
  size_t length = 0;
  if (auto it = reply.headers.find("content-length"); it != reply.headers.end()) {
    length = std::stoul(it->second);
  }
  while (buffer_.size() < header_end + 4 + length) ORCH_RETURN_IF_ERROR(fill());
  reply.body = buffer_.substr(header_end + 4, length);
  buffer_.erase(0, header_end + 4 + length);
  // "100 Continue" is an interim reply; the real one follows.
  if (reply.status == 100) return ReadReply(timeout);
  return reply;
}

StatusOr<std::string> UnixClient::ReadUntil(const std::string& needle, milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buffer_.find(needle) == std::string::npos) {
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || PollFd(fd_, POLLIN, left) <= 0) {
      return UnavailableError("timed out waiting for \"" + needle + "\"; got: " + buffer_);
    }
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return UnavailableError("connection closed; got: " + buffer_);
    buffer_.append(buf, static_cast<size_t>(n));
  }
  return std::exchange(buffer_, std::string());
}

bool UnixClient::PeerClosed(milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || PollFd(fd_, POLLIN, left) <= 0) return false;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    if (n < 0) return false;
  }
}

NotifyListener::NotifyListener(std::string path) : path_(std::move(path)) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr = UnixAddress(path_);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) std::abort();
}

NotifyListener::~NotifyListener() {
  if (fd_ >= 0) ::close(fd_);
  ::unlink(path_.c_str());
}

std::optional<std::string> NotifyListener::Receive(milliseconds timeout, int abort_fd) {
  pollfd fds[2] = {{fd_, POLLIN, 0}, {abort_fd, POLLIN, 0}};
  int rc;
  do {
    rc = ::poll(fds, abort_fd >= 0 ? 2 : 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc <= 0 || !(fds[0].revents & POLLIN)) return std::nullopt;
  char buf[4096];
  ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::optional<std::string> NotifyListener::WaitFor(const std::string& needle, milliseconds timeout,
                                                   int abort_fd) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    std::optional<std::string> msg = Receive(left, abort_fd);
    if (!msg) return std::nullopt;
    if (msg->find(needle) != std::string::npos) return msg;
  }
}

StatusOr<Process> Process::Start(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env, const std::string& log_path) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    // The test runner's own systemd variables must not leak into the child.
    if (entry.rfind("NOTIFY_SOCKET=", 0) == 0 || entry.rfind("LISTEN_", 0) == 0 ||
        entry.rfind("WATCHDOG_", 0) == 0 || entry.rfind("JOURNAL_STREAM=", 0) == 0) {
      continue;
    }
    env_strings.push_back(entry);
  }
  for (const std::string& e : env) env_strings.push_back(e);
  std::vector<char*> cargv, cenv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const std::string& e : env_strings) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // The child starts with SIGPIPE's default action even when the test ignores it.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, cargv[0], &actions, &attributes, cargv.data(), cenv.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return InternalError("spawn " + argv[0] + ": " + std::strerror(rc));
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  return Process(pid, pidfd, log_path);
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      log_path_(std::move(other.log_path_)),
      exit_code_(other.exit_code_) {}

Process::~Process() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  if (pidfd_ >= 0) ::close(pidfd_);
}

void Process::Signal(int signal) {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, signal);
}

std::optional<int> Process::WaitExit(milliseconds timeout) {
  if (exit_code_) return exit_code_;
  // The pidfd becomes readable when the process exits: no polling loop, no sleeps.
  if (pidfd_ >= 0 && PollFd(pidfd_, POLLIN, timeout) <= 0) return std::nullopt;
  int status = 0;
  if (::waitpid(pid_, &status, pidfd_ >= 0 ? 0 : WNOHANG) != pid_) return std::nullopt;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

std::string OrchdBinary() {
  return ORCHD_BINARY;
}
std::string SourceDir() {
  return ORCHD_SOURCE_DIR;
}

OrchdFixture::OrchdFixture(const std::string& extra_yaml) {
  WriteFile(config_path(), BaseYaml() + extra_yaml);
}

OrchdFixture::~OrchdFixture() {
  if (process_) {
    process_->Signal(SIGTERM);
    process_->WaitExit();
  }
}

std::string OrchdFixture::BaseYaml() const {
  // `control` comes last so tests can append settings to it. The agent listener takes a free
  // loopback port so tests running side by side never compete for the default 8443.
  return "state_dir: " + dir_.path() + "\n" +
         "logging:\n"
         "  level: debug\n"
         "agents:\n"
         "  listen: \"127.0.0.1:0\"\n"
         "control:\n"
         "  socket: " +
         socket_path() + "\n";
}

StatusOr<Process> OrchdFixture::Spawn(const std::vector<std::string>& args,
                                      const std::string& log_name) {
  std::vector<std::string> argv = {OrchdBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return Process::Start(argv, {}, dir_.File(log_name));
}

Status OrchdFixture::Start(const std::vector<std::string>& extra_env) {
  notify_.emplace(dir_.File("notify.sock"));
  std::vector<std::string> env = {"NOTIFY_SOCKET=" + notify_->path()};
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  ORCH_ASSIGN_OR_RETURN(Process p, Process::Start({OrchdBinary(), "--config", config_path()}, env,
                                                  dir_.File("orchd.log")));
  process_.emplace(std::move(p));
  // Waiting also ends when orchd exits, so a refused start fails fast with its log.
  if (!notify_->WaitFor("READY=1", milliseconds(15000), process_->pidfd())) {
    return UnavailableError("orchd did not report READY=1; log:\n" + process_->Log());
  }
  return Status::Ok();
}

}  // namespace orch::e2e
