// UserDirectory: the user and group database (NSS) as the control API's Authorizer and the
// configuration check need it. An interface so that tests can answer lookups themselves and
// count them.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace orch {

/// A passwd entry and the groups its user belongs to.
struct UserEntry {
  std::string name;
  /// Every group of the user (getgrouplist: the passwd primary group and the supplementary
  /// ones); empty when the list could not be read.
  std::vector<gid_t> groups;
};

/// Looks users and groups up by uid and by name.
class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  /// The user with `uid`; nullopt when the uid has no passwd entry (or the lookup failed).
  virtual std::optional<UserEntry> FindUser(uid_t uid) = 0;
  /// The gid of the group called `name`; nullopt when there is none (or the lookup failed).
  virtual std::optional<gid_t> FindGroup(const std::string& name) = 0;
  /// The uid of the user called `name`; nullopt when there is none (or the lookup failed).
  virtual std::optional<uid_t> FindUserId(const std::string& name) = 0;
};

/// The system's databases through NSS (getpwuid_r, getgrouplist, getgrnam_r, getpwnam_r).
/// Stateless, so one instance may serve every thread.
class NssUserDirectory final : public UserDirectory {
 public:
  std::optional<UserEntry> FindUser(uid_t uid) override;
  std::optional<gid_t> FindGroup(const std::string& name) override;
  std::optional<uid_t> FindUserId(const std::string& name) override;
  /// A process-wide instance.
  static NssUserDirectory& Instance();
};

}  // namespace orch
