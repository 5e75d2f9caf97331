#include "api/json_body.h"

#include <algorithm>
#include <charconv>

#include "api/errors.h"
#include "common/guid.h"
#include "jobs/ascii.h"
#include "jobs/bounded_json.h"
#include "jobs/iso_time.h"
#include "jobs/url.h"

namespace orch::api {
namespace {

using nlohmann::json;

// The field a JSON syntax error is reported under; it never names a real member.
constexpr std::string_view kJsonFormatField = "(body is not JSON)";

std::string Shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

std::optional<int64_t> AsInteger(const json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  return std::nullopt;
}

Status TooLong(const std::string& field, size_t max_bytes) {
  return InvalidArgumentError(field + " must have at most " + std::to_string(max_bytes) + " bytes")
      .WithField(field);
}

// Every string in `value` at most kMaxTextBytes; `value` is at most kMaxJsonDepth deep, so the
// recursion is bounded.
Status CheckStrings(const json& value, const std::string& field) {
  if (value.is_string() && value.get_ref<const std::string&>().size() > kMaxTextBytes) {
    return TooLong(field, kMaxTextBytes);
  }
  if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      ORCH_RETURN_IF_ERROR(CheckStrings(value[i], field + "[" + std::to_string(i) + "]"));
    }
  }
  if (value.is_object()) {
    for (auto item = value.begin(); item != value.end(); ++item) {
      if (item.key().size() > kMaxNameBytes) {
        return FieldError(
            field, "has a member name of more than " + std::to_string(kMaxNameBytes) + " bytes");
      }
      ORCH_RETURN_IF_ERROR(CheckStrings(item.value(), field + "." + item.key()));
    }
  }
  return Status::Ok();
}

}  // namespace

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return c < 0x20 || c == 0x7F; });
}

StatusOr<std::vector<std::string>> GuidArray(const json& value, const std::string& field,
                                             size_t max_items) {
  if (!value.is_array() || value.size() > max_items) {
    return FieldError(field.empty() ? "body" : field,
                      "must be an array of at most " + std::to_string(max_items) + " GUIDs");
  }
  std::vector<std::string> ids;
  ids.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const json& item = value[i];
    if (!item.is_string() || !IsGuid(item.get_ref<const std::string&>())) {
      return FieldError(field + "[" + std::to_string(i) + "]", "must be a GUID");
    }
    ids.push_back(jobs::AsciiLowercase(item.get_ref<const std::string&>()));
  }
  return ids;
}

Status CheckProperties(const json& value, const std::string& field) {
  if (!value.is_object()) return FieldError(field, "must be a JSON object");
  if (value.size() > kMaxProperties) {
    return FieldError(field, "must have at most " + std::to_string(kMaxProperties) + " members");
  }
  return CheckStrings(value, field);
}

Status FieldError(const std::string& field, const std::string& message) {
  return InvalidArgumentError(field + " " + message).WithField(field);
}

StatusOr<json> ParseJsonBody(const Request& request) {
  StatusOr<json> parsed = jobs::ParseJson(request.body, jobs::JsonText::kRequest);
  // A duplicate member or a NUL names its field: FIELD_ERROR, as for any other bad member.
  if (!parsed.ok() && parsed.status().field().empty()) {
    return InvalidArgumentError("the request body is " + parsed.status().message())
        .WithField(std::string(kJsonFormatField));
  }
  return parsed;
}

Response ErrorReply(const Status& status) {
  if (status.code() == StatusCode::kInvalidArgument && status.field() == kJsonFormatField) {
    return ErrorResponse(400, "JSON_FORMAT_ERROR", status.message());
  }
  return StatusToResponse(status);
}

Response Reply(StatusOr<Response> reply) {
  if (!reply.ok()) return ErrorReply(reply.status());
  return std::move(reply).value();
}

StatusOr<JsonFields> JsonFields::Of(const json& value, std::string path) {
  if (!value.is_object()) {
    const std::string field = path.empty() ? "body" : path;
    return FieldError(field, "must be a JSON object, got " + Shown(value));
  }
  return JsonFields(&value, std::move(path));
}

const json* JsonFields::Find(std::string_view name) const {
  for (auto item = object_->begin(); item != object_->end(); ++item) {
    if (jobs::EqualsIgnoreCase(item.key(), name) && !item.value().is_null()) return &item.value();
  }
  return nullptr;
}

std::string JsonFields::Field(std::string_view name) const {
  return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
}

StatusOr<std::optional<int64_t>> JsonFields::OptionalInt(std::string_view name) const {
  const json* value = Find(name);
  if (value == nullptr) return std::optional<int64_t>();
  std::optional<int64_t> number = AsInteger(*value);
  if (!number) return FieldError(Field(name), "must be an integer, got " + Shown(*value));
  return number;
}

StatusOr<int64_t> JsonFields::RequiredInt(std::string_view name) const {
  ORCH_ASSIGN_OR_RETURN(std::optional<int64_t> number, OptionalInt(name));
  if (!number) return FieldError(Field(name), "is required");
  return *number;
}

StatusOr<std::optional<std::string>> JsonFields::OptionalString(std::string_view name,
                                                                size_t max_bytes) const {
  const json* value = Find(name);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return FieldError(Field(name), "must be a string, got " + Shown(*value));
  if (value->get_ref<const std::string&>().size() > max_bytes) {
    return TooLong(Field(name), max_bytes);
  }
  return std::optional<std::string>(value->get<std::string>());
}

StatusOr<std::string> JsonFields::RequiredString(std::string_view name, size_t max_bytes) const {
  ORCH_ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(name, max_bytes));
  if (!text || text->empty()) return FieldError(Field(name), "is required");
  return *text;
}

StatusOr<std::string> JsonFields::RequiredName(std::string_view name) const {
  ORCH_ASSIGN_OR_RETURN(std::string text, RequiredString(name, kMaxNameBytes));
  if (HasControlCharacter(text)) {
    return FieldError(Field(name), "must have at most 255 bytes and no control characters");
  }
  return text;
}

StatusOr<std::optional<int64_t>> JsonFields::OptionalId(std::string_view name) const {
  ORCH_ASSIGN_OR_RETURN(std::optional<int64_t> id, OptionalInt(name));
  if (id && (*id < 1 || *id > kMaxJsonId)) {
    return FieldError(Field(name), "must be an id from 1 to " + std::to_string(kMaxJsonId));
  }
  return id;
}

StatusOr<int64_t> JsonFields::RequiredId(std::string_view name) const {
  ORCH_ASSIGN_OR_RETURN(std::optional<int64_t> id, OptionalId(name));
  if (!id) return FieldError(Field(name), "is required");
  return *id;
}

StatusOr<const json*> JsonFields::OptionalArray(std::string_view name, size_t max_items) const {
  const json* value = Find(name);
  if (value != nullptr && (!value->is_array() || value->size() > max_items)) {
    return FieldError(Field(name),
                      "must be an array of at most " + std::to_string(max_items) + " items");
  }
  return value;
}

StatusOr<bool> JsonFields::Bool(std::string_view name, bool fallback) const {
  const json* value = Find(name);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) {
    return FieldError(Field(name), "must be true or false, got " + Shown(*value));
  }
  return value->get<bool>();
}

StatusOr<std::optional<std::string>> JsonFields::OptionalGuid(std::string_view name) const {
  const json* value = Find(name);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string() || !IsGuid(value->get<std::string>())) {
    return FieldError(Field(name), "must be a GUID, got " + Shown(*value));
  }
  return std::optional<std::string>(jobs::AsciiLowercase(value->get<std::string>()));
}

StatusOr<std::string> JsonFields::RequiredGuid(std::string_view name) const {
  ORCH_ASSIGN_OR_RETURN(std::optional<std::string> guid, OptionalGuid(name));
  if (!guid) return FieldError(Field(name), "is required");
  return *guid;
}

StatusOr<std::optional<std::string>> JsonFields::OptionalSecret(std::string_view name) const {
  const json* value = Find(name);
  if (value == nullptr) return std::optional<std::string>();
  if (value->is_string()) {
    if (value->get_ref<const std::string&>().size() > kMaxTextBytes) {
      return TooLong(Field(name), kMaxTextBytes);
    }
    return std::optional<std::string>(value->get<std::string>());
  }
  if (value->is_object()) {
    ORCH_ASSIGN_OR_RETURN(JsonFields inner, Of(*value, Field(name)));
    return inner.OptionalString("Value");
  }
  // The value itself is never echoed: it may be a secret sent with the wrong shape.
  return FieldError(Field(name), "must be a string or an object {\"Value\": string}");
}

StatusOr<jobs::Paging> PagingOf(const Request& request, const std::vector<jobs::QueryField>& fields,
                                std::string_view default_sort) {
  return jobs::ParsePaging(jobs::ParseQueryString(request.query), fields, default_sort);
}

Response ListReply(json rows, int64_t total, bool exact) {
  Response response = JsonReply(rows);
  response.headers.emplace_back("x-total-count", std::to_string(total));
  if (!exact) response.headers.emplace_back("x-total-count-exact", "false");
  return response;
}

Response JsonReply(const json& body) {
  return JsonResponse(body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Response NoContentReply() {
  Response response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

json TimeJson(std::optional<WallTime> time) {
  if (!time) return nullptr;
  return jobs::FormatIsoTime(*time);
}

StatusOr<int64_t> PathId(const std::string& text, const std::string& field) {
  int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || id < 1) {
    return FieldError(field, "must be a positive integer id, not '" + text.substr(0, 40) + "'");
  }
  return id;
}

}  // namespace orch::api
