// The body of POST /api/v2/agent/secrets (SPEC §6.7), parsed and checked before anything is
// written. Internal to api/control/.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orch::api {

/// Longest agent secret name.
inline constexpr size_t kMaxSecretNameBytes = 128;

/// `{name?}`: the name asked for, or nullopt when absent or null (the caller generates one).
/// A name has 1 to 128 characters from A-Z, a-z, 0-9, '.', '_', '-'; FIELD_ERROR "name"
/// otherwise.
StatusOr<std::optional<std::string>> ParseSecretRequest(const nlohmann::json& body);

}  // namespace orch::api
