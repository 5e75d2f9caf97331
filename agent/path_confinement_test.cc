// ConfineStorePath() against real directories and symbolic links.
#include "agent/path_confinement.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace orch::agent {
namespace {

using orch::testing::TempDir;
using orch::testing::WriteFileOrFail;
using ::testing::HasSubstr;

class PathConfinementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = base_.File("root");
    outside_ = base_.File("outside");
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(outside_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((root_ + "/sub").c_str(), 0755), 0);
  }

  StatusOr<std::string> Confine(const std::string& path) { return ConfineStorePath(path, {root_}); }

  void ExpectRefused(const std::string& path, StatusCode code) {
    auto confined = Confine(path);
    EXPECT_EQ(confined.status().code(), code) << path;
    EXPECT_THAT(confined.status().message(), HasSubstr(path));
  }

  TempDir base_{"agent-confine"};
  std::string root_;
  std::string outside_;
};

TEST_F(PathConfinementTest, FileInsideRootResolvesEvenBeforeItExists) {
  // Given files under the root, existing or not, and names with "." and "..", their real
  // paths come back.
  WriteFileOrFail(root_ + "/web.pem", "x");
  ASSERT_OK_AND_ASSIGN(std::string existing, Confine(root_ + "/web.pem"));
  EXPECT_EQ(existing, root_ + "/web.pem");
  ASSERT_OK_AND_ASSIGN(std::string missing, Confine(root_ + "/sub/./new.p12"));
  EXPECT_EQ(missing, root_ + "/sub/new.p12");
  ASSERT_OK_AND_ASSIGN(std::string dotdot, Confine(root_ + "/sub/../new.pem"));
  EXPECT_EQ(dotdot, root_ + "/new.pem");
  ASSERT_OK_AND_ASSIGN(std::string deeper, Confine(root_ + "/missing/dir/new.pem"));
  EXPECT_EQ(deeper, root_ + "/missing/dir/new.pem");
}

TEST_F(PathConfinementTest, DotDotEscapesAreRefused) {
  // Given ".." that climbs out of the root, through existing or missing directories, refused.
  ExpectRefused(root_ + "/../outside/web.pem", StatusCode::kPermissionDenied);
  ExpectRefused(root_ + "/sub/../../outside/web.pem", StatusCode::kPermissionDenied);
  ExpectRefused(root_ + "/missing/../../outside/web.pem", StatusCode::kPermissionDenied);
}

TEST_F(PathConfinementTest, SymlinkOutOfRootIsRefused) {
  // Given links inside the root to a directory and a file outside it, paths through them are
  // refused.
  WriteFileOrFail(outside_ + "/web.pem", "x");
  ASSERT_EQ(::symlink(outside_.c_str(), (root_ + "/out").c_str()), 0);
  ASSERT_EQ(::symlink((outside_ + "/web.pem").c_str(), (root_ + "/web.pem").c_str()), 0);
  ExpectRefused(root_ + "/out/new.pem", StatusCode::kPermissionDenied);
  ExpectRefused(root_ + "/web.pem", StatusCode::kPermissionDenied);
}

TEST_F(PathConfinementTest, SymlinkInsideRootIsFollowed) {
  // Given a link inside the root to a directory inside it, the path resolves through it.
  ASSERT_EQ(::symlink((root_ + "/sub").c_str(), (root_ + "/current").c_str()), 0);
  ASSERT_OK_AND_ASSIGN(std::string confined, Confine(root_ + "/current/web.pem"));
  EXPECT_EQ(confined, root_ + "/sub/web.pem");
}

TEST_F(PathConfinementTest, DanglingSymlinkIsRefused) {
  // Given a link whose target does not exist, the path is refused rather than guessed.
  ASSERT_EQ(::symlink((outside_ + "/nothing.pem").c_str(), (root_ + "/web.pem").c_str()), 0);
  ExpectRefused(root_ + "/web.pem", StatusCode::kPermissionDenied);
}

TEST_F(PathConfinementTest, RelativeAndEmptyPathsAreRefused) {
  // Given a relative path, InvalidArgument naming it; an empty path is refused too.
  ExpectRefused("root/web.pem", StatusCode::kInvalidArgument);
  EXPECT_EQ(Confine("").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PathConfinementTest, RootThatIsASymlinkIsResolved) {
  // Given a root configured as a link to the real directory, paths through the link and
  // through the real directory are both inside it; paths elsewhere are not.
  const std::string link = base_.File("roots-link");
  ASSERT_EQ(::symlink(root_.c_str(), link.c_str()), 0);
  ASSERT_OK_AND_ASSIGN(std::string via_link, ConfineStorePath(link + "/web.pem", {link}));
  EXPECT_EQ(via_link, root_ + "/web.pem");
  ASSERT_OK_AND_ASSIGN(std::string direct, ConfineStorePath(root_ + "/web.pem", {link}));
  EXPECT_EQ(direct, root_ + "/web.pem");
  EXPECT_FALSE(ConfineStorePath(outside_ + "/web.pem", {link}).ok());
}

TEST_F(PathConfinementTest, RootItselfAndLookalikePrefixesAreRefused) {
  // Given the root directory itself or a sibling whose name starts like the root, refused.
  ASSERT_EQ(::mkdir((root_ + "evil").c_str(), 0755), 0);
  ExpectRefused(root_, StatusCode::kPermissionDenied);
  ExpectRefused(root_ + "evil/web.pem", StatusCode::kPermissionDenied);
}

TEST_F(PathConfinementTest, SecondRootAndMissingRootsWork) {
  // Given a missing root first and the real one second, the path is confined by the second.
  ASSERT_OK_AND_ASSIGN(std::string confined,
                       ConfineStorePath(root_ + "/web.pem", {base_.File("nope"), root_}));
  EXPECT_EQ(confined, root_ + "/web.pem");
  EXPECT_FALSE(ConfineStorePath(root_ + "/web.pem", {}).ok());
}

TEST_F(PathConfinementTest, FileUsedAsDirectoryIsFailedPrecondition) {
  // Given a path that continues below a regular file, it cannot be resolved.
  WriteFileOrFail(root_ + "/web.pem", "x");
  ExpectRefused(root_ + "/web.pem/inner.pem", StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace orch::agent
