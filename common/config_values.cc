#include "common/config_values.h"

#include <arpa/inet.h>

#include <cctype>
#include <limits>
#include <optional>

namespace orch {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t factor;
};

// Longest suffix first where one suffix ends another ("ms" before "s").
constexpr Unit kDurationUnits[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000},
};

// The first entry is the base unit that a bare number means.
constexpr Unit kSizeUnits[] = {
    {"", 1},
    {"KiB", uint64_t{1} << 10},
    {"MiB", uint64_t{1} << 20},
    {"GiB", uint64_t{1} << 30},
};

std::string Quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Splits "90s" into "90" and "s" at the first non-digit.
std::pair<std::string_view, std::string_view> SplitNumber(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsDigit(text[i])) ++i;
  return {text.substr(0, i), text.substr(i)};
}

StatusOr<uint64_t> Scale(uint64_t n, uint64_t factor, std::string_view text) {
  if (n > std::numeric_limits<int64_t>::max() / factor) {
    return InvalidArgumentError(Quoted(text) + " is too large");
  }
  return n * factor;
}

template <size_t N>
const Unit* FindUnit(const Unit (&units)[N], std::string_view suffix) {
  for (const Unit& unit : units) {
    if (unit.suffix == suffix) return &unit;
  }
  return nullptr;
}

// `amount` base units in the largest of `units` that holds it whole ("1536KiB", "90m").
template <size_t N>
std::string WholeSpelling(uint64_t amount, const Unit (&units)[N]) {
  for (auto it = std::rbegin(units); it != std::rend(units); ++it) {
    if (amount % it->factor == 0)
      return std::to_string(amount / it->factor) + std::string(it->suffix);
  }
  return std::to_string(amount) + std::string(units[0].suffix);
}

// For "1.5MiB" (digits "1", rest ".5MiB"): the error that says values are whole numbers and,
// when the amount is a whole number of base units, how to write it ("1536KiB"). nullopt when
// `rest` is not a fraction followed by one of `units`.
template <size_t N>
std::optional<Status> FractionError(std::string_view text, std::string_view digits,
                                    std::string_view rest, const Unit (&units)[N],
                                    std::string_view what) {
  if (digits.empty() || rest.size() < 2 || rest[0] != '.' || !IsDigit(rest[1])) return std::nullopt;
  auto [fraction, suffix] = SplitNumber(rest.substr(1));
  const Unit* unit = FindUnit(units, suffix);
  if (unit == nullptr) return std::nullopt;
  std::string message = Quoted(text) + " is not a whole number: " + std::string(what) +
                        " are whole numbers with a unit";
  // Nine digits on either side keep every product below 2^64 (units are at most 2^30).
  if (digits.size() > 9 || fraction.size() > 9) return InvalidArgumentError(message);
  uint64_t scale = 1;
  for (size_t i = 0; i < fraction.size(); ++i) scale *= 10;
  const uint64_t whole = *ParseUnsigned(digits) * unit->factor;
  const uint64_t part = *ParseUnsigned(fraction) * unit->factor;
  if (part % scale != 0) return InvalidArgumentError(message);
  return InvalidArgumentError(message + ", such as " + WholeSpelling(whole + part / scale, units));
}

bool IsLabelChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
}

bool IsDnsLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!IsLabelChar(c)) return false;
  }
  return true;
}

}  // namespace

StatusOr<uint64_t> ParseUnsigned(std::string_view text) {
  if (text.empty() || text.size() > 19) {
    return InvalidArgumentError(Quoted(text) + " is not a whole number in range");
  }
  uint64_t n = 0;
  for (char c : text) {
    if (!IsDigit(c)) return InvalidArgumentError(Quoted(text) + " is not a whole number");
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

StatusOr<Duration> ParseDuration(std::string_view text) {
  auto [digits, suffix] = SplitNumber(text);
  if (digits.empty()) {
    return InvalidArgumentError("expected a duration like 10m, got " + Quoted(text));
  }
  if (suffix.empty()) {
    return InvalidArgumentError(Quoted(text) + " needs a unit: ms, s, m, h or d (for example " +
                                std::string(digits) + "s)");
  }
  for (const Unit& unit : kDurationUnits) {
    if (suffix != unit.suffix) continue;
    ORCH_ASSIGN_OR_RETURN(uint64_t n, ParseUnsigned(digits));
    ORCH_ASSIGN_OR_RETURN(uint64_t ms, Scale(n, unit.factor, text));
    return Duration(static_cast<int64_t>(ms));
  }
  if (auto error = FractionError(text, digits, suffix, kDurationUnits, "durations")) {
    return *error;
  }
  return InvalidArgumentError("expected a duration like 10m, got " + Quoted(text) +
                              " (units: ms, s, m, h, d)");
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  // Largest unit first, so 90 minutes reads "90m" and a day reads "1d".
  for (auto it = std::rbegin(kDurationUnits); it != std::rend(kDurationUnits); ++it) {
    auto factor = static_cast<int64_t>(it->factor);
    if (ms % factor == 0) return std::to_string(ms / factor) + std::string(it->suffix);
  }
  return std::to_string(ms) + "ms";
}

StatusOr<uint64_t> ParseSize(std::string_view text) {
  auto [digits, suffix] = SplitNumber(text);
  if (digits.empty()) {
    return InvalidArgumentError("expected a size like 8MiB or a number of bytes, got " +
                                Quoted(text));
  }
  ORCH_ASSIGN_OR_RETURN(uint64_t n, ParseUnsigned(digits));
  if (const Unit* unit = FindUnit(kSizeUnits, suffix)) return Scale(n, unit->factor, text);
  if (auto error = FractionError(text, digits, suffix, kSizeUnits, "sizes")) return *error;
  return InvalidArgumentError("unknown size unit " + Quoted(suffix) + " in " + Quoted(text) +
                              " (use bytes, KiB, MiB or GiB)");
}

StatusOr<uint32_t> ParseFileMode(std::string_view text) {
  bool octal = text.size() == 3 || text.size() == 4;
  for (char c : text) octal = octal && c >= '0' && c <= '7';
  if (!octal) {
    return InvalidArgumentError("expected an octal mode like \"0660\", got " + Quoted(text));
  }
  uint32_t mode = 0;
  for (char c : text) mode = mode * 8 + static_cast<uint32_t>(c - '0');
  // Set-id and sticky bits mean nothing on a socket; refusing them catches a mistyped mode.
  if (mode > 0777) return InvalidArgumentError("mode " + Quoted(text) + " must be within 0777");
  return mode;
}

std::optional<bool> ParseYamlBool(std::string_view text) {
  static constexpr std::pair<std::string_view, bool> kWords[] = {
      {"true", true}, {"yes", true}, {"on", true}, {"false", false}, {"no", false}, {"off", false},
  };
  for (const auto& [word, value] : kWords) {
    std::string capitalised(word);
    capitalised[0] = static_cast<char>(capitalised[0] - 'a' + 'A');
    std::string upper(word);
    for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
    if (text == word || text == capitalised || text == upper) return value;
  }
  return std::nullopt;
}

bool IsIpAddress(std::string_view text) {
  std::string copy(text);
  unsigned char buf[16];
  return inet_pton(AF_INET, copy.c_str(), buf) == 1 || inet_pton(AF_INET6, copy.c_str(), buf) == 1;
}

bool IsDnsName(std::string_view text) {
  if (text.starts_with("*.")) text.remove_prefix(2);
  if (text.empty() || text.size() > 253) return false;
  while (true) {
    size_t dot = text.find('.');
    if (!IsDnsLabel(text.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    text.remove_prefix(dot + 1);
  }
}

StatusOr<ListenAddress> ParseListenAddress(std::string_view text) {
  const std::string shape = " (expected \"ipv4:port\" or \"[ipv6]:port\", e.g. \"0.0.0.0:8443\")";
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return InvalidArgumentError(Quoted(text) + " has no port" + shape);
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  // An unbracketed IPv6 address cannot be told apart from its port.
  bool host_ok = bracketed ? IsIpAddress(host) && host.find(':') != std::string_view::npos
                           : IsIpAddress(host) && host.find(':') == std::string_view::npos;
  if (!host_ok) {
    return InvalidArgumentError(Quoted(host) + " is not an IP address" + shape);
  }
  StatusOr<uint64_t> port = ParseUnsigned(port_text);
  if (!port.ok() || *port > 65535) {
    return InvalidArgumentError("port " + Quoted(port_text) + " is not in 0..65535");
  }
  return ListenAddress{std::string(host), static_cast<uint16_t>(*port)};
}

std::string FormatListenAddress(const ListenAddress& address) {
  bool v6 = address.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + address.host + "]" : address.host;
  return host + ":" + std::to_string(address.port);
}

}  // namespace orch
