// The HTTP request path (SPEC §7, §13): the input is the bytes a client sends on one
// connection to a real HttpServer (the control socket's limits, pipelining included) whose
// router parses JSON bodies, paging and query strings as the API's routes do. Whatever arrives
// is answered or the connection closed; nothing crashes, hangs or leaks.
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

#include "api/json_body.h"
#include "api/router.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "store/run_repository.h"

namespace {

using orch::api::PathParams;
using orch::api::Request;
using orch::api::Response;

// The temporary directory of the socket, removed when the process exits.
std::string& SocketDirectory() {
  static std::string* directory = new std::string();
  return *directory;
}

// The server, its loop on a thread of its own, and a temporary socket; made once per process.
struct Harness {
  Harness() {
    std::string pattern = (std::filesystem::temp_directory_path() / "http_fuzz.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    SocketDirectory() = pattern;
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(SocketDirectory(), ignored);
    });
    socket_path = pattern + "/fuzz.sock";
    router.Add("POST", "/Echo/{id}", [](const Request& request, const PathParams& params) {
      orch::StatusOr<nlohmann::json> body = orch::api::ParseJsonBody(request);
      if (!body.ok()) return orch::api::ErrorReply(body.status());
      return orch::api::JsonResponse(nlohmann::json{{"id", params[0]}, {"size", body->size()}}.dump());
    });
    router.Add("GET", "/JobHistory", [](const Request& request, const PathParams&) {
      orch::StatusOr<orch::jobs::Paging> paging =
          orch::api::PagingOf(request, orch::store::RunQueryFields(), "JobHistoryId");
      if (!paging.ok()) return orch::api::ErrorReply(paging.status());
      return orch::api::JsonResponse("[]");
    });
    orch::net::ServerLimits limits;
    limits.read_timeout = std::chrono::milliseconds(2000);
    server = std::make_unique<orch::net::HttpServer>(loop, router, limits);
    if (!server->ListenUnix(socket_path, 0600, std::nullopt).ok()) std::abort();
    thread = std::thread([this] { loop.Run(); });
  }

  orch::net::EventLoop loop;
  orch::api::Router router{{"/KeyfactorAPI"}};
  std::unique_ptr<orch::net::HttpServer> server;
  std::string socket_path;
  std::thread thread;
};

Harness& TheHarness() {
  static Harness* harness = new Harness();  // lives as long as the process
  return *harness;
}

// Sends `data`, half-closes, and reads until the server closes or 3 s pass.
void Exchange(const std::string& path, const uint8_t* data, size_t size) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) std::abort();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) std::abort();
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server closed early (a refused request): fine
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  char buffer[4096];
  pollfd waiting{fd, POLLIN, 0};
  while (::poll(&waiting, 1, 3000) > 0) {
    if (::recv(fd, buffer, sizeof(buffer), 0) <= 0) break;
  }
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& harness = TheHarness();
  Exchange(harness.socket_path, data, size);
  return 0;
}
