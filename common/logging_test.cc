#include "common/logging.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

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

TEST(LoggingTest, JournalStyleOnlyWhenJournalStreamNamesTheDescriptor) {
  // Given a pipe standing in for journald's stream, JOURNAL_STREAM naming its device and inode
  // selects journal style; another file's, a malformed value or none selects text.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  struct stat st {};
  ASSERT_EQ(fstat(fds[1], &st), 0);
  const std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  const std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
  EXPECT_EQ(LogFormatFor(mine.c_str(), fds[1]), LogFormat::kJournal);
  EXPECT_EQ(LogFormatFor(other.c_str(), fds[1]), LogFormat::kText);
  for (const char* bad : {"", "1", ":", "1:", ":2", "x:y", "1:2:3", "1 :2"}) {
    EXPECT_EQ(LogFormatFor(bad, fds[1]), LogFormat::kText) << bad;
  }
  EXPECT_EQ(LogFormatFor(nullptr, fds[1]), LogFormat::kText);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace orch
