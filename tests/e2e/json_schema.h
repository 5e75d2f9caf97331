// The part of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that docs/openapi.yaml uses, for
// checking its examples and live answers against it. Checked: $ref (local "#/..." pointers),
// allOf, type (a name or an array of names, "null" for nullable), enum, properties, required,
// items, additionalProperties (false or a schema), minimum, maximum, minLength, maxLength,
// minItems, maxItems. Other keywords (description, default, pattern, ...) are not checked.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace orch::e2e::schema {

/// `node` as JSON: quoted scalars are strings; plain ones are null, booleans, integers or
/// numbers when they read as such (YAML 1.2 core schema), strings otherwise.
nlohmann::json YamlToJson(const YAML::Node& node);

/// What is wrong with `value` under `schema`, one line per fault naming where ("/Jobs/0/JobId:
/// ..."); empty when it validates. `$ref`s resolve in `root`.
std::vector<std::string> Validate(const nlohmann::json& value, const nlohmann::json& schema,
                                  const nlohmann::json& root);

}  // namespace orch::e2e::schema
