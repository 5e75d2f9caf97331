// Test-only: real file system calls, except the one a test chooses to fail.
#pragma once

#include <errno.h>

#include <algorithm>
#include <string>

#include "common/atomic_file.h"

namespace orch::testing {

/// RealFileSyscalls that fail one call with `error`: the `nth` (from 0) call of the chosen
/// kind. A failing write is preceded by a short one, so the failure happens in the middle of
/// the file.
class FailingFileSyscalls : public RealFileSyscalls {
 public:
  enum class Call { kNone, kOpen, kWrite, kFchmod, kFsync, kClose, kRename };

  FailingFileSyscalls(Call call, int error, int nth = 0) : call_(call), error_(error), nth_(nth) {}

  /// How many calls were failed.
  int failures() const { return failures_; }

  int Open(const std::string& path, int flags, mode_t mode) override {
    return Fails(Call::kOpen) ? -1 : RealFileSyscalls::Open(path, flags, mode);
  }
  ssize_t Write(int fd, const char* data, size_t size) override {
    if (call_ == Call::kWrite && seen_ == nth_ && !wrote_some_) {
      wrote_some_ = true;
      return RealFileSyscalls::Write(fd, data, std::min<size_t>(size, 5));
    }
    return Fails(Call::kWrite) ? -1 : RealFileSyscalls::Write(fd, data, size);
  }
  int Fchmod(int fd, mode_t mode) override {
    return Fails(Call::kFchmod) ? -1 : RealFileSyscalls::Fchmod(fd, mode);
  }
  int Fsync(int fd) override { return Fails(Call::kFsync) ? -1 : RealFileSyscalls::Fsync(fd); }
  int Close(int fd) override {
    if (!Fails(Call::kClose)) return RealFileSyscalls::Close(fd);
    // close(2) releases the descriptor even when it reports an error.
    RealFileSyscalls::Close(fd);
    errno = error_;
    return -1;
  }
  int Rename(const std::string& from, const std::string& to, bool replace) override {
    return Fails(Call::kRename) ? -1 : RealFileSyscalls::Rename(from, to, replace);
  }

 private:
  bool Fails(Call call) {
    if (call != call_ || seen_++ != nth_) return false;
    ++failures_;
    errno = error_;
    return true;
  }

  Call call_;
  int error_;
  int nth_;
  int seen_ = 0;
  bool wrote_some_ = false;
  int failures_ = 0;
};

}  // namespace orch::testing
