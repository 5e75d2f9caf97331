#include "pki/hash.h"

#include <cstdlib>
#include <string>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/guid.h"

namespace orch::pki {
namespace {

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // A one-shot digest of memory fails only when the library itself is broken; a digest
  // has no error the caller could act on, so this is treated like a failed allocation.
  if (EVP_Digest(data.data(), data.size(), out, &length, md, nullptr) != 1) std::abort();
  return std::string(reinterpret_cast<const char*>(out), length);
}

}  // namespace

std::string Sha256(std::string_view data) {
  return Digest(EVP_sha256(), data);
}

std::string Sha256Hex(std::string_view data) {
  return HexEncode(Sha256(data));
}

std::string Sha1(std::string_view data) {
  return Digest(EVP_sha1(), data);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // The length of a secret is not itself secret here (tokens and hashes have fixed sizes),
  // so the early return leaks nothing that matters.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Cleanse(std::string& secret) {
  // Wipe up to capacity: shrinking assignments leave earlier, longer contents behind.
  secret.resize(secret.capacity());
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace orch::pki
