#include "pki/secret_box.h"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "common/guid.h"
#include "pki/hash.h"
#include "pki/openssl_util.h"

namespace orch::pki {
namespace {

using internal::CipherCtxPtr;

constexpr unsigned char kVersion = 0x01;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kHeaderBytes = 1 + kNonceBytes;
// EVP update calls take int lengths; larger inputs are fed in pieces of this size.
constexpr size_t kChunkBytes = size_t{1} << 30;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Seal has no error a caller could handle: AES-GCM on memory fails only when OpenSSL is
// broken or the heap is exhausted, which is treated like a failed allocation.
void CheckOrAbort(bool ok) {
  if (!ok) std::abort();
}

// Feeds associated data: the version byte first, so a blob cannot be replayed as another
// version, then the caller's context.
bool AddAssociatedData(EVP_CIPHER_CTX* ctx, std::string_view associated_data) {
  int ignored = 0;
  if (EVP_CipherUpdate(ctx, nullptr, &ignored, &kVersion, 1) != 1) return false;
  for (size_t at = 0; at < associated_data.size(); at += kChunkBytes) {
    std::string_view piece = associated_data.substr(at, kChunkBytes);
    int n = static_cast<int>(piece.size());
    if (EVP_CipherUpdate(ctx, nullptr, &ignored, Bytes(piece), n) != 1) return false;
  }
  return true;
}

// Encrypts or decrypts `in` into `out`, which has room for in.size() bytes (GCM is a stream
// mode: output length equals input length).
bool Transform(EVP_CIPHER_CTX* ctx, std::string_view in, unsigned char* out) {
  for (size_t at = 0; at < in.size(); at += kChunkBytes) {
    std::string_view piece = in.substr(at, kChunkBytes);
    int written = 0;
    if (EVP_CipherUpdate(ctx, out + at, &written, Bytes(piece), static_cast<int>(piece.size())) !=
            1 ||
        static_cast<size_t>(written) != piece.size()) {
      return false;
    }
  }
  return true;
}

CipherCtxPtr StartCipher(const unsigned char* key, std::string_view nonce, bool encrypt) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  // GCM's default IV length is the 12 bytes used here.
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, Bytes(nonce),
                                encrypt ? 1 : 0) != 1) {
    return nullptr;
  }
  return ctx;
}

Status AuthenticationFailed() {
  return InternalError(
      "sealed secret failed authentication (wrong master key, wrong associated data, or "
      "damaged data)");
}

}  // namespace

SecretBox::SecretBox(std::string_view master_key) {
  if (master_key.size() != kMasterKeyBytes) std::abort();
  std::memcpy(key_.data(), master_key.data(), kMasterKeyBytes);
}

StatusOr<SecretBox> SecretBox::Create(std::string_view master_key) {
  if (master_key.size() != kMasterKeyBytes) {
    return InvalidArgumentError("master key must be " + std::to_string(kMasterKeyBytes) +
                                " bytes, not " + std::to_string(master_key.size()));
  }
  return SecretBox(master_key);
}

SecretBox::SecretBox(SecretBox&& other) noexcept : key_(other.key_) {
  OPENSSL_cleanse(other.key_.data(), other.key_.size());
}

SecretBox& SecretBox::operator=(SecretBox&& other) noexcept {
  if (this != &other) {
    key_ = other.key_;
    OPENSSL_cleanse(other.key_.data(), other.key_.size());
  }
  return *this;
}

SecretBox::~SecretBox() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

std::string SecretBox::Seal(std::string_view plaintext, std::string_view associated_data) const {
  std::string blob(1, static_cast<char>(kVersion));
  blob += RandomBytes(kNonceBytes);
  std::string_view nonce = std::string_view(blob).substr(1, kNonceBytes);
  CipherCtxPtr ctx = StartCipher(key_.data(), nonce, /*encrypt=*/true);
  CheckOrAbort(ctx != nullptr && AddAssociatedData(ctx.get(), associated_data));
  blob.resize(kHeaderBytes + plaintext.size() + kTagBytes);
  auto* out = reinterpret_cast<unsigned char*>(blob.data()) + kHeaderBytes;
  CheckOrAbort(Transform(ctx.get(), plaintext, out));
  int final_bytes = 0;
  CheckOrAbort(EVP_EncryptFinal_ex(ctx.get(), out + plaintext.size(), &final_bytes) == 1 &&
               final_bytes == 0);
  CheckOrAbort(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagBytes),
                                   out + plaintext.size()) == 1);
  return blob;
}

StatusOr<std::string> SecretBox::Open(std::string_view blob,
                                      std::string_view associated_data) const {
  if (blob.size() < kHeaderBytes + kTagBytes) {
    return InvalidArgumentError("sealed secret is truncated (" + std::to_string(blob.size()) +
                                " bytes)");
  }
  if (static_cast<unsigned char>(blob[0]) != kVersion) {
    return InvalidArgumentError("sealed secret has unknown version " +
                                std::to_string(static_cast<unsigned char>(blob[0])));
  }
  std::string_view nonce = blob.substr(1, kNonceBytes);
  std::string_view ciphertext = blob.substr(kHeaderBytes, blob.size() - kHeaderBytes - kTagBytes);
  // The tag is copied because OpenSSL's control call takes a mutable pointer.
  unsigned char tag[kTagBytes];
  std::memcpy(tag, blob.data() + blob.size() - kTagBytes, kTagBytes);

  CipherCtxPtr ctx = StartCipher(key_.data(), nonce, /*encrypt=*/false);
  if (!ctx || !AddAssociatedData(ctx.get(), associated_data) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagBytes), tag) !=
          1) {
    return internal::OpenSslInternalError("starting AES-256-GCM decryption");
  }
  std::string plaintext(ciphertext.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  int final_bytes = 0;
  // Plaintext is released only after the tag checks out; otherwise it is wiped.
  if (!Transform(ctx.get(), ciphertext, out) ||
      EVP_DecryptFinal_ex(ctx.get(), out + ciphertext.size(), &final_bytes) != 1) {
    Cleanse(plaintext);
    ERR_clear_error();  // a failed tag check is the whole story; drop OpenSSL's echo of it
    return AuthenticationFailed();
  }
  return plaintext;
}

}  // namespace orch::pki
