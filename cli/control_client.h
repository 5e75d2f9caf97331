// orchctl's HTTP/1.1 client for the control socket. The only translation unit of cli/ that
// sees Boost.Asio and Beast; callers see plain strings and Status.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orch::cli {

/// One answer of the daemon.
struct HttpAnswer {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
};

/// Calls on one control socket, each on a connection of its own.
class ControlClient {
 public:
  explicit ControlClient(std::string socket_path) : socket_path_(std::move(socket_path)) {}

  const std::string& socket_path() const { return socket_path_; }

  /// Sends one request (a JSON body when `body` is not empty) and reads the whole answer.
  /// Unavailable, naming the socket path and the reason (no such socket, connection refused,
  /// permission denied), when the daemon cannot be reached; Internal for a broken answer.
  StatusOr<HttpAnswer> Call(std::string_view method, std::string_view target,
                            std::string_view body = "") const;

  /// Sends a GET and hands the body to `on_data` piece by piece as it arrives, until the
  /// daemon ends it or `on_data` answers false. The answer's status and headers come first
  /// through `on_head`; a status other than 200 makes the body go to `on_error_body` whole.
  Status Stream(std::string_view target, const std::function<void(int status)>& on_head,
                const std::function<bool(std::string_view data)>& on_data,
                std::string* error_body) const;

 private:
  std::string socket_path_;
};

}  // namespace orch::cli
