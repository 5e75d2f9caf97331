#include "net/http_server.h"

#include <unistd.h>

#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/connection_manager.h"
#include "net/event_loop_internal.h"
#include "net/http_connection.h"
#include "net/net_log.h"
#include "net/tls_stream.h"
#include "net/unix_socket.h"

namespace orch::net {
namespace {

using UnixProtocol = asio::local::stream_protocol;
using Tcp = asio::ip::tcp;

// After a failed accept caused by resource exhaustion (EMFILE, ENOBUFS, ...), wait before
// trying again instead of spinning on the same error.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

ConnectionInfo DescribePeer(UnixProtocol::socket& socket) {
  ConnectionInfo info;
  info.credentials = PeerCredentialsOf(socket.native_handle());
  info.peer = info.credentials.has_value()
                  ? "unix(pid " + std::to_string(info.credentials->pid) + ", uid " +
                        std::to_string(info.credentials->uid) + ")"
                  : "unix";
  return info;
}

ConnectionInfo DescribePeer(Tcp::socket& socket) {
  error_code ec;
  const Tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return ConnectionInfo{"tcp", std::nullopt, ""};
  const std::string ip = endpoint.address().to_string();
  return ConnectionInfo{ip + ":" + std::to_string(endpoint.port()), std::nullopt, ip};
}

bool IsResourceExhaustion(error_code ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory;
}

void RunCallbacks(std::vector<std::function<void()>>& callbacks) {
  for (auto& callback : callbacks) {
    try {
      if (callback) callback();
    } catch (const std::exception& e) {
      NetLog().error("shutdown callback threw: {}", e.what());
    }
  }
}

}  // namespace

// What the server's listeners share with it.
class ListenerBase {
 public:
  virtual ~ListenerBase() = default;
  /// Stops accepting; pending accepts complete with operation_aborted and are ignored.
  virtual void Close() = 0;
};

class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(asio::io_context& io, api::Handler& handler, ServerLimits limits)
      : io_(io), handler_(handler), limits_(limits), drain_timer_(io) {}
  ~Impl();

  Status ListenUnix(const std::string& path, unsigned mode, std::optional<gid_t> group);
  Status AdoptUnixFd(int fd);
  StatusOr<uint16_t> ListenTcp(const std::string& host, uint16_t port,
                               std::shared_ptr<asio::ssl::context> tls = nullptr);
  void SetLimits(ServerLimits limits) { limits_ = limits; }
  void Shutdown(std::function<void()> done);
  size_t connection_count() const { return connections_.size(); }
  const ServerCounters& counters() const { return counters_; }

  /// Serves a freshly accepted connection, or turns it away at the connection cap.
  template <typename Socket>
  void Serve(Socket socket) {
    ConnectionInfo info = DescribePeer(socket);
    ServeStream(std::move(socket), std::move(info));
  }
  /// As Serve, under TLS with `context`.
  void ServeTls(Tcp::socket socket, asio::ssl::context& context) {
    ConnectionInfo info = DescribePeer(socket);
    ServeStream(TlsStream(std::move(socket), context), std::move(info));
  }

 private:
  enum class State { kServing, kDraining, kStopped };

  template <typename Stream>
  void ServeStream(Stream stream, ConnectionInfo info);
  Status AdoptUnixListener(int fd, const std::string& label);
  template <typename Protocol>
  void StartListener(typename Protocol::acceptor acceptor,
                     std::shared_ptr<asio::ssl::context> tls = nullptr);
  void StartDrainTimer();
  void FinishShutdown();
  void CloseEverything();

  asio::io_context& io_;
  api::Handler& handler_;
  ServerLimits limits_;
  State state_ = State::kServing;
  std::vector<std::shared_ptr<ListenerBase>> listeners_;
  std::vector<SocketFile> owned_files_;
  ConnectionManager connections_;
  ConnectionManager rejected_;  // being told 503; not counted against the cap
  ServerCounters counters_;
  asio::steady_timer drain_timer_;
  std::vector<std::function<void()>> done_;
};

namespace {

// Accepts connections on one acceptor and hands them to the server. Kept alive by its pending
// accept; Close() makes any completion that is still queued a no-op.
template <typename Protocol>
class Listener final : public ListenerBase,
                       public std::enable_shared_from_this<Listener<Protocol>> {
 public:
  /// With `tls`, every accepted connection is served under TLS (TCP only).
  Listener(typename Protocol::acceptor acceptor, HttpServer::Impl& server,
           std::shared_ptr<asio::ssl::context> tls)
      : acceptor_(std::move(acceptor)),
        retry_timer_(acceptor_.get_executor()),
        server_(&server),
        tls_(std::move(tls)) {}

  void Accept() {
    acceptor_.async_accept(
        [self = this->shared_from_this()](error_code ec, typename Protocol::socket socket) {
          if (self->closed_) return;
          if (ec) return self->OnAcceptError(ec);
          self->Hand(std::move(socket));
          self->Accept();
        });
  }

  void Close() override {
    closed_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
  }

 private:
  void Hand(typename Protocol::socket socket) {
    if constexpr (std::is_same_v<Protocol, Tcp>) {
      if (tls_) return server_->ServeTls(std::move(socket), *tls_);
    }
    server_->Serve(std::move(socket));
  }

  void OnAcceptError(error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (!IsResourceExhaustion(ec)) {
      NetLog().debug("accept failed: {}", ec.message());
      return Accept();
    }
    NetLog().warn("accept failed: {}; retrying in {} ms", ec.message(), kAcceptRetryDelay.count());
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([self = this->shared_from_this()](error_code wait_ec) {
      if (wait_ec || self->closed_) return;
      self->Accept();
    });
  }

  typename Protocol::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  HttpServer::Impl* server_;
  std::shared_ptr<asio::ssl::context> tls_;
  bool closed_ = false;
};

}  // namespace

HttpServer::Impl::~Impl() {
  connections_.SetOnEmpty(nullptr);
  CloseEverything();
}

void HttpServer::Impl::CloseEverything() {
  for (const auto& listener : listeners_) listener->Close();
  listeners_.clear();
  rejected_.CloseAll();
  connections_.CloseAll();
  for (const SocketFile& file : owned_files_) RemoveSocketFile(file);
  owned_files_.clear();
}

template <typename Protocol>
void HttpServer::Impl::StartListener(typename Protocol::acceptor acceptor,
                                     std::shared_ptr<asio::ssl::context> tls) {
  auto listener = std::make_shared<Listener<Protocol>>(std::move(acceptor), *this, std::move(tls));
  listener->Accept();
  listeners_.push_back(std::move(listener));
}

Status HttpServer::Impl::ListenUnix(const std::string& path, unsigned mode,
                                    std::optional<gid_t> group) {
  if (state_ != State::kServing) return FailedPreconditionError("server is shutting down");
  ORCH_ASSIGN_OR_RETURN(UnixListenSocket bound, BindUnixSocket(path, mode, group));
  if (Status status = AdoptUnixListener(bound.fd, path); !status.ok()) {
    ::close(bound.fd);
    RemoveSocketFile(bound.file);
    return status;
  }
  owned_files_.push_back(std::move(bound.file));
  return Status::Ok();
}

Status HttpServer::Impl::AdoptUnixFd(int fd) {
  if (state_ != State::kServing) return FailedPreconditionError("server is shutting down");
  ORCH_RETURN_IF_ERROR(CheckListeningUnixSocket(fd));
  return AdoptUnixListener(fd, "inherited fd " + std::to_string(fd));
}

Status HttpServer::Impl::AdoptUnixListener(int fd, const std::string& label) {
  UnixProtocol::acceptor acceptor(io_);
  error_code ec;
  acceptor.assign(UnixProtocol(), fd, ec);
  if (ec) return InternalError("cannot serve " + label + ": " + ec.message());
  StartListener<UnixProtocol>(std::move(acceptor));
  NetLog().info("listening on unix socket {}", label);
  return Status::Ok();
}

StatusOr<uint16_t> HttpServer::Impl::ListenTcp(const std::string& host, uint16_t port,
                                               std::shared_ptr<asio::ssl::context> tls) {
  if (state_ != State::kServing) return FailedPreconditionError("server is shutting down");
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return InvalidArgumentError("not an IP address: " + host);
  const Tcp::endpoint endpoint(address, port);
  const std::string label = endpoint.address().to_string() + ":" + std::to_string(port);
  Tcp::acceptor acceptor(io_);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(Tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  const uint16_t bound_port = ec ? 0 : acceptor.local_endpoint(ec).port();
  if (ec) return FailedPreconditionError("cannot listen on " + label + ": " + ec.message());
  const bool with_tls = tls != nullptr;
  StartListener<Tcp>(std::move(acceptor), std::move(tls));
  NetLog().info("listening on tcp {}:{}{}", endpoint.address().to_string(), bound_port,
                with_tls ? " (TLS)" : "");
  return bound_port;
}

template <typename Stream>
void HttpServer::Impl::ServeStream(Stream stream, ConnectionInfo info) {
  if (state_ != State::kServing) return;  // closing `stream` is all that is left to do
  const bool over_cap = connections_.size() >= limits_.max_connections;
  if (over_cap && rejected_.size() >= limits_.max_connections) {
    // Even the turning-away is saturated: close without a word rather than queue more work.
    NetLog().warn("{}: connection limit {} reached; closing", info.peer, limits_.max_connections);
    ++counters_.connections_dropped;
    return;
  }
  if (over_cap) {
    NetLog().warn("{}: connection limit {} reached; answering 503", info.peer,
                  limits_.max_connections);
  }
  ConnectionManager& manager = over_cap ? rejected_ : connections_;
  auto connection = std::make_shared<HttpConnection<Stream>>(
      std::move(stream), std::move(info), limits_, handler_, manager, counters_);
  manager.Add(connection);
  if (!over_cap) {
    ++counters_.connections_accepted;
    return connection->Start();
  }
  connection->Reject(api::ErrorResponse(503, "RESOURCE_EXHAUSTED", "too many connections"));
}

void HttpServer::Impl::Shutdown(std::function<void()> done) {
  done_.push_back(std::move(done));
  if (state_ == State::kStopped) return FinishShutdown();
  if (state_ == State::kDraining) return;
  state_ = State::kDraining;
  NetLog().info("shutting down; draining {} connection(s)", connections_.size());
  for (const auto& listener : listeners_) listener->Close();
  rejected_.CloseAll();
  connections_.SetOnEmpty([weak = weak_from_this()] {
    if (const auto self = weak.lock()) self->FinishShutdown();
  });
  connections_.DrainAll();
  if (connections_.size() == 0) return FinishShutdown();
  StartDrainTimer();
}

void HttpServer::Impl::StartDrainTimer() {
  drain_timer_.expires_after(limits_.drain_timeout);
  drain_timer_.async_wait([weak = weak_from_this()](error_code ec) {
    const auto self = weak.lock();
    if (ec || self == nullptr || self->state_ != State::kDraining) return;
    NetLog().warn("drain timeout; closing {} busy connection(s)", self->connections_.size());
    self->connections_.CloseAll();
    self->FinishShutdown();
  });
}

// Runs once per Shutdown() call that finds the server drained; `done` callbacks are posted so
// they never run inside a connection's close path or inside Shutdown() itself.
void HttpServer::Impl::FinishShutdown() {
  if (state_ != State::kStopped) {
    state_ = State::kStopped;
    drain_timer_.cancel();
    CloseEverything();
    NetLog().info("server stopped");
  }
  asio::post(io_, [callbacks = std::exchange(done_, {})]() mutable { RunCallbacks(callbacks); });
}

HttpServer::HttpServer(EventLoop& loop, api::Handler& handler, ServerLimits limits)
    : impl_(std::make_shared<Impl>(EventLoopAccess::IoContext(loop), handler, limits)) {}

HttpServer::~HttpServer() = default;

Status HttpServer::ListenUnix(const std::string& path, unsigned mode, std::optional<gid_t> group) {
  return impl_->ListenUnix(path, mode, group);
}

Status HttpServer::AdoptUnixFd(int fd) {
  return impl_->AdoptUnixFd(fd);
}

StatusOr<uint16_t> HttpServer::ListenTcp(const std::string& host, uint16_t port) {
  return impl_->ListenTcp(host, port);
}

StatusOr<uint16_t> HttpServer::ListenTls(const std::string& host, uint16_t port,
                                         const TlsServerOptions& tls) {
  ORCH_ASSIGN_OR_RETURN(std::shared_ptr<asio::ssl::context> context, MakeServerTlsContext(tls));
  return impl_->ListenTcp(host, port, std::move(context));
}

void HttpServer::SetLimits(ServerLimits limits) {
  impl_->SetLimits(limits);
}

void HttpServer::Shutdown(std::function<void()> done) {
  impl_->Shutdown(std::move(done));
}

size_t HttpServer::connection_count() const {
  return impl_->connection_count();
}

const ServerCounters& HttpServer::counters() const {
  return impl_->counters();
}

Status CheckUnixListenPath(const std::string& path) {
  return CheckUnixSocketPathFree(path);
}

Status CheckTcpListenAddress(const std::string& host, uint16_t port) {
  if (port == 0) return Status::Ok();
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return InvalidArgumentError("not an IP address: " + host);
  const Tcp::endpoint endpoint(address, port);
  asio::io_context io;
  Tcp::acceptor acceptor(io);
  // The same options as ListenTcp, so that the answer is the one ListenTcp would get.
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(Tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (ec) {
    return FailedPreconditionError("cannot listen on " + address.to_string() + ":" +
                                   std::to_string(port) + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace orch::net
