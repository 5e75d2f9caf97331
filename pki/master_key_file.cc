// LoadOrCreateMasterKey(), declared in secret_box.h: the master key's file on disk.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "common/guid.h"
#include "pki/hash.h"
#include "pki/secret_box.h"

namespace orch::pki {
namespace {

constexpr size_t kHexKeyChars = 2 * kMasterKeyBytes;
// Enough to tell "a bit too long" from the accepted sizes without reading a huge file.
constexpr size_t kMaxReadBytes = 4096;

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int Get() const { return fd_; }
  /// Closes now, reporting the error close(2) may carry for buffered writes.
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Names the errno of a failed call and picks the code an operator would act on.
Status ErrnoError(std::string_view what, const std::string& path, int error) {
  std::string message = std::string(what) + " " + path + ": " + std::strerror(error);
  switch (error) {
    case ENOSPC:
    case EDQUOT: return ResourceExhaustedError(std::move(message));
    case EACCES:
    case EPERM:
    case ENOENT:
    case ENOTDIR:
    case EROFS:
    case EISDIR: return FailedPreconditionError(std::move(message));
    default: return InternalError(std::move(message));
  }
}

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
  if (::fstat(fd, &st) != 0) return ErrnoError("cannot stat master key file", path, errno);
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

StatusOr<std::string> ReadAll(int fd, const std::string& path) {
  std::string content(kMaxReadBytes + 1, '\0');
  size_t filled = 0;
  while (filled < content.size()) {
    ssize_t n = ::read(fd, content.data() + filled, content.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      Cleanse(content);
      return ErrnoError("cannot read master key file", path, error);
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  content.resize(filled);
  return content;
}

StatusOr<std::string> ReadKeyFile(int fd, const std::string& path) {
  ORCH_RETURN_IF_ERROR(CheckKeyFileMode(fd, path));
  ORCH_ASSIGN_OR_RETURN(std::string content, ReadAll(fd, path));
  auto key = ParseKeyFile(content, path);
  Cleanse(content);
  return key;
}

StatusOr<std::string> ReadExistingKey(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.Get() < 0) return ErrnoError("cannot open master key file", path, errno);
  return ReadKeyFile(fd.Get(), path);
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot write", path, errno);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Creates `temp` with mode 0600 (whatever the umask), writes the key and makes it durable.
Status WriteTempKeyFile(const std::string& temp, std::string_view key) {
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.Get() < 0) return ErrnoError("cannot create master key file", temp, errno);
  if (::fchmod(fd.Get(), 0600) != 0) return ErrnoError("cannot chmod", temp, errno);
  ORCH_RETURN_IF_ERROR(WriteAll(fd.Get(), key, temp));
  if (::fsync(fd.Get()) != 0) return ErrnoError("cannot fsync", temp, errno);
  if (fd.Close() != 0) return ErrnoError("cannot close", temp, errno);
  return Status::Ok();
}

Status SyncDirectory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.Get() < 0) return ErrnoError("cannot open directory", dir, errno);
  if (::fsync(fd.Get()) != 0) return ErrnoError("cannot fsync directory", dir, errno);
  return Status::Ok();
}

// Moves `temp` to `path` unless `path` exists. Returns false when it did exist: another
// process created the key first, and its key must win because it may already be in use.
StatusOr<bool> RenameNoReplace(const std::string& temp, const std::string& path) {
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
    return true;
  }
  if (errno == EEXIST) return false;
  // Filesystems without RENAME_NOREPLACE get a plain rename; the window is start-up only.
  if ((errno == EINVAL || errno == ENOSYS) && ::rename(temp.c_str(), path.c_str()) == 0) {
    return true;
  }
  return ErrnoError("cannot rename " + temp + " to", path, errno);
}

StatusOr<bool> InstallKey(const std::string& temp, const std::string& path, std::string_view key) {
  ORCH_RETURN_IF_ERROR(WriteTempKeyFile(temp, key));
  ORCH_ASSIGN_OR_RETURN(bool installed, RenameNoReplace(temp, path));
  if (installed) ORCH_RETURN_IF_ERROR(SyncDirectory(DirectoryOf(path)));
  return installed;
}

StatusOr<std::string> CreateKeyFile(const std::string& path) {
  std::string temp = path + ".tmp-" + HexEncode(RandomBytes(8));
  std::string key = RandomBytes(kMasterKeyBytes);
  auto installed = InstallKey(temp, path, key);
  // The temporary name is gone after a successful rename; otherwise it is cleaned up here.
  if (!installed.ok() || !*installed) ::unlink(temp.c_str());
  if (!installed.ok()) {
    Cleanse(key);
    return installed.status();
  }
  if (!*installed) {
    Cleanse(key);
    return ReadExistingKey(path);
  }
  return key;
}

}  // namespace

StatusOr<std::string> LoadOrCreateMasterKey(const std::string& path) {
  if (path.empty()) return InvalidArgumentError("master key path is empty");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.Get() < 0 && errno == ENOENT) return CreateKeyFile(path);
  if (fd.Get() < 0) return ErrnoError("cannot open master key file", path, errno);
  return ReadKeyFile(fd.Get(), path);
}

}  // namespace orch::pki
