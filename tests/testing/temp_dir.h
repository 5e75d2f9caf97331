// Test-only: a fresh directory under the test temporary directory, removed with everything in
// it when the object goes away.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

namespace orch::testing {

class TempDir {
 public:
  /// Creates "<TempDir()>/<prefix>-XXXXXX"; fails the current test when it cannot.
  explicit TempDir(std::string_view prefix = "orch") {
    std::string pattern = ::testing::TempDir() + std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp " << pattern << " failed";
      return;
    }
    // Canonical, so paths the code under test resolves compare equal to ours.
    path_ = std::filesystem::canonical(pattern).string();
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }
  /// `path()` + "/" + `name`.
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

  /// The names in the directory (not recursive), sorted.
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

/// The whole contents of the file at `path` ("" when it cannot be read).
inline std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Replaces the file at `path` with `contents`; fails the current test when it cannot.
inline void WriteFileOrFail(const std::string& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

}  // namespace orch::testing
