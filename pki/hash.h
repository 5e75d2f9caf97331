// Digests, constant-time comparison and wiping, for secrets, tokens and thumbprints.
#pragma once

#include <string>
#include <string_view>

namespace orch::pki {

/// The 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);

/// The SHA-256 digest of `data` as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);

/// The 20-byte SHA-1 digest of `data` (certificate thumbprints only; not for secrets).
std::string Sha1(std::string_view data);

/// True when `a` and `b` are equal, in time that depends only on their lengths. Unequal
/// lengths answer false without comparing content.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

/// Overwrites `secret`'s bytes with zeros (a wipe the compiler cannot drop) and empties it.
void Cleanse(std::string& secret);

}  // namespace orch::pki
