#include "api/control/secret_request.h"

#include "api/json_body.h"

namespace orch::api {

StatusOr<std::optional<std::string>> ParseSecretRequest(const nlohmann::json& body) {
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  const nlohmann::json* value = fields.Find("name");
  if (value == nullptr) return std::optional<std::string>();
  // Names go into URL paths and Basic credentials, so they keep to characters safe in both.
  const bool valid = value->is_string() && !value->get_ref<const std::string&>().empty() &&
                     value->get_ref<const std::string&>().size() <= kMaxSecretNameBytes &&
                     value->get_ref<const std::string&>().find_first_not_of(
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789._-") == std::string::npos;
  if (!valid) {
    return FieldError("name", "must have 1 to 128 characters from A-Z, a-z, 0-9, '.', '_', '-'");
  }
  return std::optional<std::string>(value->get<std::string>());
}

}  // namespace orch::api
