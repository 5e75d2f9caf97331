// The contract every request-body parser keeps under fuzzing: refusals are InvalidArgument,
// and what it accepts is within the documented limits. Any breach aborts, which libFuzzer
// reports as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "jobs/bounded_json.h"

namespace orch::fuzz {

/// Aborts unless `status` is InvalidArgument.
inline void RequireInvalidArgument(const Status& status) {
  if (status.code() != StatusCode::kInvalidArgument) std::abort();
}

/// Aborts unless `parsed` is InvalidArgument, or ok with `within(*parsed)` true.
template <typename T, typename Within>
void Check(const StatusOr<T>& parsed, Within within) {
  if (!parsed.ok()) return RequireInvalidArgument(parsed.status());
  if (!within(*parsed)) std::abort();
}

/// The input's first byte chooses one of `count` parsers ('a' the first); the rest is the body.
inline size_t Chosen(const uint8_t* data, size_t count) {
  return static_cast<uint8_t>(data[0] - 'a') % count;
}

/// The body after the first byte, parsed as a request; nullopt when there is none or it is
/// refused (which must be InvalidArgument).
inline std::optional<nlohmann::json> ParsedBody(const uint8_t* data, size_t size) {
  if (size == 0) return std::nullopt;
  StatusOr<nlohmann::json> body =
      jobs::ParseJson(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1),
                      jobs::JsonText::kRequest);
  if (!body.ok()) {
    RequireInvalidArgument(body.status());
    return std::nullopt;
  }
  return std::move(body).value();
}

}  // namespace orch::fuzz
