// Replacing a file so that readers see either the old contents or the new, never a mix, and
// the new contents survive a crash once the call returns: a temporary file beside the target,
// written in full, fsynced, renamed over the target, then the directory fsynced.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orch {

/// The system calls WriteFileAtomically() makes, so that tests can make any of them fail.
/// Each returns what the system call returns and leaves errno set when it fails.
class FileSyscalls {
 public:
  virtual ~FileSyscalls() = default;
  virtual int Open(const std::string& path, int flags, mode_t mode) = 0;
  virtual ssize_t Write(int fd, const char* data, size_t size) = 0;
  virtual int Fchmod(int fd, mode_t mode) = 0;
  virtual int Fchown(int fd, uid_t uid, gid_t gid) = 0;
  virtual int Fsync(int fd) = 0;
  virtual int Close(int fd) = 0;
  /// Moves `from` to `to`; with `replace` false it fails with EEXIST when `to` exists.
  virtual int Rename(const std::string& from, const std::string& to, bool replace) = 0;
  virtual int Unlink(const std::string& path) = 0;
};

/// FileSyscalls that call the kernel. Tests derive from it to fail one call.
class RealFileSyscalls : public FileSyscalls {
 public:
  /// A process-wide instance.
  static RealFileSyscalls& Instance();

  int Open(const std::string& path, int flags, mode_t mode) override;
  ssize_t Write(int fd, const char* data, size_t size) override;
  int Fchmod(int fd, mode_t mode) override;
  int Fchown(int fd, uid_t uid, gid_t gid) override;
  int Fsync(int fd) override;
  int Close(int fd) override;
  int Rename(const std::string& from, const std::string& to, bool replace) override;
  int Unlink(const std::string& path) override;
};

/// The owner a new file is given.
struct FileOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

/// How WriteFileAtomically() makes the file.
struct AtomicWriteOptions {
  mode_t mode = 0644;              // permission bits, whatever the umask
  bool replace_existing = true;    // false: an existing `path` is left alone (AlreadyExists)
  std::optional<FileOwner> owner;  // fchown the new file before it takes the name
};

/// Writes `bytes` to `path` atomically: a temporary file ".<name>.tmp-<random>" in the same
/// directory (O_EXCL, O_NOFOLLOW) receives all of `bytes` with `options.mode` and owner, is
/// fsynced and closed, then renamed to `path`, and the directory is fsynced. Every call's
/// result is checked; on failure the temporary file is removed and `path` keeps its old
/// contents (a failure of the final directory fsync reports an error after the rename).
/// A symbolic link at `path` is replaced, not followed. Errors name the file: codes as
/// ErrnoStatus() gives them (common/file_io.h), and AlreadyExists when `replace_existing` is
/// false and `path` exists.
Status WriteFileAtomically(const std::string& path, std::string_view bytes,
                           const AtomicWriteOptions& options,
                           FileSyscalls& sys = RealFileSyscalls::Instance());

/// Makes the entries of directory `dir` durable (a file created or renamed in it): opens,
/// fsyncs and closes it, checking each call. Errors as ErrnoStatus() gives them, naming `dir`.
Status SyncDirectory(const std::string& dir, FileSyscalls& sys = RealFileSyscalls::Instance());

/// WriteFileAtomically() replacing `path`, with permission bits `mode`.
Status WriteFileAtomically(const std::string& path, std::string_view bytes, mode_t mode);

}  // namespace orch
