// Encryption at rest: private keys and passwords sealed with AES-256-GCM under a master key
// that lives in a file outside the database.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orch::pki {

/// Size of a SecretBox master key in bytes.
inline constexpr size_t kMasterKeyBytes = 32;

/// Authenticated encryption under one master key. A sealed blob is
/// version (1 byte, 0x01) ‖ nonce (12 random bytes) ‖ ciphertext ‖ GCM tag (16 bytes);
/// the version byte and the associated data are authenticated, not stored encrypted.
/// Nonces are random, so one key should seal fewer than 2^32 blobs. Thread-safe.
class SecretBox {
 public:
  /// REQUIRES: master_key.size() == kMasterKeyBytes (aborts otherwise).
  explicit SecretBox(std::string_view master_key);
  /// A box for `master_key`; InvalidArgument unless it is kMasterKeyBytes long.
  static StatusOr<SecretBox> Create(std::string_view master_key);

  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;
  /// Moves the key; the source is left with a zero key.
  SecretBox(SecretBox&& other) noexcept;
  SecretBox& operator=(SecretBox&& other) noexcept;
  /// Wipes the key.
  ~SecretBox();

  /// Encrypts `plaintext` bound to `associated_data` (e.g. "certificate:17:key"), which
  /// Open() must be given again. Aborts only if OpenSSL itself fails, like RandomBytes().
  std::string Seal(std::string_view plaintext, std::string_view associated_data) const;

  /// The plaintext of a blob made by Seal() with the same key and associated data. A short
  /// blob or unknown version → InvalidArgument; a wrong key, wrong associated data or any
  /// altered byte → Internal ("failed authentication"). Never returns partial plaintext.
  StatusOr<std::string> Open(std::string_view blob, std::string_view associated_data) const;

 private:
  std::array<unsigned char, kMasterKeyBytes> key_{};
};

/// Reads the master key at `path`, or creates it when the file does not exist.
///
/// The file holds either the 32 raw key bytes, or 64 hex characters (either case) optionally
/// followed by one newline (e.g. `openssl rand -hex 32 > key`). A created file holds 32 raw
/// bytes from getrandom(2), mode 0600, written to a temporary file in the same directory,
/// fsynced and renamed into place without replacing a file that appeared meanwhile.
/// FailedPrecondition when the file is not a regular file, is accessible to group or others
/// (mode & 077; the message names the path and `chmod 600`), or has the wrong size or content.
StatusOr<std::string> LoadOrCreateMasterKey(const std::string& path);

}  // namespace orch::pki
