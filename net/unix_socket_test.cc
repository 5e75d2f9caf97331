// ListenUnix, AdoptUnixFd and ListenTcp through HttpServer: the stale-socket rule, modes,
// groups, socket activation and peer credentials (unix_socket.cc underneath).
#include "net/unix_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/http_server.h"
#include "net/http_server_test_support.h"

namespace orch::net {
namespace {

using test::Get;
using test::Ready;
using test::Reply;
using ::testing::HasSubstr;

using UnixSocketTest = test::HttpServerFixture;

TEST_F(UnixSocketTest, PeerCredentialsComeFromTheKernel) {
  // Given a request on the Unix socket, Request.peer carries this process's uid, gid and pid.
  Start();
  ASSERT_TRUE(RoundTrip(Get("/Status")).has_value());
  const std::vector<api::Request> requests = handler_.requests();
  ASSERT_EQ(requests.size(), 1u);
  ASSERT_TRUE(requests[0].peer.has_value());
  EXPECT_EQ(requests[0].peer->uid, ::getuid());
  EXPECT_EQ(requests[0].peer->gid, ::getgid());
  EXPECT_EQ(requests[0].peer->pid, ::getpid());
}

// ---------------------------------------------------------------------------------------------
// Socket files

TEST_F(UnixSocketTest, SocketModeIsApplied) {
  // Given ListenUnix with mode 0600, the socket file has exactly that mode.
  server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
  ASSERT_OK(server_->ListenUnix(socket_path_, 0600, std::nullopt));
  struct stat st {};
  ASSERT_EQ(::stat(socket_path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(UnixSocketTest, GroupIsApplied) {
  // Given ListenUnix with our own group, the socket file belongs to it.
  server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
  ASSERT_OK(server_->ListenUnix(socket_path_, 0660, ::getgid()));
  struct stat st {};
  ASSERT_EQ(::stat(socket_path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, ::getgid());
}

TEST_F(UnixSocketTest, StaleSocketFileIsReplaced) {
  // Given a socket file nobody listens on (a crashed instance), ListenUnix replaces it.
  const int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path_.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(stale, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::close(stale);
  ASSERT_TRUE(std::filesystem::is_socket(socket_path_));
  Start();
  std::optional<Reply> reply = RoundTrip(Get("/fresh"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
}

TEST_F(UnixSocketTest, LiveSocketIsNeverStolen) {
  // Given a server serving the path, a second server's ListenUnix fails and the first keeps
  // answering on the same file.
  Start();
  Status status;
  RunOnLoop([&] {
    second_server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
    status = second_server_->ListenUnix(socket_path_, 0660, std::nullopt);
  });
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "another process is serving " + socket_path_);
  std::optional<Reply> reply = RoundTrip(Get("/first"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  RunOnLoop([&] { second_server_.reset(); });
  EXPECT_TRUE(std::filesystem::is_socket(socket_path_));
}

TEST_F(UnixSocketTest, NonSocketFileIsRefusedAndKept) {
  // Given a regular file at the socket path, ListenUnix refuses, names the path, keeps the file.
  std::ofstream(socket_path_) << "precious";
  server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
  Status status = server_->ListenUnix(socket_path_, 0660, std::nullopt);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr(socket_path_));
  std::ifstream in(socket_path_);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(UnixSocketTest, TooLongSocketPathIsRefused) {
  // Given a path longer than sun_path, ListenUnix fails with InvalidArgument.
  server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
  Status status = server_->ListenUnix(dir_ + "/" + std::string(200, 's'), 0660, std::nullopt);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
}

TEST_F(UnixSocketTest, AdoptedSocketServesAndItsFileIsKept) {
  // Given an inherited listening socket (socket activation), it is served, and Shutdown leaves
  // its file to whoever created it.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path_.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
  ASSERT_OK(server_->AdoptUnixFd(fd));
  StartLoop();
  std::optional<Reply> reply = RoundTrip(Get("/activated"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  std::future<void> done = Shutdown();
  ASSERT_TRUE(Ready(done));
  EXPECT_TRUE(std::filesystem::is_socket(socket_path_));
}

TEST_F(UnixSocketTest, AdoptRejectsADescriptorThatIsNotAListeningSocket) {
  // Given a pipe and an unbound socket, AdoptUnixFd refuses both and leaves them open.
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const int unbound = ::socket(AF_UNIX, SOCK_STREAM, 0);
  server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
  EXPECT_EQ(server_->AdoptUnixFd(pipe_fds[0]).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server_->AdoptUnixFd(unbound).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(::fcntl(pipe_fds[0], F_GETFD), -1);
  EXPECT_NE(::fcntl(unbound, F_GETFD), -1);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  ::close(unbound);
}

TEST_F(UnixSocketTest, ListenTcpRejectsAHostThatIsNotAnAddress) {
  // Given a host that is not an IP literal, ListenTcp fails with InvalidArgument.
  server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
  EXPECT_EQ(server_->ListenTcp("not an address", 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(UnixSocketTest, CheckUnixListenPathRefusesWhatListenUnixRefusesAndTouchesNothing) {
  // Given nothing, a stale socket, a live socket and a regular file at the path, the check
  // passes the first two and refuses the others as ListenUnix would, leaving every file there.
  EXPECT_OK(CheckUnixListenPath(socket_path_));
  EXPECT_FALSE(std::filesystem::exists(socket_path_));

  const int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path_.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(stale, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::close(stale);
  EXPECT_OK(CheckUnixListenPath(socket_path_));
  EXPECT_TRUE(std::filesystem::is_socket(socket_path_));

  Start();
  Status live = CheckUnixListenPath(socket_path_);
  EXPECT_EQ(live.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(live.message(), "another process is serving " + socket_path_);

  const std::string file = dir_ + "/file";
  std::ofstream(file) << "precious";
  EXPECT_EQ(CheckUnixListenPath(file).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::is_regular_file(file));
}

TEST_F(UnixSocketTest, CheckTcpListenAddressRefusesAPortInUse) {
  // Given a listener on a loopback port, the check refuses that port, and passes it once the
  // listener is gone; port 0 always passes.
  server_ = std::make_unique<HttpServer>(loop_, handler_, ServerLimits());
  ASSERT_OK_AND_ASSIGN(uint16_t port, server_->ListenTcp("127.0.0.1", 0));
  Status taken = CheckTcpListenAddress("127.0.0.1", port);
  EXPECT_EQ(taken.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(taken.message(), HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(port)));
  server_.reset();
  EXPECT_OK(CheckTcpListenAddress("127.0.0.1", port));
  EXPECT_OK(CheckTcpListenAddress("127.0.0.1", 0));
  EXPECT_EQ(CheckTcpListenAddress("localhost", 1).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orch::net
