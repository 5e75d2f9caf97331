// LoadOrCreateMasterKey(), declared in secret_box.h: the master key's file on disk.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "common/atomic_file.h"
#include "common/file_io.h"
#include "common/guid.h"
#include "pki/hash.h"
#include "pki/secret_box.h"

namespace orch::pki {
namespace {

constexpr size_t kHexKeyChars = 2 * kMasterKeyBytes;
// Enough to tell "a bit too long" from the accepted sizes without reading a huge file.
constexpr size_t kMaxReadBytes = 4096;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

StatusOr<std::string> DecodeHexKey(std::string_view hex, const std::string& path) {
  std::string key(kMasterKeyBytes, '\0');
  for (size_t i = 0; i < kMasterKeyBytes; ++i) {
    int high = HexValue(hex[2 * i]);
    int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      Cleanse(key);
      return FailedPreconditionError("master key file " + path +
                                     " holds 64 characters that are not all hex digits");
    }
    key[i] = static_cast<char>(high << 4 | low);
  }
  return key;
}

// Accepts the raw key, or its hex form with at most one trailing newline.
StatusOr<std::string> ParseKeyFile(std::string_view content, const std::string& path) {
  if (content.size() == kMasterKeyBytes) return std::string(content);
  if (content.size() == kHexKeyChars + 1 && content.back() == '\n') content.remove_suffix(1);
  if (content.size() == kHexKeyChars) return DecodeHexKey(content, path);
  return FailedPreconditionError("master key file " + path + " holds " +
                                 std::to_string(content.size()) + " bytes; expected " +
                                 std::to_string(kMasterKeyBytes) + " raw bytes or " +
                                 std::to_string(kHexKeyChars) + " hex characters");
}

Status CheckKeyFileMode(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoStatus("cannot stat master key file", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return FailedPreconditionError("master key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return FailedPreconditionError("master key file " + path + " has mode " + mode +
                                   " and is accessible to group or others; run `chmod 600 " + path +
                                   "`");
  }
  return Status::Ok();
}

StatusOr<std::string> ReadKeyFile(int fd, const std::string& path) {
  ORCH_RETURN_IF_ERROR(CheckKeyFileMode(fd, path));
  ORCH_ASSIGN_OR_RETURN(std::string content, ReadUpTo(fd, path, kMaxReadBytes + 1));
  auto key = ParseKeyFile(content, path);
  Cleanse(content);
  return key;
}

StatusOr<std::string> ReadExistingKey(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) return ErrnoStatus("cannot open master key file", path, errno);
  return ReadKeyFile(fd.Get(), path);
}

// Writes a new random key without replacing a file that appeared meanwhile: another process
// created the key first, and its key must win because it may already be in use.
StatusOr<std::string> CreateKeyFile(const std::string& path) {
  std::string key = RandomBytes(kMasterKeyBytes);
  Status written = WriteFileAtomically(path, key, {.mode = 0600, .replace_existing = false});
  if (written.ok()) return key;
  Cleanse(key);
  if (written.code() == StatusCode::kAlreadyExists) return ReadExistingKey(path);
  return written;
}

}  // namespace

StatusOr<std::string> LoadOrCreateMasterKey(const std::string& path) {
  if (path.empty()) return InvalidArgumentError("master key path is empty");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid() && errno == ENOENT) return CreateKeyFile(path);
  if (!fd.Valid()) return ErrnoStatus("cannot open master key file", path, errno);
  return ReadKeyFile(fd.Get(), path);
}

}  // namespace orch::pki
