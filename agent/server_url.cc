#include "agent/server_url.h"

#include <algorithm>

#include "common/config_values.h"
#include "jobs/ascii.h"

namespace orch::agent {
namespace {

constexpr std::string_view kShape =
    " (expected https://HOST[:PORT][/PATH], e.g. https://orchd.example.com:8443)";

std::string Quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Characters RFC 3986 allows in a path, '%' escapes included; '?' and '#' end a path and are
// refused by the caller.
bool IsPathChar(char c) {
  static constexpr std::string_view kOther = "-._~!$&'()*+,;=:@/%";
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         kOther.find(c) != std::string_view::npos;
}

// "https" or "http", in any case; the rest of `text` is left in `text`.
StatusOr<bool> TakeScheme(std::string_view& text) {
  size_t end = text.find("://");
  if (end == std::string_view::npos) {
    return InvalidArgumentError(Quoted(text) + " is not a URL" + std::string(kShape));
  }
  std::string scheme = jobs::AsciiLowercase(text.substr(0, end));
  text.remove_prefix(end + 3);
  if (scheme == "https") return true;
  if (scheme == "http") return false;
  return InvalidArgumentError("unsupported scheme " + Quoted(scheme) + std::string(kShape));
}

Status TakeHost(std::string_view& authority, ServerUrl& url) {
  bool bracketed = authority.starts_with('[');
  size_t host_end = bracketed ? authority.find(']') : authority.rfind(':');
  if (bracketed && host_end == std::string_view::npos) {
    return InvalidArgumentError("unclosed '[' in host " + Quoted(authority));
  }
  if (host_end == std::string_view::npos) host_end = authority.size();
  std::string_view host =
      bracketed ? authority.substr(1, host_end - 1) : authority.substr(0, host_end);
  authority.remove_prefix(bracketed ? host_end + 1 : host_end);
  if (host.empty()) return InvalidArgumentError("the URL has no host" + std::string(kShape));
  // An IPv6 address needs its brackets: without them its colons read as a port.
  bool ok = bracketed ? IsIpAddress(host) && host.find(':') != std::string_view::npos
                      : (IsIpAddress(host) || IsDnsName(host)) && !host.starts_with("*.");
  if (!ok) {
    return InvalidArgumentError(Quoted(host) + " is not a host name or IP address" +
                                (bracketed ? "" : " (an IPv6 address goes in brackets)"));
  }
  url.host = std::string(host);
  return Status::Ok();
}

Status TakePort(std::string_view rest, ServerUrl& url) {
  url.port = url.tls ? 443 : 80;
  if (rest.empty()) return Status::Ok();
  if (!rest.starts_with(':')) {
    return InvalidArgumentError("unexpected " + Quoted(rest) + " after the host" +
                                std::string(kShape));
  }
  StatusOr<uint64_t> port = ParseUnsigned(rest.substr(1));
  if (!port.ok() || *port == 0 || *port > 65535) {
    return InvalidArgumentError("port " + Quoted(rest.substr(1)) + " is not in 1..65535");
  }
  url.port = static_cast<uint16_t>(*port);
  return Status::Ok();
}

Status TakePath(std::string_view path, ServerUrl& url) {
  size_t bad = path.find_first_of("?#");
  if (bad != std::string_view::npos) {
    return InvalidArgumentError(std::string(path[bad] == '?' ? "a query" : "a fragment") +
                                " is not allowed; give only scheme, host, port and path");
  }
  if (!std::all_of(path.begin(), path.end(), IsPathChar)) {
    return InvalidArgumentError("path " + Quoted(path) +
                                " has a character that must be %-escaped (such as a space)");
  }
  while (path.ends_with('/')) path.remove_suffix(1);
  url.path_prefix = std::string(path);
  return Status::Ok();
}

}  // namespace

StatusOr<ServerUrl> ParseServerUrl(std::string_view text) {
  ServerUrl url;
  std::string_view rest = text;
  ORCH_ASSIGN_OR_RETURN(url.tls, TakeScheme(rest));
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError(
        "a user name or password is not allowed in the URL (the agent authenticates with its "
        "secret and certificate)");
  }
  ORCH_RETURN_IF_ERROR(TakeHost(authority, url));
  ORCH_RETURN_IF_ERROR(TakePort(authority, url));
  ORCH_RETURN_IF_ERROR(TakePath(path, url));
  return url;
}

std::string FormatServerUrl(const ServerUrl& url) {
  bool v6 = url.host.find(':') != std::string::npos;
  return std::string(url.tls ? "https" : "http") + "://" + (v6 ? "[" + url.host + "]" : url.host) +
         ":" + std::to_string(url.port) + url.path_prefix;
}

std::string EndpointTarget(const ServerUrl& url, std::string_view endpoint) {
  while (endpoint.starts_with('/')) endpoint.remove_prefix(1);
  return url.path_prefix + "/" + std::string(endpoint);
}

}  // namespace orch::agent
