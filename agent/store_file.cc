#include "agent/store_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "common/file_io.h"
#include "pki/hash.h"

namespace orch::agent {

ExistingFile::~ExistingFile() {
  pki::Cleanse(contents);
}

ScopedCleanse::~ScopedCleanse() {
  pki::Cleanse(secret_);
}

StatusOr<std::optional<ExistingFile>> ReadExistingFile(const std::string& path) {
  // O_NOFOLLOW: the path was resolved, so a link here appeared since; O_NONBLOCK: a FIFO
  // planted at the path must not hang the agent before the regular-file check.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.Valid() && errno == ENOENT) return std::optional<ExistingFile>();
  if (!fd.Valid()) return ErrnoStatus("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd.Get(), &st) != 0) return ErrnoStatus("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return FailedPreconditionError(path + " is not a regular file");
  if (static_cast<size_t>(st.st_size) > kMaxStoreFileBytes) {
    return FailedPreconditionError(path + " is larger than 16 MiB");
  }
  ExistingFile file;
  ORCH_ASSIGN_OR_RETURN(file.contents, ReadUpTo(fd.Get(), path, kMaxStoreFileBytes + 1));
  if (file.contents.size() > kMaxStoreFileBytes) {
    return FailedPreconditionError(path + " is larger than 16 MiB");
  }
  file.mode = st.st_mode & 0777;
  file.uid = st.st_uid;
  file.gid = st.st_gid;
  return std::optional<ExistingFile>(std::move(file));
}

StatusOr<std::optional<ExistingFile>> ReadStoreFile(const StoreJob& job) {
  ORCH_ASSIGN_OR_RETURN(std::optional<ExistingFile> file, ReadExistingFile(job.path));
  if (!file && !job.request.create_if_missing) {
    return FailedPreconditionError("store file " + job.path +
                                   " does not exist and CreateIfMissing is false");
  }
  return file;
}

Status WriteStoreFile(const std::string& path, std::string_view contents,
                      const std::optional<ExistingFile>& existing, bool holds_key,
                      FileSyscalls& files) {
  AtomicWriteOptions options;
  options.mode = holds_key ? 0600 : existing ? existing->mode : 0644;
  // Only root can give a file away; anyone else makes files it owns, as before.
  if (existing && ::geteuid() == 0) options.owner = FileOwner{existing->uid, existing->gid};
  return WriteFileAtomically(path, contents, options, files);
}

std::string ThumbprintOf(std::string_view der) {
  auto info = pki::DescribeCertificate(der);
  return info.ok() ? info->thumbprint : "unknown";
}

DeployResult ResultOrFailure(StatusOr<DeployResult> result) {
  if (!result.ok()) return DeployResult::Failure(result.status().message());
  return std::move(result).value();
}

}  // namespace orch::agent
