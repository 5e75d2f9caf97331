// The query part of a request target ("a=b&c=d"), decoded.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace orch::jobs {

/// `text` with every byte outside [A-Za-z0-9-._~] written as %XX (uppercase hex), for a query
/// string value or a path segment.
std::string PercentEncode(std::string_view text);

/// Decodes %XX escapes and '+' (a space); a '%' not followed by two hex digits stays as is.
std::string PercentDecode(std::string_view text);

/// Splits `raw` (without the leading '?') at '&' into decoded name=value pairs. A pair without
/// '=' has an empty value, empty names are skipped, and the first of repeated names wins.
std::map<std::string, std::string> ParseQueryString(std::string_view raw);

}  // namespace orch::jobs
