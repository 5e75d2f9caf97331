// Test-only: a directory whose database a test makes read-only and writable again. Root writes
// files whatever their mode, so as root a tmpfs is mounted on the directory and remounted
// read-only and back (Linux refuses the read-only remount while a file on it is open for
// writing); otherwise the file's mode changes.
#pragma once

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace orch::testing {

class ReadOnlySwitch {
 public:
  /// Mounts a tmpfs of `size` ("4m") on `dir`, an empty directory, when running as root.
  explicit ReadOnlySwitch(std::string dir, const std::string& size = "4m")
      : dir_(std::move(dir)), as_root_(::geteuid() == 0) {
    if (!as_root_) return;
    const std::string options = "size=" + size + ",mode=0700";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", kFlags, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      unusable_ = std::string("cannot mount a tmpfs as root: ") + std::strerror(errno);
    }
  }
  ~ReadOnlySwitch() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  ReadOnlySwitch(const ReadOnlySwitch&) = delete;
  ReadOnlySwitch& operator=(const ReadOnlySwitch&) = delete;

  /// Empty when the switch works here; otherwise why not (for GTEST_SKIP).
  const std::string& unusable() const { return unusable_; }
  /// True when a tmpfs of its own is mounted on the directory.
  bool mounted() const { return mounted_; }
  /// "tmpfs remount" or "file mode": how the switch works, for the test's record.
  const char* how() const { return as_root_ ? "tmpfs remount" : "file mode"; }

  /// Makes `file` in the directory read-only; false (errno set) when that failed.
  /// REQUIRES as root: no file in the directory is open for writing.
  bool MakeReadOnly(const std::string& file) {
    if (as_root_)
      return ::mount(nullptr, dir_.c_str(), nullptr, kFlags | MS_REMOUNT | MS_RDONLY, nullptr) == 0;
    return ::chmod(file.c_str(), 0400) == 0;
  }
  /// Makes `file` writable again; false (errno set) when that failed.
  bool MakeWritable(const std::string& file) {
    if (as_root_) return ::mount(nullptr, dir_.c_str(), nullptr, kFlags | MS_REMOUNT, nullptr) == 0;
    return ::chmod(file.c_str(), 0600) == 0;
  }

 private:
  static constexpr unsigned long kFlags = MS_NOSUID | MS_NODEV;

  std::string dir_;
  bool as_root_;
  bool mounted_ = false;
  std::string unusable_;
};

}  // namespace orch::testing
