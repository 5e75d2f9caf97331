// Test support for HttpServer: a blocking POSIX client that can send anything (including
// malformed and oversized bytes), a scriptable fake handler, and a fixture that runs a server on
// a temporary Unix socket and 127.0.0.1:0 with the loop on its own thread.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/event_loop.h"
#include "net/http_server.h"
#include "tests/testing/status_matchers.h"

namespace orch::net::test {

using std::chrono::milliseconds;

inline constexpr std::chrono::seconds kBound{5};

// ---------------------------------------------------------------------------------------------
// A blocking POSIX client that can send anything, including malformed and oversized bytes.

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  std::string ErrorCode() const { return JsonMember("errorCode"); }
  std::string ErrorMessage() const { return JsonMember("errorMessage"); }
  std::string JsonMember(const char* name) const {
    const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object() || !json.contains(name) || !json[name].is_string()) return "";
    return json[name].get<std::string>();
  }
};

class Client {
 public:
  static Client Unix(const std::string& path) {
    Client client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    client.Connect(reinterpret_cast<sockaddr*>(&address), sizeof(address));
    return client;
  }

  static Client Tcp(uint16_t port) {
    Client client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    client.Connect(reinterpret_cast<sockaddr*>(&address), sizeof(address));
    return client;
  }

  Client(Client&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), connect_errno_(other.connect_errno_) {}
  ~Client() { Close(); }

  bool connected() const { return connect_errno_ == 0; }
  int connect_errno() const { return connect_errno_; }
  // True once the server has closed the connection (seen by a read).
  bool eof() const { return eof_; }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Half-closes: the server sees the end of the requests, replies can still arrive.
  void ShutdownSend() { ::shutdown(fd_, SHUT_WR); }

  // Closes with a reset (SO_LINGER 0 on TCP): the server's next read or write fails.
  void Reset() {
    const linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    Close();
  }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one reply (interim ones like 100 Continue included); nullopt on EOF or timeout. A
  // chunked body is decoded; a chunked body that is cut short or badly framed is nullopt too.
  std::optional<Reply> Read() {
    std::optional<Reply> reply = ReadHead();
    if (!reply.has_value()) return std::nullopt;
    if (reply->Header("transfer-encoding") == "chunked") {
      while (std::optional<std::string> chunk = ReadChunk()) {
        if (chunk->empty()) return reply;
        reply->body += *chunk;
      }
      return std::nullopt;
    }
    const size_t length = std::stoul("0" + reply->Header("content-length"));
    while (buffer_.size() < length) {
      if (!Fill()) return std::nullopt;
    }
    reply->body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return reply;
  }

  // Reads a reply's status line and header fields, leaving the body unread.
  std::optional<Reply> ReadHead() {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    Reply reply = ParseHead(buffer_.substr(0, end));
    buffer_.erase(0, end + 4);
    return reply;
  }

  // Reads one chunk of a chunked body: its data, or "" for the last chunk (no trailer fields
  // expected); nullopt on EOF, timeout or bad framing.
  std::optional<std::string> ReadChunk() {
    size_t line_end;
    while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    size_t size = 0;
    const char* const line_last = buffer_.data() + line_end;
    const std::from_chars_result parsed = std::from_chars(buffer_.data(), line_last, size, 16);
    if (line_end == 0 || parsed.ec != std::errc() || parsed.ptr != line_last) return std::nullopt;
    const size_t total = line_end + 2 + size + 2;
    while (buffer_.size() < total) {
      if (!Fill()) return std::nullopt;
    }
    if (buffer_.compare(total - 2, 2, "\r\n") != 0) return std::nullopt;
    std::string data = buffer_.substr(line_end + 2, size);
    buffer_.erase(0, total);
    return data;
  }

  // Reads until the server closes the connection (or kBound passes); returns what arrived.
  std::string ReadToClose() {
    while (Fill()) {
    }
    return std::exchange(buffer_, std::string());
  }

  // True when the server closes the connection (EOF or reset) without sending anything more.
  bool WaitForClose() {
    while (Fill()) {
    }
    return eof_ && buffer_.empty();
  }

 private:
  explicit Client(int fd) : fd_(fd) {}

  void Connect(sockaddr* address, socklen_t size) {
    if (::connect(fd_, address, size) != 0) connect_errno_ = errno;
  }

  bool Fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(milliseconds(kBound).count())) != 1) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  static Reply ParseHead(const std::string& head) {
    Reply reply;
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.size() >= 12) reply.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      const size_t value = line.find_first_not_of(' ', colon + 1);
      reply.headers[name] = value == std::string::npos ? "" : line.substr(value);
    }
    return reply;
  }

  int fd_;
  int connect_errno_ = 0;
  std::string buffer_;
  bool eof_ = false;
};

inline bool Ready(std::future<void>& future) {
  return future.wait_for(kBound) == std::future_status::ready;
}

inline std::string Get(const std::string& path, const std::string& extra_headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: orchd\r\n" + extra_headers + "\r\n";
}

inline std::string Post(const std::string& path, const std::string& body) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: orchd\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

// ---------------------------------------------------------------------------------------------
// A handler that echoes, or does whatever the test says, and remembers what it saw.

class FakeHandler final : public api::Handler {
 public:
  using Behaviour = std::function<void(const api::Request&, api::ReplyFn&)>;

  void Handle(api::Request request, api::ReplyFn reply) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    if (behaviour_) return behaviour_(request, reply);
    api::Response response;
    response.content_type = "text/plain";
    response.headers = {{"X-Query", request.query}};
    response.body = request.method + " " + request.path + " " + request.body;
    reply(std::move(response));
  }

  // REQUIRES: set before the loop runs.
  void set_behaviour(Behaviour behaviour) { behaviour_ = std::move(behaviour); }

  std::vector<api::Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::vector<api::Request> requests_;
  Behaviour behaviour_;
};

// ---------------------------------------------------------------------------------------------
// Fixture: a temp dir, a server on a Unix socket and 127.0.0.1:0, the loop on its own thread.

class HttpServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/orch-net-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    socket_path_ = dir_ + "/control.sock";
  }

  void TearDown() override {
    StopLoop();
    server_.reset();
    second_server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Creates the server with `limits`, listens on both transports and runs the loop.
  void Start(ServerLimits limits = ServerLimits()) {
    server_ = std::make_unique<HttpServer>(loop_, handler_, limits);
    ASSERT_OK(server_->ListenUnix(socket_path_, 0660, std::nullopt));
    ASSERT_OK_AND_ASSIGN(tcp_port_, server_->ListenTcp("127.0.0.1", 0));
    StartLoop();
  }

  void StartLoop() {
    loop_thread_ = std::thread([this] { loop_.Run(); });
  }

  void StopLoop() {
    if (!loop_thread_.joinable()) return;
    loop_.Stop();
    loop_thread_.join();
  }

  // Runs `fn` on the loop thread and waits for it.
  void RunOnLoop(std::function<void()> fn) {
    std::promise<void> done;
    loop_.Post([&] {
      fn();
      done.set_value();
    });
    ASSERT_EQ(done.get_future().wait_for(kBound), std::future_status::ready);
  }

  size_t ConnectionCount() {
    size_t count = 0;
    RunOnLoop([&] { count = server_->connection_count(); });
    return count;
  }

  // A copy of the server's counters, read on the loop.
  ServerCounters Counters() {
    ServerCounters counters;
    RunOnLoop([&] { counters = server_->counters(); });
    return counters;
  }

  // Starts Shutdown on the loop; the returned future is ready once `done` has been called.
  std::future<void> Shutdown() {
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> future = done->get_future();
    RunOnLoop([&] { server_->Shutdown([done] { done->set_value(); }); });
    return future;
  }

  // Sends `request` on a new Unix connection and reads one reply.
  std::optional<Reply> RoundTrip(const std::string& request) {
    Client client = Client::Unix(socket_path_);
    if (!client.Send(request)) return std::nullopt;
    return client.Read();
  }

  std::string dir_;
  std::string socket_path_;
  uint16_t tcp_port_ = 0;
  EventLoop loop_;
  FakeHandler handler_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpServer> second_server_;
  std::thread loop_thread_;
};

}  // namespace orch::net::test
