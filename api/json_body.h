// Shared helpers of the control API's route files: JSON bodies with case-insensitive member
// names (SPEC §7), the ErrorBody for a body that is not JSON, paging from the query string and
// list replies with x-total-count. Internal to api/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/http.h"
#include "common/clock.h"
#include "common/status.h"
#include "jobs/query.h"

namespace orch::api {

// Limits on the members of every request body (docs/api.md, "Limits").
/// Names: pools, containers, collections, client machines, aliases, property names.
inline constexpr size_t kMaxNameBytes = 255;
/// Any other string unless its member says otherwise: paths, descriptions, queries, passwords,
/// tokens, property values.
inline constexpr size_t kMaxTextBytes = 4096;
/// Ids in one call (agents to approve, members of a pool, jobs to unschedule...).
inline constexpr size_t kMaxIdsPerCall = 1000;
/// Members of a Properties or JobFields object.
inline constexpr size_t kMaxProperties = 100;
/// Largest integer id accepted: 2^53 - 1, exact in every JSON reader.
inline constexpr int64_t kMaxJsonId = (int64_t{1} << 53) - 1;

/// The body parsed as JSON (jobs::JsonText::kRequest). When it is not JSON (or not UTF-8, or
/// nested too deeply) the Status is one ErrorReply() answers with 400 JSON_FORMAT_ERROR; a
/// duplicate member or a NUL character is InvalidArgument naming the member (FIELD_ERROR).
StatusOr<nlohmann::json> ParseJsonBody(const Request& request);

/// StatusToResponse(), except for ParseJsonBody()'s JSON_FORMAT_ERROR.
Response ErrorReply(const Status& status);

/// The reply itself, or ErrorReply() of its Status.
Response Reply(StatusOr<Response> reply);

/// The members of one JSON object, looked up case-insensitively; members set to null count as
/// absent. Errors are InvalidArgument naming "<path>.<Member>" (or "<Member>" at the top).
class JsonFields {
 public:
  /// InvalidArgument naming `path` (or "body") when `value` is not an object.
  static StatusOr<JsonFields> Of(const nlohmann::json& value, std::string path = "");

  /// The member `name`, or nullptr when absent or null.
  const nlohmann::json* Find(std::string_view name) const;
  /// The field name reported for member `name`.
  std::string Field(std::string_view name) const;

  StatusOr<int64_t> RequiredInt(std::string_view name) const;
  StatusOr<std::optional<int64_t>> OptionalInt(std::string_view name) const;
  /// InvalidArgument when not a string of at most `max_bytes` bytes (or, required, empty).
  StatusOr<std::string> RequiredString(std::string_view name,
                                       size_t max_bytes = kMaxTextBytes) const;
  StatusOr<std::optional<std::string>> OptionalString(std::string_view name,
                                                      size_t max_bytes = kMaxTextBytes) const;
  /// A required name: 1 to kMaxNameBytes bytes, no control characters.
  StatusOr<std::string> RequiredName(std::string_view name) const;
  /// A required id: an integer from 1 to kMaxJsonId.
  StatusOr<int64_t> RequiredId(std::string_view name) const;
  StatusOr<std::optional<int64_t>> OptionalId(std::string_view name) const;
  /// The member as an array of at most `max_items` items; nullptr when absent.
  StatusOr<const nlohmann::json*> OptionalArray(std::string_view name,
                                                size_t max_items = kMaxIdsPerCall) const;
  /// `fallback` when absent; InvalidArgument unless a JSON boolean.
  StatusOr<bool> Bool(std::string_view name, bool fallback) const;
  /// A lowercase GUID; InvalidArgument unless a GUID string.
  StatusOr<std::string> RequiredGuid(std::string_view name) const;
  StatusOr<std::optional<std::string>> OptionalGuid(std::string_view name) const;
  /// A secret given as "text" or as {"Value": "text" | null}, at most kMaxTextBytes; nullopt
  /// when absent or null.
  StatusOr<std::optional<std::string>> OptionalSecret(std::string_view name) const;

 private:
  JsonFields(const nlohmann::json* object, std::string path)
      : object_(object), path_(std::move(path)) {}

  const nlohmann::json* object_;
  std::string path_;
};

/// InvalidArgument naming `field`: "<field> <message>".
Status FieldError(const std::string& field, const std::string& message);

/// True when `text` holds an ASCII control character (below 0x20, or 0x7F).
bool HasControlCharacter(std::string_view text);

/// InvalidArgument naming `field` ("body" when empty) unless `value` is an array of at most
/// `max_items` GUIDs, an item naming "<field>[i]"; the GUIDs lowercased, in order.
StatusOr<std::vector<std::string>> GuidArray(const nlohmann::json& value, const std::string& field,
                                             size_t max_items = kMaxIdsPerCall);

/// InvalidArgument naming `field` (or the member inside it) unless `value` is an object of at
/// most kMaxProperties members, with names of at most kMaxNameBytes and every string inside
/// at most kMaxTextBytes.
Status CheckProperties(const nlohmann::json& value, const std::string& field);

/// The pq.* paging of `request`'s query string (SPEC §7.2) over `fields`.
StatusOr<jobs::Paging> PagingOf(const Request& request, const std::vector<jobs::QueryField>& fields,
                                std::string_view default_sort);

/// 200 with the JSON array `rows` and `x-total-count: total`; a count that stopped at its limit
/// (`exact` false: at least `total` rows match) also says `x-total-count-exact: false`.
Response ListReply(nlohmann::json rows, int64_t total, bool exact = true);

/// 200 with `body` serialized (invalid UTF-8 from storage is replaced, never thrown on).
Response JsonReply(const nlohmann::json& body);

/// 204 with no body.
Response NoContentReply();

/// ISO 8601 UTC ("2026-11-22T13:30:00Z"), or null for nullopt.
nlohmann::json TimeJson(std::optional<WallTime> time);

/// The value of a path parameter that must be an integer id; InvalidArgument naming `field`.
StatusOr<int64_t> PathId(const std::string& text, const std::string& field);

}  // namespace orch::api
