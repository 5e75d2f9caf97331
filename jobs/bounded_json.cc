#include "jobs/bounded_json.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "jobs/ascii.h"

namespace orch::jobs {
namespace {

using nlohmann::json;

// A SAX consumer that builds nothing: it counts open arrays and objects, remembers the member
// names of every open object, and stops the parser (which is itself iterative) at the first
// level past the limit, the first repeated member, a NUL where kRequest forbids it, or a syntax
// error.
class Check final : public nlohmann::json_sax<json> {
 public:
  explicit Check(JsonText kind) : request_(kind == JsonText::kRequest) {}

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t& value) override {
    if (!HasNul(value)) return true;
    field_ = key_count_ == 0 ? "body" : Echoed(keys_[key_count_ - 1]);
    message_ = field_ + " must not contain a NUL character";
    return false;
  }
  bool binary(binary_t&) override { return true; }
  bool key(string_t& name) override;
  bool start_object(std::size_t) override {
    objects_.push_back({key_count_, {}});
    return Open();
  }
  bool end_object() override {
    key_count_ = objects_.back().first_key;
    objects_.pop_back();
    return Close();
  }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& error) override {
    error_ = error.what();
    position_ = position;
    return false;
  }

  // Why parsing stopped; only called after it did.
  Status Error() const {
    if (!field_.empty()) return InvalidArgumentError(message_).WithField(field_);
    if (too_deep_) {
      return InvalidArgumentError("nested deeper than " + std::to_string(kMaxJsonDepth) +
                                  " arrays and objects");
    }
    if (error_.empty()) return InvalidArgumentError("not valid JSON");
    return InvalidArgumentError("not valid JSON: " + Reason() + " at byte " +
                                std::to_string(position_));
  }

 private:
  // Objects with more members than this are searched through a hash set instead of a scan.
  static constexpr std::size_t kScanLimit = 16;

  struct Object {
    std::size_t first_key;                  // its names are keys_[first_key, key_count_)
    std::unordered_set<std::string> names;  // filled once it has more than kScanLimit members
  };

  bool HasNul(const string_t& text) const {
    return request_ && std::memchr(text.data(), '\0', text.size()) != nullptr;
  }
  bool Repeated(const std::string& name, Object& object);
  // The name as the hash set holds it: lowercased when names match case-insensitively.
  std::string Folded(const std::string& name) const {
    return request_ ? AsciiLowercase(name) : name;
  }
  bool Open() {
    if (++depth_ <= kMaxJsonDepth) return true;
    too_deep_ = true;
    return false;
  }
  bool Close() {
    --depth_;
    return true;
  }
  // A member name as an error may show it: cut short, so a hostile name is not echoed whole.
  static std::string Echoed(const std::string& name) {
    if (name.size() <= kMaxEchoedMemberName) return name;
    std::size_t cut = kMaxEchoedMemberName;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    return name.substr(0, cut) + "...";
  }
  // nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
  // column 3: " prefix (the byte position is reported on its own) and without its "; last read:
  // '...'" tail, which would echo the input: a secret sent with a typo must not come back.
  std::string Reason() const {
    const std::size_t colon = error_.find(": ");
    std::string reason = colon == std::string::npos ? error_ : error_.substr(colon + 2);
    return reason.substr(0, reason.find("; last read"));
  }

  const bool request_;
  int depth_ = 0;
  bool too_deep_ = false;
  // The member names of every open object, innermost last; slots past key_count_ keep their
  // capacity so that names are copied without allocating once the first few are seen.
  std::vector<std::string> keys_;
  std::size_t key_count_ = 0;
  std::vector<Object> objects_;
  std::string field_;
  std::string message_;
  std::string error_;
  std::size_t position_ = 0;
};

bool Check::key(string_t& name) {
  if (HasNul(name)) {
    field_ = "body";
    message_ = "a member name must not contain a NUL character";
    return false;
  }
  Object& object = objects_.back();
  if (Repeated(name, object)) {
    field_ = Echoed(name);
    message_ = "duplicate member '" + field_ + "'";
    return false;
  }
  if (key_count_ < keys_.size()) {
    keys_[key_count_].assign(name);
  } else {
    keys_.push_back(name);
  }
  ++key_count_;
  return true;
}

// True when `name` is already a member of `object`; small objects are scanned, larger ones
// hashed, so a body of a million members stays linear.
bool Check::Repeated(const std::string& name, Object& object) {
  const std::size_t count = key_count_ - object.first_key;
  if (count < kScanLimit) {
    for (std::size_t i = object.first_key; i < key_count_; ++i) {
      if (request_ ? EqualsIgnoreCase(keys_[i], name) : keys_[i] == name) return true;
    }
    return false;
  }
  if (object.names.empty()) {
    for (std::size_t i = object.first_key; i < key_count_; ++i) {
      object.names.insert(Folded(keys_[i]));
    }
  }
  return !object.names.insert(Folded(name)).second;
}

}  // namespace

StatusOr<json> ParseJson(std::string_view text, JsonText kind) {
  Check check(kind);
  const bool accepted =
      json::sax_parse(text.begin(), text.end(), &check, json::input_format_t::json,
                      /*strict=*/true, /*ignore_comments=*/false);
  if (!accepted) return check.Error();
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
