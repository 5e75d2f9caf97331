#include "common/logging.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch {
namespace {

TEST(LoggingTest, ParsesKnownLevels) {
  // Given level names from the config, each maps to its spdlog level.
  ASSERT_OK_AND_ASSIGN(auto level, ParseLogLevel("warn"));
  EXPECT_EQ(level, spdlog::level::warn);
  ASSERT_OK_AND_ASSIGN(level, ParseLogLevel("error"));
  EXPECT_EQ(level, spdlog::level::err);
}

TEST(LoggingTest, RejectsUnknownLevel) {
  // Given a misspelt level, the error names it and the choices.
  auto level = ParseLogLevel("verbose");
  ASSERT_FALSE(level.ok());
  EXPECT_NE(level.status().message().find("\"verbose\""), std::string::npos);
  EXPECT_NE(level.status().message().find("debug"), std::string::npos);
}

TEST(LoggingTest, LoggersAreSharedByName) {
  // Given two lookups of one name, they return the same logger, at the configured level.
  ConfigureLogging(spdlog::level::warn, LogFormat::kText);
  auto a = GetLogger("common-test");
  auto b = GetLogger("common-test");
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->level(), spdlog::level::warn);
  ConfigureLogging(spdlog::level::debug, LogFormat::kJournal);
  EXPECT_EQ(a->level(), spdlog::level::debug);
}

}  // namespace
}  // namespace orch
