#include "pki/pem.h"

#include <algorithm>

#include "pki/base64.h"
#include "pki/hash.h"

namespace orch::pki {

std::string PemEncode(std::string_view der, std::string_view label) {
  constexpr size_t kLine = 64;  // RFC 7468 §2
  std::string base64 = Base64Encode(der);
  std::string out;
  out.reserve(base64.size() + base64.size() / kLine + 2 * label.size() + 40);
  out.append("-----BEGIN ").append(label).append("-----\n");
  for (size_t i = 0; i < base64.size(); i += kLine) {
    out.append(base64, i, std::min(kLine, base64.size() - i)).push_back('\n');
  }
  out.append("-----END ").append(label).append("-----\n");
  // The base64 of a key is as secret as the key.
  Cleanse(base64);
  return out;
}

}  // namespace orch::pki
