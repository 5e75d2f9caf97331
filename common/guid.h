// GUIDs and random bytes from the kernel's CSPRNG.
#pragma once

#include <string>
#include <string_view>

namespace orch {

/// A new lowercase RFC 4122 version 4 GUID ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx").
std::string NewGuid();

/// True when `s` is a 36-character GUID (any version, hex digits of either case).
bool IsGuid(std::string_view s);

/// `n` bytes from getrandom(2). Aborts if the kernel cannot supply them.
std::string RandomBytes(size_t n);

/// Lowercase hex of `bytes`.
std::string HexEncode(std::string_view bytes);

}  // namespace orch
