#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "common/file_io.h"
#include "common/guid.h"

namespace orch {
namespace {

struct PathParts {
  std::string dir;   // "." for a bare name, "/" for a file in the root
  std::string name;  // the last component
};

PathParts SplitPath(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// A dot name keeps the temporary file out of globs such as *.pem that services load.
std::string TempPath(const PathParts& parts) {
  std::string prefix = parts.dir == "/" ? "/" : parts.dir + "/";
  return prefix + "." + parts.name + ".tmp-" + HexEncode(RandomBytes(6));
}

Status WriteAll(FileSyscalls& sys, int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = sys.Write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot write", path, errno);
    if (n == 0) return InternalError("cannot write " + path + ": write made no progress");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// The descriptor goes back through `sys` so a failing close(2) is seen; on early returns the
// UniqueFd closes it without looking, since the file is being abandoned anyway.
Status WriteTemp(FileSyscalls& sys, const std::string& temp, std::string_view bytes,
                 const AtomicWriteOptions& options) {
  UniqueFd fd(sys.Open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.Valid()) return ErrnoStatus("cannot create", temp, errno);
  if (options.owner && sys.Fchown(fd.Get(), options.owner->uid, options.owner->gid) != 0) {
    return ErrnoStatus("cannot chown", temp, errno);
  }
  // After fchown, which may clear set-id bits; the mode is exact whatever the umask.
  if (sys.Fchmod(fd.Get(), options.mode) != 0) return ErrnoStatus("cannot chmod", temp, errno);
  ORCH_RETURN_IF_ERROR(WriteAll(sys, fd.Get(), bytes, temp));
  if (sys.Fsync(fd.Get()) != 0) return ErrnoStatus("cannot fsync", temp, errno);
  if (sys.Close(fd.Release()) != 0) return ErrnoStatus("cannot close", temp, errno);
  return Status::Ok();
}

Status Install(FileSyscalls& sys, const std::string& temp, const std::string& path, bool replace) {
  if (sys.Rename(temp, path, replace) == 0) return Status::Ok();
  if (!replace && errno == EEXIST) return AlreadyExistsError(path + " already exists");
  return ErrnoStatus("cannot rename " + temp + " to", path, errno);
}


}  // namespace

RealFileSyscalls& RealFileSyscalls::Instance() {
  static RealFileSyscalls instance;
  return instance;
}

int RealFileSyscalls::Open(const std::string& path, int flags, mode_t mode) {
  return ::open(path.c_str(), flags, mode);
}

ssize_t RealFileSyscalls::Write(int fd, const char* data, size_t size) {
  return ::write(fd, data, size);
}

int RealFileSyscalls::Fchmod(int fd, mode_t mode) {
  return ::fchmod(fd, mode);
}

int RealFileSyscalls::Fchown(int fd, uid_t uid, gid_t gid) {
  return ::fchown(fd, uid, gid);
}

int RealFileSyscalls::Fsync(int fd) {
  return ::fsync(fd);
}

int RealFileSyscalls::Close(int fd) {
  return ::close(fd);
}

int RealFileSyscalls::Rename(const std::string& from, const std::string& to, bool replace) {
  if (replace) return ::rename(from.c_str(), to.c_str());
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // Filesystems without RENAME_NOREPLACE get a hard link, which refuses an existing name too.
  if (::link(from.c_str(), to.c_str()) != 0) return -1;
  ::unlink(from.c_str());
  return 0;
}

int RealFileSyscalls::Unlink(const std::string& path) {
  return ::unlink(path.c_str());
}

Status SyncDirectory(const std::string& dir, FileSyscalls& sys) {
  UniqueFd fd(sys.Open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
  if (!fd.Valid()) return ErrnoStatus("cannot open directory", dir, errno);
  if (sys.Fsync(fd.Get()) != 0) return ErrnoStatus("cannot fsync directory", dir, errno);
  if (sys.Close(fd.Release()) != 0) return ErrnoStatus("cannot close directory", dir, errno);
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, std::string_view bytes,
                           const AtomicWriteOptions& options, FileSyscalls& sys) {
  PathParts parts = SplitPath(path);
  if (parts.name.empty() || parts.name == "." || parts.name == "..") {
    return InvalidArgumentError("cannot write " + path + ": it names a directory");
  }
  const std::string temp = TempPath(parts);
  Status status = WriteTemp(sys, temp, bytes, options);
  if (status.ok()) status = Install(sys, temp, path, options.replace_existing);
  if (!status.ok()) {
    // The temporary file may not exist (creation failed); nothing more can be done if it
    // cannot be removed, and the error already explains the failure.
    sys.Unlink(temp);
    return std::move(status).Context("writing " + path);
  }
  return SyncDirectory(parts.dir, sys).Context("writing " + path);
}

Status WriteFileAtomically(const std::string& path, std::string_view bytes, mode_t mode) {
  return WriteFileAtomically(path, bytes, AtomicWriteOptions{.mode = mode});
}

}  // namespace orch
