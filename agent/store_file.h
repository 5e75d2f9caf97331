// Internal to agent/: what the store writers share. The store file as found, written back
// atomically with the right mode and owner, and the job as the writers see it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/deploy.h"
#include "common/atomic_file.h"
#include "common/status.h"
#include "pki/certificate.h"

namespace orch::agent {

/// Largest store file read, in bytes.
inline constexpr size_t kMaxStoreFileBytes = size_t{16} << 20;

/// A store (or key) file as found before it is changed. Its contents are wiped on destruction,
/// since they may hold a private key.
struct ExistingFile {
  std::string contents;
  mode_t mode = 0;  // permission bits
  uid_t uid = 0;
  gid_t gid = 0;

  ExistingFile() = default;
  ExistingFile(ExistingFile&&) = default;
  ExistingFile& operator=(ExistingFile&&) = default;
  ~ExistingFile();
};

/// What a store writer works with.
struct StoreJob {
  const DeployRequest& request;
  const std::string& path;                // StorePath after ConfineStorePath()
  const pki::ImportedCertificate& entry;  // leaf, chain and, with IncludePrivateKey, the key
  const std::vector<std::string>& store_roots;
  FileSyscalls& files;
};

/// The regular file at `path`, or nullopt when nothing is there. FailedPrecondition naming
/// the path when it is a symbolic link, not a regular file, larger than kMaxStoreFileBytes or
/// unreadable.
StatusOr<std::optional<ExistingFile>> ReadExistingFile(const std::string& path);

/// The job's store file as ReadExistingFile() finds it; FailedPrecondition when it does not
/// exist and the job's CreateIfMissing is false.
StatusOr<std::optional<ExistingFile>> ReadStoreFile(const StoreJob& job);

/// Replaces or creates `path` atomically through `files`. A file that holds a private key gets
/// mode 0600; any other keeps the mode of `existing`, or 0644 when new. Run as root, the new
/// file keeps the owner of `existing`.
Status WriteStoreFile(const std::string& path, std::string_view contents,
                      const std::optional<ExistingFile>& existing, bool holds_key,
                      FileSyscalls& files);

/// The thumbprint of a DER certificate, or "unknown" when it cannot be read.
std::string ThumbprintOf(std::string_view der);

/// A Failure carrying `status`'s message, or `result` when ok.
DeployResult ResultOrFailure(StatusOr<DeployResult> result);

/// Wipes a string holding secret text (PEM of a key, a store file) when the scope ends.
class ScopedCleanse {
 public:
  explicit ScopedCleanse(std::string& secret) : secret_(secret) {}
  ScopedCleanse(const ScopedCleanse&) = delete;
  ScopedCleanse& operator=(const ScopedCleanse&) = delete;
  ~ScopedCleanse();

 private:
  std::string& secret_;
};

}  // namespace orch::agent
