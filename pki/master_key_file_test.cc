// LoadOrCreateMasterKey() against a real temporary directory.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/guid.h"
#include "pki/secret_box.h"
#include "tests/testing/status_matchers.h"

namespace orch::pki {
namespace {

using ::testing::HasSubstr;

class MasterKeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "pki-master-key-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/master.key";
  }
  void TearDown() override {
    for (const std::string& name : Entries()) ::unlink((dir_ + "/" + name).c_str());
    ::rmdir(dir_.c_str());
  }

  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    DIR* dir = ::opendir(dir_.c_str());
    if (dir == nullptr) return names;
    while (dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    return names;
  }

  void WriteFile(const std::string& content, mode_t mode) {
    std::ofstream(path_, std::ios::binary) << content;
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
  }

  std::string ReadFile() const {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  mode_t Mode() const {
    struct stat st {};
    EXPECT_EQ(::stat(path_.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(MasterKeyFileTest, CreatesA0600KeyWhenAbsent) {
  // Given no key file, a 32-byte key is created in a 0600 file with no temporary left over.
  ASSERT_OK_AND_ASSIGN(std::string key, LoadOrCreateMasterKey(path_));
  EXPECT_EQ(key.size(), kMasterKeyBytes);
  EXPECT_EQ(Mode(), 0600u);
  EXPECT_EQ(ReadFile(), key);
  EXPECT_EQ(Entries(), std::vector<std::string>{"master.key"});
}

TEST_F(MasterKeyFileTest, ReloadsTheSameKey) {
  // Given a key created earlier, loading again returns the same key.
  ASSERT_OK_AND_ASSIGN(std::string created, LoadOrCreateMasterKey(path_));
  ASSERT_OK_AND_ASSIGN(std::string reloaded, LoadOrCreateMasterKey(path_));
  EXPECT_EQ(reloaded, created);
}

TEST_F(MasterKeyFileTest, CreatesTwoDifferentKeysInTwoPlaces) {
  // Given two fresh paths, the created keys differ (they are random).
  ASSERT_OK_AND_ASSIGN(std::string first, LoadOrCreateMasterKey(path_));
  ASSERT_OK_AND_ASSIGN(std::string second, LoadOrCreateMasterKey(dir_ + "/other.key"));
  EXPECT_NE(first, second);
}

TEST_F(MasterKeyFileTest, RefusesAGroupOrWorldReadableFile) {
  // Given a key file with mode 0644 (or 0640), loading fails and tells how to fix it.
  for (mode_t mode : {0644, 0640, 0604}) {
    WriteFile(std::string(32, 'k'), mode);
    auto key = LoadOrCreateMasterKey(path_);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(key.status().message(), HasSubstr(path_));
    EXPECT_THAT(key.status().message(), HasSubstr("chmod 600"));
  }
}

TEST_F(MasterKeyFileTest, AcceptsAnOwnerOnlyFile) {
  // Given a raw 32-byte key in a 0400 file, it is loaded as is.
  std::string raw = RandomBytes(kMasterKeyBytes);
  WriteFile(raw, 0400);
  ASSERT_OK_AND_ASSIGN(std::string key, LoadOrCreateMasterKey(path_));
  EXPECT_EQ(key, raw);
}

TEST_F(MasterKeyFileTest, AcceptsHexWithOrWithoutNewline) {
  // Given 64 hex characters (either case, optional newline), the decoded bytes are the key.
  std::string raw = RandomBytes(kMasterKeyBytes);
  std::string hex = HexEncode(raw);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& content : {hex, hex + "\n", upper + "\n"}) {
    WriteFile(content, 0600);
    ASSERT_OK_AND_ASSIGN(std::string key, LoadOrCreateMasterKey(path_));
    EXPECT_EQ(key, raw);
  }
}

TEST_F(MasterKeyFileTest, RefusesWrongSizeOrContent) {
  // Given 31 or 33 raw bytes, 63 hex characters, or 64 non-hex characters, loading fails.
  for (const std::string& content :
       {std::string(31, 'k'), std::string(33, 'k'), std::string(63, 'a') + "\n",
        std::string(64, 'z'), std::string()}) {
    WriteFile(content, 0600);
    auto key = LoadOrCreateMasterKey(path_);
    ASSERT_FALSE(key.ok()) << content.size();
    EXPECT_EQ(key.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(key.status().message(), HasSubstr(path_));
  }
}

TEST_F(MasterKeyFileTest, RefusesADirectory) {
  // Given a directory where the key file should be, loading fails.
  ASSERT_EQ(::mkdir(path_.c_str(), 0700), 0);
  EXPECT_FALSE(LoadOrCreateMasterKey(path_).ok());
  ::rmdir(path_.c_str());
}

TEST_F(MasterKeyFileTest, MissingDirectoryFails) {
  // Given a path in a directory that does not exist, creation fails and names the path.
  auto key = LoadOrCreateMasterKey(dir_ + "/missing/master.key");
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(key.status().message(), HasSubstr(dir_ + "/missing/master.key"));
}

TEST_F(MasterKeyFileTest, CreatedKeyWorksWithSecretBox) {
  // Given a created key, a SecretBox made from it seals and a reloaded key opens.
  ASSERT_OK_AND_ASSIGN(std::string key, LoadOrCreateMasterKey(path_));
  std::string blob = SecretBox(key).Seal("store password", "store:1:password");
  ASSERT_OK_AND_ASSIGN(std::string reloaded, LoadOrCreateMasterKey(path_));
  ASSERT_OK_AND_ASSIGN(std::string opened, SecretBox(reloaded).Open(blob, "store:1:password"));
  EXPECT_EQ(opened, "store password");
}

}  // namespace
}  // namespace orch::pki
