#include "config/check.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Users and groups made up by the test.
class FakeDirectory final : public UserDirectory {
 public:
  std::optional<UserEntry> FindUser(uid_t uid) override {
    for (const auto& [name, id] : users) {
      if (id == uid) return UserEntry{name, {}};
    }
    return std::nullopt;
  }
  std::optional<gid_t> FindGroup(const std::string& name) override {
    auto it = groups.find(name);
    return it == groups.end() ? std::nullopt : std::optional<gid_t>(it->second);
  }
  std::optional<uid_t> FindUserId(const std::string& name) override {
    auto it = users.find(name);
    return it == users.end() ? std::nullopt : std::optional<uid_t>(it->second);
  }

  std::map<std::string, uid_t> users{{"alice", 1000}};
  std::map<std::string, gid_t> groups{{"orchd", 990}};
};

// A fresh directory with the systemd variables cleared for the test; both are put back after.
class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"STATE_DIRECTORY", "CREDENTIALS_DIRECTORY"}) {
      if (const char* value = std::getenv(name)) saved_.emplace_back(name, value);
      unsetenv(name);
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "orchd-check-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    unsetenv("STATE_DIRECTORY");
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }

  // The YAML with "STATE" replaced by the test's directory, checked.
  StatusOr<CheckedConfig> Check(std::string yaml) {
    for (size_t at = yaml.find("STATE"); at != std::string::npos; at = yaml.find("STATE")) {
      yaml.replace(at, 5, dir_);
    }
    return CheckYaml(yaml, "orchd.yaml", directory_);
  }
  // The message of Check's error, or "" when the check passes.
  std::string ErrorOf(const std::string& yaml) {
    StatusOr<CheckedConfig> checked = Check(yaml);
    return checked.ok() ? "" : checked.status().message();
  }
  std::string Write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }

  std::string dir_;
  FakeDirectory directory_;

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(CheckTest, ControlGroupMustExist) {
  // Given control.group naming a group the host lacks, the check refuses it at its position;
  // a group the host has passes.
  EXPECT_EQ(ErrorOf("state_dir: STATE\ncontrol:\n  group: orchdd\n"),
            "orchd.yaml:3:10: control.group: no such group \"orchdd\"");
  EXPECT_OK(Check("state_dir: STATE\ncontrol:\n  group: orchd\n"));
}

TEST_F(CheckTest, LongStateDirIsRefusedForTheDefaultSocketOnly) {
  // Given a state_dir too long for the default control socket under it, the check refuses
  // state_dir; with a short control.socket given, the same state_dir passes.
  const std::string state = "STATE/" + std::string(100, 's');
  const std::string socket = dir_ + "/" + std::string(100, 's') + "/orchd.sock";
  EXPECT_EQ(ErrorOf("state_dir: " + state + "\n"),
            "orchd.yaml:1:12: state_dir: the default control socket " + socket + " is " +
                std::to_string(socket.size()) +
                " bytes, longer than 107; set control.socket to a shorter path");
  EXPECT_OK(Check("state_dir: " + state + "\ncontrol:\n  socket: STATE/o.sock\n"));
}

TEST_F(CheckTest, LongStateDirFromSystemdIsRefusedWithoutAPosition) {
  // Given no file and a $STATE_DIRECTORY too long for the default socket, the defaults are
  // refused naming control.socket.
  const std::string state = dir_ + "/" + std::string(100, 's');
  setenv("STATE_DIRECTORY", state.c_str(), 1);
  StatusOr<CheckedConfig> checked = CheckDefaults(directory_);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().message(),
            "control.socket: the default control socket " + state + "/orchd.sock is " +
                std::to_string(state.size() + 11) +
                " bytes, longer than 107; set control.socket to a shorter path");
}

TEST_F(CheckTest, UnknownUsersAndGroupsInRolesAreWarnings) {
  // Given roles naming users and groups the host lacks (and numbers, which are ids), the check
  // passes and warns about each unknown name at its position.
  ASSERT_OK_AND_ASSIGN(CheckedConfig checked, Check(R"(state_dir: STATE
roles:
  - name: ops
    users: [alice, "1001", bob]
    groups: [orchd, 2000, pki-ops]
    claims: [/ssl/read/]
)"));
  EXPECT_THAT(
      checked.warnings,
      ElementsAre("orchd.yaml:4:28: roles[0].users[2]: warning: no user \"bob\" on this host; "
                  "this entry matches nobody",
                  "orchd.yaml:5:27: roles[0].groups[2]: warning: no group \"pki-ops\" on this "
                  "host; this entry matches nobody"));
  ASSERT_OK_AND_ASSIGN(CheckedConfig known, Check("state_dir: STATE\n"));
  EXPECT_THAT(known.warnings, IsEmpty());
}

TEST_F(CheckTest, PathsStartCannotCreateAreRefused) {
  // Given a regular file where state_dir, the store's directory or the master key's directory
  // would be, or where the control socket would be bound, the check refuses that setting.
  Write("file", "x");
  EXPECT_EQ(ErrorOf("state_dir: STATE/file/state\n"),
            "orchd.yaml:1:12: state_dir: cannot create directory " + dir_ + "/file/state: " + dir_ +
                "/file is not a directory");
  EXPECT_EQ(ErrorOf("state_dir: STATE\nstore:\n  path: file/db/orchd.db\n"),
            "orchd.yaml:3:9: store.path: cannot create directory " + dir_ + "/file/db: " + dir_ +
                "/file is not a directory");
  EXPECT_EQ(ErrorOf("state_dir: STATE\nstore:\n  path: STATE\n"),
            "orchd.yaml:3:9: store.path: " + dir_ + " is a directory, not a database file");
  EXPECT_EQ(ErrorOf("state_dir: STATE\nkeys:\n  master_key_file: file/master.key\n"),
            "orchd.yaml:3:20: keys.master_key_file: cannot create directory " + dir_ +
                "/file: " + dir_ + "/file is not a directory");
  EXPECT_EQ(ErrorOf("state_dir: STATE\ncontrol:\n  socket: file\n"),
            "orchd.yaml:3:11: control.socket: " + dir_ +
                "/file exists and is not a socket; orchd will not replace it");
}

TEST_F(CheckTest, MissingDirectoriesPassAndAreNotCreated) {
  // Given a state_dir and a store directory that do not exist yet, the check passes and
  // creates neither.
  EXPECT_OK(Check("state_dir: STATE/new/state\nstore:\n  path: STATE/db/orchd.db\n"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/new"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/db"));
}

TEST_F(CheckTest, LiveOrStaleSocketFilePasses) {
  // Given a socket file at control.socket, the check passes: whether a process serves it is
  // for start to find out.
  const std::string path = dir_ + "/o.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
  EXPECT_OK(Check("state_dir: STATE\ncontrol:\n  socket: o.sock\n"));
}

TEST_F(CheckTest, KeyFilesOthersCanReadAreRefused) {
  // Given a master key readable by its group, or a CA key readable by others, the check
  // refuses the setting, at its position or, for a default path, with the file name only.
  const std::string key = Write("master.key", std::string(32, 'k'), 0640);
  EXPECT_EQ(ErrorOf("state_dir: STATE\n"),
            "orchd.yaml: keys.master_key_file: master key file " + key +
                " has mode 0640 and is accessible to group or others; run `chmod 600 " + key + "`");
  EXPECT_EQ(ErrorOf("state_dir: STATE\nkeys: {master_key_file: master.key}\n"),
            "orchd.yaml:2:25: keys.master_key_file: master key file " + key +
                " has mode 0640 and is accessible to group or others; run `chmod 600 " + key + "`");
  ::chmod(key.c_str(), 0600);
  EXPECT_OK(Check("state_dir: STATE\n"));

  Write("ca.crt", "cert", 0644);
  const std::string ca_key = Write("ca.key", "key", 0604);
  EXPECT_EQ(ErrorOf("state_dir: STATE\n"),
            "orchd.yaml: ca.key: " + ca_key +
                " has mode 0604 and is accessible to others; run `chmod o-rwx " + ca_key + "`");
}

TEST_F(CheckTest, CaAndTlsFilesMustBeThere) {
  // Given half a CA that orchd would create, or a named CA or TLS file that is missing, the
  // check refuses the setting.
  Write("ca.key", "key");
  EXPECT_EQ(ErrorOf("state_dir: STATE\n"),
            "orchd.yaml: ca.cert: CA file " + dir_ + "/ca.key exists but " + dir_ +
                "/ca.crt does not; restore it, or remove both to create a new CA (every agent "
                "must then enroll again)");
  EXPECT_EQ(ErrorOf("state_dir: STATE\nca: {cert: my.crt, key: ca.key}\n"),
            "orchd.yaml:2:12: ca.cert: " + dir_ + "/my.crt does not exist");
  EXPECT_EQ(ErrorOf("state_dir: STATE\nca: {cert: ca.key, key: ca.key}\nagents:\n"
                    "  tls: {cert: tls.crt, key: ca.key}\n"),
            "orchd.yaml:4:15: agents.tls.cert: " + dir_ + "/tls.crt does not exist");
}

}  // namespace
}  // namespace orch::config
