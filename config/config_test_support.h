// Test-only: the fixture of the configuration tests (config_test.cc, config_errors_test.cc).
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace orch::config::testing {

// Runs each test with the systemd directory variables cleared, and puts them back afterwards.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"STATE_DIRECTORY", "CREDENTIALS_DIRECTORY"}) {
      const char* value = std::getenv(name);
      if (value != nullptr) saved_.emplace_back(name, value);
      unsetenv(name);
    }
  }
  void TearDown() override {
    unsetenv("STATE_DIRECTORY");
    unsetenv("CREDENTIALS_DIRECTORY");
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

}  // namespace orch::config::testing
