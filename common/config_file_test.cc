#include "common/config_file.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace orch {
namespace {

TEST(ReadConfigFileTest, ReadsUpToOneMebibyte) {
  // Given files of exactly 1 MiB, one byte more, and none, only the first is read.
  testing::TempDir dir;
  const std::string fits = dir.File("fits.yaml");
  testing::WriteFileOrFail(fits, std::string(kMaxConfigFileBytes, '#'));
  ASSERT_OK_AND_ASSIGN(std::string text, ReadConfigFile(fits));
  EXPECT_EQ(text.size(), kMaxConfigFileBytes);

  const std::string large = dir.File("large.yaml");
  testing::WriteFileOrFail(large, std::string(kMaxConfigFileBytes + 1, '#'));
  EXPECT_EQ(ReadConfigFile(large).status().message(),
            large + ": larger than 1 MiB; not a configuration file");

  EXPECT_EQ(ReadConfigFile(dir.File("absent.yaml")).status().message(),
            dir.File("absent.yaml") + ": cannot open: No such file or directory");
}

TEST(FirstStateDirectoryTest, TakesTheFirstOfSeveral) {
  // Given $STATE_DIRECTORY values as systemd sets them, the first directory is used.
  EXPECT_EQ(FirstStateDirectory("/var/lib/orchd"), "/var/lib/orchd");
  EXPECT_EQ(FirstStateDirectory("/var/lib/a:/var/lib/b"), "/var/lib/a");
  EXPECT_EQ(FirstStateDirectory(""), "");
}

}  // namespace
}  // namespace orch
