#include "common/user_directory.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

TEST(NssUserDirectoryTest, FindsRootByNameAndIdAndNobodyUnderAMadeUpName) {
  // Given the system's databases, root is uid 0 and gid 0, and a made-up name is not found.
  NssUserDirectory& directory = NssUserDirectory::Instance();
  EXPECT_EQ(directory.FindUserId("root"), uid_t{0});
  EXPECT_EQ(directory.FindGroup("root"), gid_t{0});
  std::optional<UserEntry> root = directory.FindUser(0);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->name, "root");
  EXPECT_EQ(directory.FindUserId("no-such-user-orchd-test"), std::nullopt);
  EXPECT_EQ(directory.FindGroup("no-such-group-orchd-test"), std::nullopt);
}

}  // namespace
}  // namespace orch
