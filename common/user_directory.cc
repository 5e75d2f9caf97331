#include "common/user_directory.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>

namespace orch {
namespace {

// Large enough for any sane passwd or group entry; a bigger one reads as "not found".
constexpr size_t kEntryBuffer = 16384;

}  // namespace

std::optional<UserEntry> NssUserDirectory::FindUser(uid_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  std::string buf(kEntryBuffer, '\0');
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  UserEntry entry;
  entry.name = pw.pw_name;
  // A first try with room for 64 groups; getgrouplist then says how many there are.
  int count = 64;
  entry.groups.resize(static_cast<size_t>(count));
  if (getgrouplist(pw.pw_name, pw.pw_gid, entry.groups.data(), &count) < 0) {
    entry.groups.resize(static_cast<size_t>(count));
    if (getgrouplist(pw.pw_name, pw.pw_gid, entry.groups.data(), &count) < 0) count = 0;
  }
  entry.groups.resize(static_cast<size_t>(std::max(count, 0)));
  return entry;
}

std::optional<gid_t> NssUserDirectory::FindGroup(const std::string& name) {
  group gr{};
  group* found = nullptr;
  std::string buf(kEntryBuffer, '\0');
  if (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  return gr.gr_gid;
}

std::optional<uid_t> NssUserDirectory::FindUserId(const std::string& name) {
  passwd pw{};
  passwd* found = nullptr;
  std::string buf(kEntryBuffer, '\0');
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  return pw.pw_uid;
}

NssUserDirectory& NssUserDirectory::Instance() {
  static NssUserDirectory directory;
  return directory;
}

}  // namespace orch
