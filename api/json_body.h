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
  StatusOr<std::string> RequiredString(std::string_view name) const;
  StatusOr<std::optional<std::string>> OptionalString(std::string_view name) const;
  /// `fallback` when absent; InvalidArgument unless a JSON boolean.
  StatusOr<bool> Bool(std::string_view name, bool fallback) const;
  /// A lowercase GUID; InvalidArgument unless a GUID string.
  StatusOr<std::string> RequiredGuid(std::string_view name) const;
  StatusOr<std::optional<std::string>> OptionalGuid(std::string_view name) const;
  /// A secret given as "text" or as {"Value": "text" | null}; nullopt when absent or null.
  StatusOr<std::optional<std::string>> OptionalSecret(std::string_view name) const;

 private:
  JsonFields(const nlohmann::json* object, std::string path)
      : object_(object), path_(std::move(path)) {}

  const nlohmann::json* object_;
  std::string path_;
};

/// InvalidArgument naming `field`: "<field> <message>".
Status FieldError(const std::string& field, const std::string& message);

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
