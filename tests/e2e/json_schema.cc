#include "tests/e2e/json_schema.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace orch::e2e::schema {
namespace {

using nlohmann::json;

json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text.empty() || text == "null" || text == "~" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  errno = 0;
  char* end = nullptr;
  const long long integer = std::strtoll(text.c_str(), &end, 10);
  if (errno == 0 && end == text.c_str() + text.size()) return integer;
  errno = 0;
  const double number = std::strtod(text.c_str(), &end);
  if (errno == 0 && end == text.c_str() + text.size() && text.find_first_of("0123456789") == 0) {
    return number;
  }
  return text;
}

bool HasType(const json& value, std::string_view type) {
  if (type == "null") return value.is_null();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    return value.is_number_integer() ||
           (value.is_number_float() && std::isfinite(value.get<double>()) &&
            std::floor(value.get<double>()) == value.get<double>());
  }
  return false;
}

// Resolves a local reference "#/a/b" in `root`; null when it names nothing.
const json* Resolve(const std::string& ref, const json& root) {
  if (ref.rfind("#", 0) != 0) return nullptr;
  try {
    const json::json_pointer pointer(ref.substr(1));
    return root.contains(pointer) ? &root.at(pointer) : nullptr;
  } catch (const json::exception&) {
    return nullptr;
  }
}

class Validator {
 public:
  explicit Validator(const json& root) : root_(root) {}

  void Check(const json& value, const json& schema, const std::string& where, int depth = 0) {
    if (depth > 64) return Fault(where, "$ref nesting deeper than 64");
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) Fault(where, "no value is allowed here");
      return;
    }
    if (!schema.is_object()) return Fault(where, "the schema is not an object");
    if (schema.contains("$ref")) {
      const json* target = Resolve(schema["$ref"].get<std::string>(), root_);
      if (target == nullptr) return Fault(where, "unresolved $ref " + schema["$ref"].dump());
      Check(value, *target, where, depth + 1);
    }
    if (schema.contains("allOf")) {
      for (const json& part : schema["allOf"]) Check(value, part, where, depth + 1);
    }
    if (schema.contains("type") && !TypeMatches(value, schema["type"])) {
      return Fault(where, "type " + TypeName(value) + " is not " + schema["type"].dump());
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const json& allowed : schema["enum"]) found = found || allowed == value;
      if (!found) Fault(where, value.dump() + " is not one of " + schema["enum"].dump());
    }
    if (value.is_number()) CheckBounds(value.get<double>(), schema, "minimum", "maximum", where);
    if (value.is_string()) {
      CheckBounds(static_cast<double>(value.get<std::string>().size()), schema, "minLength", "maxLength", where);
    }
    if (value.is_array()) {
      CheckBounds(static_cast<double>(value.size()), schema, "minItems", "maxItems", where);
      if (schema.contains("items")) {
        for (size_t i = 0; i < value.size(); ++i) {
          Check(value[i], schema["items"], where + "/" + std::to_string(i), depth + 1);
        }
      }
    }
    if (value.is_object()) CheckObject(value, schema, where, depth);
  }

  std::vector<std::string> faults;

 private:
  void CheckObject(const json& value, const json& schema, const std::string& where, int depth) {
    if (schema.contains("required")) {
      for (const json& name : schema["required"]) {
        if (!value.contains(name.get<std::string>())) Fault(where, "missing " + name.get<std::string>());
      }
    }
    const json properties = schema.value("properties", json::object());
    for (const auto& [name, member] : value.items()) {
      const std::string at = where + "/" + name;
      if (properties.contains(name)) {
        Check(member, properties[name], at, depth + 1);
      } else if (schema.contains("additionalProperties")) {
        Check(member, schema["additionalProperties"], at, depth + 1);
      }
    }
  }

  void CheckBounds(double x, const json& schema, const char* low, const char* high, const std::string& where) {
    if (schema.contains(low) && x < schema[low].get<double>()) Fault(where, std::string("below ") + low);
    if (schema.contains(high) && x > schema[high].get<double>()) Fault(where, std::string("above ") + high);
  }

  static bool TypeMatches(const json& value, const json& type) {
    if (type.is_string()) return HasType(value, type.get<std::string>());
    for (const json& one : type) {
      if (HasType(value, one.get<std::string>())) return true;
    }
    return false;
  }

  static std::string TypeName(const json& value) { return value.type_name(); }

  void Fault(const std::string& where, const std::string& what) {
    faults.push_back((where.empty() ? "/" : where) + ": " + what);
  }

  const json& root_;
};

}  // namespace

json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node) out[entry.first.Scalar()] = YamlToJson(entry.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar: return ScalarToJson(node);
    default: return nullptr;
  }
}

std::vector<std::string> Validate(const json& value, const json& schema, const json& root) {
  Validator validator(root);
  validator.Check(value, schema, "");
  return std::move(validator.faults);
}

}  // namespace orch::e2e::schema
