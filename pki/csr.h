// Certificate signing requests (PKCS#10) from agents: the checks a request must pass before the
// internal CA signs it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orch::pki {

/// Largest CSR accepted, in DER bytes.
inline constexpr size_t kMaxCsrBytes = 16 * 1024;

/// A CSR that passed VerifyCsr().
struct VerifiedCsr {
  std::string der;       // the whole request, DER
  std::string key_type;  // "RSA-3072", "EC-P-256", ... (for logs and messages)
};

/// Checks a DER PKCS#10 request: at most kMaxCsrBytes, exactly one well-formed request, a
/// self-signature that verifies, and a public key that is RSA of at least 2048 bits or EC on
/// P-256, P-384 or P-521. Every refusal is InvalidArgument with a message naming the problem
/// ("CSR signature does not verify", "CSR key is RSA-1024; RSA keys need at least 2048 bits").
StatusOr<VerifiedCsr> VerifyCsr(std::string_view der);

}  // namespace orch::pki
