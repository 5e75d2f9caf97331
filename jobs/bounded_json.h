// JSON text parsed with a bound on nesting. Every JSON document orchd reads — request bodies,
// members that carry JSON as a string, and what it stored itself — goes through ParseJson(), so
// nothing nested deeper than kMaxJsonDepth ever reaches the recursive code after a parse
// (serialising, copying, comparing), and hostile input cannot exhaust the stack.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orch::jobs {

/// How deeply arrays and objects may nest in any JSON orchd accepts; `[]` is one level.
inline constexpr int kMaxJsonDepth = 64;

/// What ParseJson() accepts besides valid JSON nested at most kMaxJsonDepth deep.
enum class JsonText {
  /// JSON orchd wrote or answered itself: member names unique within each object.
  kStored,
  /// A request body, or JSON a request carries in a string. Member names match
  /// case-insensitively (SPEC §6, §7), so they must be unique ignoring ASCII case, and no
  /// string or member name may hold a NUL character.
  kRequest,
};

/// Longest member name echoed back as the field of an error; longer names are cut.
inline constexpr size_t kMaxEchoedMemberName = 64;

/// `text` parsed as JSON. InvalidArgument otherwise: "not valid JSON: ... at byte N" (ill-formed
/// text or UTF-8) or "nested deeper than 64 arrays and objects", with no field; a duplicate
/// member ("duplicate member 'Name'", field "Name") or, for kRequest, a NUL character ("Name
/// must not contain a NUL character", field the member whose value holds it). Everything is
/// checked by a SAX pass before anything is built: no recursion, time linear in the size of
/// `text`.
StatusOr<nlohmann::json> ParseJson(std::string_view text, JsonText kind = JsonText::kStored);

// Reading members of JSON that came from elsewhere. nlohmann's const operator[] on a missing
// key is undefined behaviour and value() throws on a non-object: these never do either.

/// `object[key]` when `object` is an object holding `key`, else a null value.
const nlohmann::json& JsonMember(const nlohmann::json& object, std::string_view key);
/// The member as a string, or `fallback` when it is absent or not a string.
std::string JsonString(const nlohmann::json& object, std::string_view key,
                       std::string_view fallback = "");
/// The member as an integer, or `fallback` when it is absent or not an integer.
int64_t JsonInt(const nlohmann::json& object, std::string_view key, int64_t fallback = 0);
/// The member as a boolean, or `fallback` when it is absent or not a boolean.
bool JsonBool(const nlohmann::json& object, std::string_view key, bool fallback = false);

}  // namespace orch::jobs
