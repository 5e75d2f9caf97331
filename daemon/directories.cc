#include "daemon/directories.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "common/atomic_file.h"
#include "common/file_io.h"
#include "common/logging.h"

namespace orch::daemon {
namespace {

Status MakeDirectories(const std::string& dir) {
  if (dir.empty()) return Status::Ok();  // a relative file name: the working directory
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return FailedPreconditionError("cannot create directory " + dir +
                                   ": it exists and is not a "
                                   "directory");
  }
  if (errno != ENOENT) return ErrnoStatus("cannot create directory", dir, errno);
  const std::string parent = std::filesystem::path(dir).parent_path().string();
  if (parent != dir) ORCH_RETURN_IF_ERROR(MakeDirectories(parent));
  if (::mkdir(dir.c_str(), kDirectoryMode) != 0) {
    // EEXIST: "a/b/" after "a/b", or another process was quicker; either way it is there now.
    if (errno == EEXIST) return Status::Ok();
    return ErrnoStatus("cannot create directory", dir, errno);
  }
  // The new directory's entry is durable only once its parent is synced, as the files that
  // orchd then creates in it are.
  ORCH_RETURN_IF_ERROR(SyncDirectory(parent.empty() ? "." : parent));
  GetLogger("daemon")->info("created directory {}", dir);
  return Status::Ok();
}

std::string DirectoryOf(const std::string& file) {
  return std::filesystem::path(file).parent_path().string();
}

}  // namespace

Status CreateStateDirectories(const config::Config& config) {
  ORCH_RETURN_IF_ERROR(MakeDirectories(config.state_dir));
  if (config.store.path != ":memory:") {
    ORCH_RETURN_IF_ERROR(MakeDirectories(DirectoryOf(config.store.path)));
  }
  ORCH_RETURN_IF_ERROR(MakeDirectories(DirectoryOf(config.keys.master_key_file)));
  if (config.ca.generate) {
    ORCH_RETURN_IF_ERROR(MakeDirectories(DirectoryOf(config.ca.cert)));
    ORCH_RETURN_IF_ERROR(MakeDirectories(DirectoryOf(config.ca.key)));
  }
  return Status::Ok();
}

}  // namespace orch::daemon
