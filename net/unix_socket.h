// Unix-socket plumbing in plain POSIX: binding a socket file safely, recognising an inherited
// listening socket, and reading a peer's kernel credentials. Internal to net/.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "api/http.h"
#include "common/status.h"

namespace orch::net {

/// A socket file this process created, identified by inode so that it is removed only while it
/// is still ours.
struct SocketFile {
  std::string path;
  dev_t dev = 0;
  ino_t ino = 0;
};

/// A bound, listening Unix stream socket and the file it created.
struct UnixListenSocket {
  int fd = -1;  // owned by the caller; close-on-exec
  SocketFile file;
};

/// Binds and listens on `path`, then applies `mode` and, when given, `group`. A stale socket
/// file (nobody listening) is replaced; a live one, or a file that is not a socket, is refused
/// and left alone.
StatusOr<UnixListenSocket> BindUnixSocket(const std::string& path, unsigned mode,
                                          std::optional<gid_t> group);

/// Ok when BindUnixSocket(path, ...) would not be refused for what is at `path`: nothing, or a
/// socket file no process serves. Creates, removes and changes nothing.
Status CheckUnixSocketPathFree(const std::string& path);

/// Removes `file.path` if it is still the socket recorded in `file`; otherwise leaves it.
void RemoveSocketFile(const SocketFile& file);

/// Ok if `fd` is a listening Unix stream socket (as handed over by socket activation).
Status CheckListeningUnixSocket(int fd);

/// The kernel's credentials (SO_PEERCRED) for the peer of a connected Unix socket.
std::optional<api::PeerCredentials> PeerCredentialsOf(int fd);

}  // namespace orch::net
