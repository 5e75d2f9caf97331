#include "common/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/failing_file_syscalls.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace orch {
namespace {

using ::testing::ElementsAre;
using testing::FailingFileSyscalls;
using ::testing::HasSubstr;
using testing::ReadFileOrEmpty;
using testing::TempDir;
using testing::WriteFileOrFail;
using Call = FailingFileSyscalls::Call;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(WriteFileAtomicallyTest, ReplacesContentsAndMode) {
  // Given an existing file, it is replaced with the new bytes and mode, and nothing else is left.
  TempDir dir("atomic");
  const std::string path = dir.File("store.pem");
  WriteFileOrFail(path, "old contents");
  ::umask(022);
  ASSERT_OK(WriteFileAtomically(path, "new contents", 0600));
  EXPECT_EQ(ReadFileOrEmpty(path), "new contents");
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_THAT(dir.Entries(), ElementsAre("store.pem"));
}

TEST(WriteFileAtomicallyTest, ModeIsExactWhateverTheUmask) {
  // Given a umask that masks group and other bits, a 0644 file still gets 0644.
  TempDir dir("atomic");
  const std::string path = dir.File("bundle.pem");
  mode_t old_umask = ::umask(077);
  Status status = WriteFileAtomically(path, "x", 0644);
  ::umask(old_umask);
  ASSERT_OK(status);
  EXPECT_EQ(ModeOf(path), 0644u);
}

TEST(WriteFileAtomicallyTest, SymlinkAtPathIsReplacedNotFollowed) {
  // Given the path is a symbolic link to another file, the link is replaced and its target kept.
  TempDir dir("atomic");
  WriteFileOrFail(dir.File("target"), "target contents");
  ASSERT_EQ(::symlink(dir.File("target").c_str(), dir.File("link").c_str()), 0);
  ASSERT_OK(WriteFileAtomically(dir.File("link"), "new", 0644));
  EXPECT_EQ(ReadFileOrEmpty(dir.File("target")), "target contents");
  struct stat st {};
  ASSERT_EQ(::lstat(dir.File("link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(ReadFileOrEmpty(dir.File("link")), "new");
}

TEST(WriteFileAtomicallyTest, FailureAtAnyStepLeavesOriginalAndNoTempFile) {
  // Given each step of the write failing in turn, the original survives and no temporary file
  // stays.
  for (Call call :
       {Call::kOpen, Call::kWrite, Call::kFchmod, Call::kFsync, Call::kClose, Call::kRename}) {
    SCOPED_TRACE(static_cast<int>(call));
    TempDir dir("atomic");
    const std::string path = dir.File("store.p12");
    WriteFileOrFail(path, "original bytes");
    FailingFileSyscalls sys(call, EIO);
    Status status = WriteFileAtomically(path, std::string(4096, 'n'), {.mode = 0600}, sys);
    EXPECT_EQ(status.code(), StatusCode::kInternal);
    EXPECT_GE(sys.failures(), 1);
    EXPECT_EQ(ReadFileOrEmpty(path), "original bytes");
    EXPECT_THAT(dir.Entries(), ElementsAre("store.p12"));
  }
}

TEST(SyncDirectoryTest, EveryCallIsCheckedAndTheErrorNamesTheDirectory) {
  // Given a directory whose open, fsync or close fails in turn, SyncDirectory reports it
  // naming the directory; with nothing failing it succeeds.
  TempDir dir("sync");
  ASSERT_OK(SyncDirectory(dir.path()));
  for (Call call : {Call::kOpen, Call::kFsync, Call::kClose}) {
    SCOPED_TRACE(static_cast<int>(call));
    FailingFileSyscalls sys(call, EIO);
    Status status = SyncDirectory(dir.path(), sys);
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(sys.failures(), 1);
    EXPECT_THAT(status.message(), HasSubstr(dir.path()));
  }
  EXPECT_FALSE(SyncDirectory(dir.File("missing")).ok());
}

TEST(WriteFileAtomicallyTest, DiskFullIsInsufficientStorage) {
  // Given a write that fails with ENOSPC halfway, the error says so and names the file.
  TempDir dir("atomic");
  const std::string path = dir.File("store.pem");
  WriteFileOrFail(path, "original");
  FailingFileSyscalls sys(Call::kWrite, ENOSPC);
  Status status = WriteFileAtomically(path, std::string(100, 'n'), {}, sys);
  EXPECT_EQ(status.code(), StatusCode::kInsufficientStorage);
  EXPECT_THAT(status.message(), HasSubstr(dir.path()));
  EXPECT_EQ(ReadFileOrEmpty(path), "original");
  EXPECT_THAT(dir.Entries(), ElementsAre("store.pem"));
}

TEST(WriteFileAtomicallyTest, NoReplaceKeepsExistingFile) {
  // Given replace_existing false and an existing file, AlreadyExists and the file unchanged.
  TempDir dir("atomic");
  const std::string path = dir.File("ca.key");
  WriteFileOrFail(path, "first");
  Status status = WriteFileAtomically(path, "second", {.mode = 0600, .replace_existing = false});
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadFileOrEmpty(path), "first");
  EXPECT_THAT(dir.Entries(), ElementsAre("ca.key"));
  ASSERT_OK(WriteFileAtomically(dir.File("new.key"), "k", {.replace_existing = false}));
  EXPECT_EQ(ReadFileOrEmpty(dir.File("new.key")), "k");
}

TEST(WriteFileAtomicallyTest, MissingDirectoryIsFailedPrecondition) {
  // Given a directory that does not exist, the error is FailedPrecondition naming the path.
  TempDir dir("atomic");
  Status status = WriteFileAtomically(dir.File("missing/store.pem"), "x", 0644);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("missing"));
}

TEST(WriteFileAtomicallyTest, DirectoryNameIsRefused) {
  // Given a path ending in a slash, nothing is written and the error names the path.
  TempDir dir("atomic");
  Status status = WriteFileAtomically(dir.path() + "/", "x", 0644);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(dir.Entries().empty());
}

}  // namespace
}  // namespace orch
