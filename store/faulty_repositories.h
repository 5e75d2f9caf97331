// FaultyRepositories: Repositories that fail or stall at a chosen call, for tests and fault
// drills. Each call is named "<subject>.<Method>" ("jobs.AddJobs", "runs.Deliver",
// "agents.SaveRegistration", ...); RepositoryFaults decides, call by call, whether it goes
// through to the wrapped repositories, waits first, or fails with an injected error (disk full,
// busy, ...) without reaching them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/repositories.h"

namespace orch::store {

/// What the calls of FaultyRepositories suffer. Thread-safe: writer and reader threads share
/// one.
class RepositoryFaults {
 public:
  /// Matches every call.
  static constexpr std::string_view kAnyCall = "*";

  /// After `after` more calls named `call` (or kAnyCall), the next `count` of them fail with
  /// `error` and reach nothing.
  void Fail(std::string_view call, Status error, int count = 1, int after = 0);
  /// Every call named `call` (or kAnyCall) waits `delay` before going through.
  void Delay(std::string_view call, std::chrono::milliseconds delay);
  /// Removes every fault.
  void Clear();

  /// Called by FaultyRepositories before the call named `call`: waits as Delay() said, then
  /// answers the injected error or ok.
  Status Before(std::string_view call);

  /// Calls named `call` seen so far (kAnyCall: all calls), failed or not.
  int64_t calls(std::string_view call) const;
  /// Calls failed by Fail() so far.
  int64_t failed() const;

 private:
  struct Failure {
    std::string call;
    Status error;
    int count = 0;
    int after = 0;
  };

  mutable std::mutex mutex_;
  std::vector<Failure> failures_;
  std::map<std::string, std::chrono::milliseconds, std::less<>> delays_;
  std::map<std::string, int64_t, std::less<>> calls_;
  int64_t all_calls_ = 0;
  int64_t failed_ = 0;
};

/// `inner`, with every call first asking `faults`. REQUIRES: `faults` outlives the result.
std::unique_ptr<Repositories> WithFaults(std::unique_ptr<Repositories> inner,
                                         RepositoryFaults& faults);

}  // namespace orch::store
