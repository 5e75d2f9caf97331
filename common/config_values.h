// Parsers for the scalar value types of configuration files (orchd's and orch-agent's):
// durations, sizes, file modes, listening addresses and host names. Pure functions; no YAML.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orch {

/// Every duration in a configuration file, at millisecond resolution.
using Duration = std::chrono::milliseconds;

/// Parses an integer with a unit: "500ms", "90s", "10m", "1h", "30d". A bare number is an
/// error that asks for a unit.
StatusOr<Duration> ParseDuration(std::string_view text);

/// The spelling of `d` in the largest unit that divides it exactly ("90s", "1h", "0s").
std::string FormatDuration(Duration d);

/// Parses plain bytes ("4096") or a binary multiple ("16KiB", "8MiB", "1GiB").
StatusOr<uint64_t> ParseSize(std::string_view text);

/// Parses an unsigned decimal integer: digits only, no sign, no spaces.
StatusOr<uint64_t> ParseUnsigned(std::string_view text);

/// Parses a permission mode of three or four octal digits ("0660", "660"); at most 0777.
StatusOr<uint32_t> ParseFileMode(std::string_view text);

/// A TCP listening address. `host` is an IP address literal without brackets.
struct ListenAddress {
  std::string host;
  uint16_t port = 0;
  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

/// Parses "ipv4:port" or "[ipv6]:port" with a port in 0..65535 (0 picks a free port).
StatusOr<ListenAddress> ParseListenAddress(std::string_view text);

/// "0.0.0.0:8443" or "[::1]:8443": the form ParseListenAddress reads.
std::string FormatListenAddress(const ListenAddress& address);

/// A YAML 1.1 boolean: true, yes, on or false, no, off, each in lowercase, Capitalised or
/// UPPERCASE (as yaml-cpp reads them). nullopt for anything else, "y" and "n" included.
std::optional<bool> ParseYamlBool(std::string_view text);

/// True when `text` is an IPv4 or IPv6 address literal (no brackets, no port, no prefix).
bool IsIpAddress(std::string_view text);

/// True when `text` is a DNS host name: dot-separated labels of letters, digits and '-', each
/// 1..63 characters, 253 in all; a leading "*." wildcard label is allowed.
bool IsDnsName(std::string_view text);

}  // namespace orch
