// The bodies of POST /Certificates/Import and POST /CertificateCollections (SPEC §7.1), parsed
// and checked before anything is decoded further or written. Internal to api/control/.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "pki/certificate.h"
#include "store/catalog_repository.h"

namespace orch::api {

/// Longest Certificate member: base64 of kMaxImportBytes.
inline constexpr size_t kMaxCertificateBase64 = (pki::kMaxImportBytes + 2) / 3 * 4;

/// An import as its body gives it.
struct ImportRequest {
  std::string certificate;              // base64 (of PEM, DER or PKCS#12), not yet decoded
  std::optional<std::string> password;  // plaintext: the caller Cleanse()s it
};

/// `{Certificate, Password?}`: Certificate a non-empty string of at most
/// kMaxCertificateBase64 bytes, Password at most kMaxTextBytes. InvalidArgument naming the
/// member otherwise.
StatusOr<ImportRequest> ParseImportRequest(const nlohmann::json& body);

/// `{Name, Description?, Query?}`: Name 1 to kMaxNameBytes bytes without control characters,
/// Description at most kMaxTextBytes, Query a valid certificate query (SPEC §7.3, at most
/// jobs::kMaxQueryLength bytes).
/// The id is left 0. InvalidArgument naming the member otherwise.
StatusOr<store::CollectionRecord> ParseCollectionRequest(const nlohmann::json& body);

}  // namespace orch::api
