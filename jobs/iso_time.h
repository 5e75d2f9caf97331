// ISO 8601 instants as they appear on the wire: parsing, printing and Unix milliseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace orch::jobs {

/// Parses `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z`, `±HH:MM` or nothing; a time
/// without an offset is UTC. 'T' and 'Z' may be lowercase. The fraction (1–9 digits) is kept to
/// the millisecond (truncated). Years 1900–2200 only, so every instant fits a WallTime.
/// Errors are InvalidArgument without a field; callers add WithField().
StatusOr<WallTime> ParseIsoTime(std::string_view text);

/// `2026-11-22T13:30:00Z`, with `.mmm` before the Z only when the milliseconds are not zero.
std::string FormatIsoTime(WallTime time);

/// Milliseconds since 1970-01-01T00:00:00Z (floored); how the store keeps instants.
int64_t ToUnixMillis(WallTime time);

/// The instant `millis` milliseconds after 1970-01-01T00:00:00Z.
WallTime FromUnixMillis(int64_t millis);

}  // namespace orch::jobs
