// The bodies of POST and PUT /CertificateStores and POST /CertificateStoreContainers
// (SPEC §7.1), parsed and checked before anything is looked up or written. Internal to
// api/control/.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "store/catalog_repository.h"

namespace orch::api {

/// A store as a body describes it.
struct StoreRequest {
  /// Id (PUT only; empty for POST), ClientMachine, StorePath, CertStoreType, ContainerId,
  /// AgentId or AgentPoolId, Properties (as JSON text) and CreateIfMissing. Never a password.
  store::CertStoreRecord record;
  /// The Password member, plaintext: nullopt when absent (a PUT keeps the stored one); the
  /// caller seals it, then Cleanse()s it.
  std::optional<std::string> password;
};

/// Parses `body` (member names case-insensitive); `with_id` for a PUT, whose Id is required.
/// ClientMachine 1 to kMaxNameBytes bytes without control characters, StorePath at most
/// kMaxTextBytes, CertStoreType a known type, ContainerId a positive id, exactly one of
/// AgentId and AgentPoolId, Properties an object (or a string holding one) within
/// CheckProperties(), Password at most kMaxTextBytes. InvalidArgument naming the member
/// otherwise.
StatusOr<StoreRequest> ParseStoreRequest(const nlohmann::json& body, bool with_id);

/// `{Name}`: 1 to kMaxNameBytes bytes without control characters.
StatusOr<std::string> ParseContainerRequest(const nlohmann::json& body);

}  // namespace orch::api
