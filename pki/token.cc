#include "pki/token.h"

#include "common/guid.h"
#include "pki/base64.h"
#include "pki/hash.h"

namespace orch::pki {

std::string NewToken() {
  std::string bytes = RandomBytes(kTokenBytes);
  std::string text = Base64Encode(bytes);
  Cleanse(bytes);
  // Standard base64 to the URL- and header-safe alphabet of RFC 4648 §5, without padding.
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::string TokenHash(std::string_view token) {
  return Sha256(token);
}

}  // namespace orch::pki
