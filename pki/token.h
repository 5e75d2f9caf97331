// Bearer secrets: agent secrets and access tokens, and the hashes orchd keeps instead of them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace orch::pki {

/// Random bytes in a secret or token.
inline constexpr size_t kTokenBytes = 32;

/// A new secret value or access token: kTokenBytes from the kernel's CSPRNG in base64url
/// without padding (43 characters of [A-Za-z0-9_-]). Never log it.
std::string NewToken();

/// What is stored in place of a secret, token or session token: its 32-byte SHA-256.
std::string TokenHash(std::string_view token);

}  // namespace orch::pki
