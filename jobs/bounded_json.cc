#include "jobs/bounded_json.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace orch::jobs {
namespace {

using nlohmann::json;

// A SAX consumer that builds nothing: it counts open arrays and objects and stops the parser
// (which is itself iterative) at the first one past the limit, or at a syntax error.
class DepthCheck final : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool key(string_t&) override { return true; }
  bool start_object(std::size_t) override { return Open(); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& error) override {
    error_ = error.what();
    position_ = position;
    return false;
  }

  // The reason parsing stopped, or an empty string when the text is acceptable.
  std::string Error() const {
    if (too_deep_) {
      return "nested deeper than " + std::to_string(kMaxJsonDepth) + " arrays and objects";
    }
    if (error_.empty()) return "not valid JSON";
    return "not valid JSON: " + Reason() + " at byte " + std::to_string(position_);
  }

 private:
  bool Open() {
    if (++depth_ <= kMaxJsonDepth) return true;
    too_deep_ = true;
    return false;
  }
  bool Close() {
    --depth_;
    return true;
  }
  // nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
  // column 3: " prefix (the byte position is reported on its own) and without its "; last read:
  // '...'" tail, which would echo the input: a secret sent with a typo must not come back.
  std::string Reason() const {
    const std::size_t colon = error_.find(": ");
    std::string reason = colon == std::string::npos ? error_ : error_.substr(colon + 2);
    return reason.substr(0, reason.find("; last read"));
  }

  int depth_ = 0;
  bool too_deep_ = false;
  std::string error_;
  std::size_t position_ = 0;
};

}  // namespace

StatusOr<json> ParseJson(std::string_view text) {
  DepthCheck check;
  const bool accepted =
      json::sax_parse(text.begin(), text.end(), &check, json::input_format_t::json,
                      /*strict=*/true, /*ignore_comments=*/false);
  if (!accepted) {
    return InvalidArgumentError(check.Error());
  }
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return InvalidArgumentError("not valid JSON");
  return parsed;
}

const json& JsonMember(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string JsonString(const json& object, std::string_view key, std::string_view fallback) {
  const json& value = JsonMember(object, key);
  return value.is_string() ? value.get<std::string>() : std::string(fallback);
}

int64_t JsonInt(const json& object, std::string_view key, int64_t fallback) {
  const json& value = JsonMember(object, key);
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<int64_t>();
  if (value.is_number_unsigned() && value.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(value.get<uint64_t>());
  }
  return fallback;
}

bool JsonBool(const json& object, std::string_view key, bool fallback) {
  const json& value = JsonMember(object, key);
  return value.is_boolean() ? value.get<bool>() : fallback;
}

}  // namespace orch::jobs
