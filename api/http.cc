#include "api/http.h"

#include <nlohmann/json.hpp>

namespace orch::api {

const std::string* Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

Response ErrorResponse(int http_status, std::string_view error_code, std::string_view message,
                       std::string_view field) {
  nlohmann::json details = nlohmann::json::object();
  if (!field.empty()) details["field"] = std::string(field);
  nlohmann::json body = {
      {"errorCode", std::string(error_code)},
      {"errorDetails", std::move(details)},
      {"errorMessage", std::string(message)},
  };
  Response response;
  response.status = http_status;
  // Invalid UTF-8 from a client echoed in a message must not throw.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

}  // namespace orch::api
