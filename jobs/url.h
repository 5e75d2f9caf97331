// The query part of a request target ("a=b&c=d"), decoded.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace orch::jobs {

/// Decodes %XX escapes and '+' (a space); a '%' not followed by two hex digits stays as is.
std::string PercentDecode(std::string_view text);

/// Splits `raw` (without the leading '?') at '&' into decoded name=value pairs. A pair without
/// '=' has an empty value, empty names are skipped, and the first of repeated names wins.
std::map<std::string, std::string> ParseQueryString(std::string_view raw);

}  // namespace orch::jobs
