// ServerUrl: where orch-agent finds orchd's agent listener, as the `server` setting names it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orch::agent {

/// An https (or, for loopback tests, http) URL without user, query or fragment.
struct ServerUrl {
  bool tls = true;          // https; false for http
  std::string host;         // DNS name or IP address; an IPv6 address without brackets
  uint16_t port = 443;      // the URL's port, else 443 for https and 80 for http
  std::string path_prefix;  // the virtual directory, "" or "/dir" (no trailing '/')
  friend bool operator==(const ServerUrl&, const ServerUrl&) = default;
};

/// Parses "https://HOST[:PORT][/PATH]" (also "http://"); the scheme ignores case, the port is
/// 1..65535, and a trailing '/' of the path is dropped. Errors say what is wrong and show the
/// expected form.
StatusOr<ServerUrl> ParseServerUrl(std::string_view text);

/// "https://host:port/prefix", every part spelled out (IPv6 in brackets).
std::string FormatServerUrl(const ServerUrl& url);

/// The request target of `endpoint` on `url`: the virtual directory, then the endpoint as
/// orchd hands it out ("KeyfactorAgents/Session/Register", with or without a leading '/').
std::string EndpointTarget(const ServerUrl& url, std::string_view endpoint);

}  // namespace orch::agent
