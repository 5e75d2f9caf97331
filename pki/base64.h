// Standard base64 (RFC 4648 §4, with padding) as used by the API for certificates and PKCS#12.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace orch::pki {

/// `bytes` in standard base64 with '=' padding and no line breaks.
std::string Base64Encode(std::string_view bytes);

/// Decodes standard base64. Whitespace (space, tab, CR, LF) anywhere is ignored; padding may
/// be omitted. Any other character outside [A-Za-z0-9+/=], '=' before the end, a length that
/// cannot be base64, or non-zero unused bits at the end → InvalidArgument naming the offset.
StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace orch::pki
