#include "net/unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <utility>

namespace orch::net {
namespace {

std::string Errno(int error) {
  return std::strerror(error);
}

// Closes the descriptor when the scope ends unless released.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int fd() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

StatusOr<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return InvalidArgumentError("socket path must be 1.." +
                                std::to_string(sizeof(address.sun_path) - 1) + " bytes: " + path);
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  return address;
}

// A non-blocking probe so a listener with a full backlog answers EAGAIN instead of blocking us.
// Returns ok when nobody listens (ECONNREFUSED), which makes the file safe to remove.
Status ProbeExistingSocket(const std::string& path, const sockaddr_un& address) {
  FdCloser probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (probe.fd() < 0) return FailedPreconditionError("socket(): " + Errno(errno));
  if (::connect(probe.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 ||
      errno == EAGAIN || errno == EINPROGRESS) {
    return FailedPreconditionError("another process is serving " + path);
  }
  if (errno != ECONNREFUSED) {
    return FailedPreconditionError("cannot probe existing socket " + path + ": " + Errno(errno));
  }
  return Status::Ok();
}

// The stale-socket rule: true when a stale socket file is at `path` (and may be removed),
// false when nothing is; refused when a process serves it or it is not a socket.
StatusOr<bool> StaleSocketAt(const std::string& path, const sockaddr_un& address) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    return FailedPreconditionError("cannot stat " + path + ": " + Errno(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return FailedPreconditionError(path + " exists and is not a socket; refusing to replace it");
  }
  ORCH_RETURN_IF_ERROR(ProbeExistingSocket(path, address));
  return true;
}

// Applies the stale-socket rule to whatever is at `path` before we bind there.
Status ClearStaleSocket(const std::string& path, const sockaddr_un& address) {
  ORCH_ASSIGN_OR_RETURN(bool stale, StaleSocketAt(path, address));
  if (!stale) return Status::Ok();
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return FailedPreconditionError("cannot remove stale socket " + path + ": " + Errno(errno));
  }
  return Status::Ok();
}

// Mode and group are applied between bind() and listen(), so no client can connect while the
// file still has the umask's permissions.
Status ApplyOwnership(const std::string& path, unsigned mode, std::optional<gid_t> group) {
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    return FailedPreconditionError("cannot chmod " + path + ": " + Errno(errno));
  }
  if (group.has_value() && ::chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0) {
    return FailedPreconditionError("cannot chown " + path + " to group " + std::to_string(*group) +
                                   ": " + Errno(errno));
  }
  return Status::Ok();
}

StatusOr<SocketFile> BindAndIdentify(int fd, const std::string& path, const sockaddr_un& address) {
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return FailedPreconditionError("cannot bind " + path + ": " + Errno(errno));
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return FailedPreconditionError("cannot stat " + path + " after bind: " + Errno(errno));
  }
  return SocketFile{path, st.st_dev, st.st_ino};
}

}  // namespace

StatusOr<UnixListenSocket> BindUnixSocket(const std::string& path, unsigned mode,
                                          std::optional<gid_t> group) {
  if ((mode & ~07777U) != 0) return InvalidArgumentError("invalid socket mode for " + path);
  ORCH_ASSIGN_OR_RETURN(const sockaddr_un address, UnixAddress(path));
  ORCH_RETURN_IF_ERROR(ClearStaleSocket(path, address));
  FdCloser socket_fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket_fd.fd() < 0) return FailedPreconditionError("socket(): " + Errno(errno));
  ORCH_ASSIGN_OR_RETURN(SocketFile file, BindAndIdentify(socket_fd.fd(), path, address));
  Status status = ApplyOwnership(path, mode, group);
  if (status.ok() && ::listen(socket_fd.fd(), SOMAXCONN) != 0) {
    status = FailedPreconditionError("cannot listen on " + path + ": " + Errno(errno));
  }
  if (!status.ok()) {
    RemoveSocketFile(file);
    return status;
  }
  return UnixListenSocket{socket_fd.Release(), std::move(file)};
}

Status CheckUnixSocketPathFree(const std::string& path) {
  ORCH_ASSIGN_OR_RETURN(const sockaddr_un address, UnixAddress(path));
  return StaleSocketAt(path, address).status();
}

void RemoveSocketFile(const SocketFile& file) {
  struct stat st {};
  if (::lstat(file.path.c_str(), &st) != 0) return;
  // Someone else may have replaced the file since (a newer instance): leave theirs alone.
  if (st.st_dev != file.dev || st.st_ino != file.ino) return;
  ::unlink(file.path.c_str());
}

Status CheckListeningUnixSocket(int fd) {
  int domain = 0;
  int type = 0;
  int listening = 0;
  socklen_t len = sizeof(int);
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) {
    return InvalidArgumentError("fd " + std::to_string(fd) + " is not a socket: " + Errno(errno));
  }
  len = sizeof(int);
  ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
  len = sizeof(int);
  ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
  if (domain != AF_UNIX || type != SOCK_STREAM || listening == 0) {
    return InvalidArgumentError("fd " + std::to_string(fd) +
                                " is not a listening Unix stream socket");
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return Status::Ok();
}

std::optional<api::PeerCredentials> PeerCredentialsOf(int fd) {
  ucred credentials{};
  socklen_t len = sizeof(credentials);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &len) != 0) return std::nullopt;
  return api::PeerCredentials{credentials.pid, credentials.uid, credentials.gid};
}

}  // namespace orch::net
