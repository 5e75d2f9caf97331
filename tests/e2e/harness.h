// End-to-end test harness: starts the real orchd binary and talks to it over real sockets.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orch::e2e {

using std::chrono::milliseconds;

/// A temporary directory removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  /// path() + "/" + name.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Writes `contents` to `path`, replacing it.
void WriteFile(const std::string& path, const std::string& contents);
/// The whole file, or "" when it cannot be read.
std::string ReadFile(const std::string& path);
/// True when `path` exists.
bool Exists(const std::string& path);

/// One HTTP reply as read from the wire.
struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
  /// The body parsed as JSON (null when it is not JSON).
  nlohmann::json Json() const;
};

/// A blocking HTTP/1.1 client on one Unix-socket connection; sends raw bytes when asked.
class UnixClient {
 public:
  /// Connects to the socket at `path`.
  static StatusOr<UnixClient> Connect(const std::string& path);
  UnixClient(UnixClient&& other) noexcept;
  ~UnixClient();

  /// Sends a request with Content-Length and Host set; extra header lines end without CRLF.
  StatusOr<HttpReply> Request(const std::string& method, const std::string& target,
                              const std::string& body = "",
                              const std::vector<std::string>& extra_headers = {});
  /// Writes bytes as they are.
  Status SendRaw(const std::string& bytes);
  /// Reads one reply (Content-Length framed), waiting at most `timeout`.
  StatusOr<HttpReply> ReadReply(milliseconds timeout = milliseconds(10000));
  /// Reads raw bytes until what arrived (after earlier reads) contains `needle`; answers all
  /// of it and keeps nothing. Unavailable after `timeout` or when the peer closes.
  StatusOr<std::string> ReadUntil(const std::string& needle,
                                  milliseconds timeout = milliseconds(10000));
  /// True when the peer closes the connection within `timeout` (after any pending bytes).
  bool PeerClosed(milliseconds timeout = milliseconds(5000));
  /// The socket, for polling it without reading.
  int native_handle() const { return fd_; }

 private:
  explicit UnixClient(int fd) : fd_(fd) {}
  int fd_;
  std::string buffer_;
};

/// A NOTIFY_SOCKET datagram listener: what systemd would receive from sd_notify().
class NotifyListener {
 public:
  /// Binds a datagram socket at `path`.
  explicit NotifyListener(std::string path);
  ~NotifyListener();
  const std::string& path() const { return path_; }
  /// The next datagram, or nullopt after `timeout` or once `abort_fd` becomes readable.
  std::optional<std::string> Receive(milliseconds timeout = milliseconds(15000), int abort_fd = -1);
  /// Receives datagrams until one contains `needle`; returns it, or nullopt on timeout (or
  /// once `abort_fd`, such as a process's pidfd, becomes readable).
  std::optional<std::string> WaitFor(const std::string& needle,
                                     milliseconds timeout = milliseconds(15000), int abort_fd = -1);

 private:
  std::string path_;
  int fd_ = -1;
};

/// A running orchd (or any program) started with fork/exec; killed on destruction.
class Process {
 public:
  /// Starts `argv` with extra `env` entries ("NAME=value"); stdout and stderr go to `log_path`.
  static StatusOr<Process> Start(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env, const std::string& log_path);
  Process(Process&& other) noexcept;
  ~Process();

  pid_t pid() const { return pid_; }
  /// A descriptor that becomes readable when the process exits (-1 if unavailable).
  int pidfd() const { return pidfd_; }
  /// Sends `signal`.
  void Signal(int signal);
  /// The exit code (or 128 + signal) once the process ends within `timeout`.
  std::optional<int> WaitExit(milliseconds timeout = milliseconds(15000));
  /// What the process has written so far.
  std::string Log() const { return ReadFile(log_path_); }

 private:
  Process(pid_t pid, int pidfd, std::string log_path)
      : pid_(pid), pidfd_(pidfd), log_path_(std::move(log_path)) {}
  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::string log_path_;
  std::optional<int> exit_code_;
};

/// The built orchd binary.
std::string OrchdBinary();
/// The repository root.
std::string SourceDir();

/// A temporary directory, a config file in it and an orchd started on it, ready to serve.
class OrchdFixture {
 public:
  /// Writes the config (the socket, state and store paths point into the temp dir; `extra_yaml`
  /// is appended at top level) but does not start anything.
  explicit OrchdFixture(const std::string& extra_yaml = "");
  ~OrchdFixture();

  /// Starts orchd and waits for READY=1 on the notify socket.
  Status Start(const std::vector<std::string>& extra_env = {});
  /// Starts orchd without waiting (for failures).
  StatusOr<Process> Spawn(const std::vector<std::string>& args, const std::string& log_name);

  const TempDir& dir() const { return dir_; }
  std::string socket_path() const { return dir_.File("orchd.sock"); }
  std::string config_path() const { return dir_.File("orchd.yaml"); }
  Process& process() { return *process_; }
  NotifyListener& notify() { return *notify_; }
  /// A new connection to the control socket.
  StatusOr<UnixClient> Connect() const { return UnixClient::Connect(socket_path()); }
  /// The YAML written for this fixture with `extra_yaml` appended.
  std::string BaseYaml() const;

 private:
  TempDir dir_;
  std::optional<NotifyListener> notify_;
  std::optional<Process> process_;
};

}  // namespace orch::e2e
