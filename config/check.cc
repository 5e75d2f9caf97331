// The host checks of CheckYaml: what start would refuse, found without creating anything.
#include "config/check.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "config/parse_yaml.h"

namespace orch::config {
namespace {

std::string Quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// What is at a path. kUnknown: the host would not say (no permission to look), so the check
// leaves the path to start.
struct FileInfo {
  enum Kind { kMissing, kDirectory, kRegular, kSocket, kOther, kUnknown } kind = kUnknown;
  mode_t mode = 0;
};

FileInfo Inspect(const std::string& path, bool follow_links) {
  struct stat st {};
  int rc = follow_links ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
  if (rc != 0) {
    return {errno == ENOENT || errno == ENOTDIR ? FileInfo::kMissing : FileInfo::kUnknown, 0};
  }
  FileInfo::Kind kind = S_ISDIR(st.st_mode)    ? FileInfo::kDirectory
                        : S_ISREG(st.st_mode)  ? FileInfo::kRegular
                        : S_ISSOCK(st.st_mode) ? FileInfo::kSocket
                                               : FileInfo::kOther;
  return {kind, st.st_mode & 07777};
}

std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode));
  return text;
}

std::string ParentOf(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

// Start creates a missing directory with its missing parents (mkdir -p); that fails only when
// something on the way exists and is not a directory. Returns that thing, if any.
std::optional<std::string> BlockedDirectory(std::string dir) {
  while (!dir.empty()) {
    FileInfo info = Inspect(dir, /*follow_links=*/true);
    if (info.kind == FileInfo::kDirectory || info.kind == FileInfo::kUnknown) return std::nullopt;
    if (info.kind != FileInfo::kMissing) return dir;
    std::string parent = ParentOf(dir);
    if (parent == dir) return std::nullopt;
    dir = std::move(parent);
  }
  return std::nullopt;  // a relative path: the working directory is there
}

// Collects the first error and every warning, each located by the SourceMap.
class Checker {
 public:
  Checker(const Config& config, const SourceMap& map, UserDirectory& directory)
      : config_(config), map_(map), directory_(directory) {}

  Status Run(std::vector<std::string>& warnings) {
    CheckStateDir();
    CheckControlSocket();
    CheckControlGroup();
    CheckStore();
    CheckMasterKey();
    CheckCa();
    CheckTls();
    WarnAboutPrincipals();
    warnings = std::move(warnings_);
    return error_ ? InvalidArgumentError(*error_) : Status::Ok();
  }

 private:
  void Fail(std::string_view setting, std::string_view message) {
    if (!error_) error_ = map_.Locate(setting, message);
  }
  void Warn(std::string_view setting, std::string_view message) {
    warnings_.push_back(map_.Locate(setting, "warning: " + std::string(message)));
  }

  // A directory start would create (with its parents) must be creatable.
  void CheckCreatableDirectory(std::string_view setting, const std::string& dir) {
    if (std::optional<std::string> blocked = BlockedDirectory(dir)) {
      Fail(setting, "cannot create directory " + dir + ": " + *blocked + " is not a directory");
    }
  }

  void CheckStateDir() { CheckCreatableDirectory("state_dir", config_.state_dir); }

  void CheckControlSocket() {
    const std::string& socket = config_.control.socket;
    // The file's own control.socket was measured when it was read; the default hangs off
    // state_dir, so a long state_dir is where the mistake is.
    if (!map_.Has("control.socket") && socket.size() > kMaxSocketPath) {
      std::string message = "the default control socket " + socket + " is " +
                            std::to_string(socket.size()) + " bytes, longer than " +
                            std::to_string(kMaxSocketPath) +
                            "; set control.socket to a shorter path";
      return Fail(map_.Has("state_dir") ? "state_dir" : "control.socket", message);
    }
    FileInfo info = Inspect(socket, /*follow_links=*/false);
    if (info.kind != FileInfo::kMissing && info.kind != FileInfo::kSocket &&
        info.kind != FileInfo::kUnknown) {
      Fail("control.socket", socket + " exists and is not a socket; orchd will not replace it");
    }
  }

  void CheckControlGroup() {
    const std::string& group = config_.control.group;
    if (!group.empty() && !directory_.FindGroup(group)) {
      Fail("control.group", "no such group " + Quoted(group));
    }
  }

  void CheckStore() {
    const std::string& path = config_.store.path;
    if (path == ":memory:") return;
    if (Inspect(path, /*follow_links=*/true).kind == FileInfo::kDirectory) {
      return Fail("store.path", path + " is a directory, not a database file");
    }
    CheckCreatableDirectory("store.path", ParentOf(path));
  }

  // pki refuses the same at start (LoadOrCreateMasterKey); here it is found before anything
  // else is created.
  void CheckMasterKey() {
    const std::string& path = config_.keys.master_key_file;
    FileInfo info = Inspect(path, /*follow_links=*/true);
    if (info.kind == FileInfo::kMissing) {
      return CheckCreatableDirectory("keys.master_key_file", ParentOf(path));
    }
    if (info.kind == FileInfo::kUnknown) return;
    if (info.kind != FileInfo::kRegular) {
      return Fail("keys.master_key_file", "master key file " + path + " is not a regular file");
    }
    if ((info.mode & 077) != 0) {
      Fail("keys.master_key_file", "master key file " + path + " has mode " + ModeText(info.mode) +
                                       " and is accessible to group or others; run `chmod 600 " +
                                       path + "`");
    }
  }

  // A file named in the configuration that start reads.
  void CheckReadable(std::string_view setting, const std::string& path, bool private_key) {
    FileInfo info = Inspect(path, /*follow_links=*/true);
    if (info.kind == FileInfo::kMissing) return Fail(setting, path + " does not exist");
    if (info.kind == FileInfo::kUnknown) return;
    if (info.kind != FileInfo::kRegular) return Fail(setting, path + " is not a regular file");
    if (private_key && (info.mode & 007) != 0) {
      Fail(setting, path + " has mode " + ModeText(info.mode) +
                        " and is accessible to others; run `chmod o-rwx " + path + "`");
    }
  }

  void CheckCa() {
    const CaConfig& ca = config_.ca;
    if (ca.generate) {
      bool cert = Inspect(ca.cert, /*follow_links=*/false).kind != FileInfo::kMissing;
      bool key = Inspect(ca.key, /*follow_links=*/false).kind != FileInfo::kMissing;
      if (!cert && !key) {
        CheckCreatableDirectory("ca.cert", ParentOf(ca.cert));
        return CheckCreatableDirectory("ca.key", ParentOf(ca.key));
      }
      if (cert != key) {
        const std::string& found = cert ? ca.cert : ca.key;
        const std::string& missing = cert ? ca.key : ca.cert;
        return Fail(cert ? "ca.key" : "ca.cert",
                    "CA file " + found + " exists but " + missing +
                        " does not; restore it, or remove both to create a new CA (every agent "
                        "must then enroll again)");
      }
    }
    CheckReadable("ca.cert", ca.cert, /*private_key=*/false);
    CheckReadable("ca.key", ca.key, /*private_key=*/true);
  }

  void CheckTls() {
    const TlsConfig& tls = config_.agents.tls;
    if (!tls.enabled || tls.cert.empty()) return;
    CheckReadable("agents.tls.cert", tls.cert, /*private_key=*/false);
    CheckReadable("agents.tls.key", tls.key, /*private_key=*/false);
  }

  // A role entry that names nobody grants nothing; likely a typo, but a user or group may
  // also be created later, so it is only a warning. Numbers are matched as ids and never
  // looked up.
  void WarnAboutPrincipals() {
    auto is_number = [](const std::string& s) {
      return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    for (size_t i = 0; i < config_.roles.size(); ++i) {
      const Role& role = config_.roles[i];
      const std::string prefix = "roles[" + std::to_string(i) + "]";
      for (size_t j = 0; j < role.users.size(); ++j) {
        if (is_number(role.users[j]) || directory_.FindUserId(role.users[j])) continue;
        Warn(prefix + ".users[" + std::to_string(j) + "]",
             "no user " + Quoted(role.users[j]) + " on this host; this entry matches nobody");
      }
      for (size_t j = 0; j < role.groups.size(); ++j) {
        if (is_number(role.groups[j]) || directory_.FindGroup(role.groups[j])) continue;
        Warn(prefix + ".groups[" + std::to_string(j) + "]",
             "no group " + Quoted(role.groups[j]) + " on this host; this entry matches nobody");
      }
    }
  }

  const Config& config_;
  const SourceMap& map_;
  UserDirectory& directory_;
  std::optional<std::string> error_;
  std::vector<std::string> warnings_;
};

StatusOr<CheckedConfig> Check(std::string_view text, std::string_view filename,
                              UserDirectory& directory) {
  SourceMap map{std::string(filename)};
  CheckedConfig checked;
  ORCH_ASSIGN_OR_RETURN(checked.config, ParseYaml(text, filename, map));
  ORCH_RETURN_IF_ERROR(Checker(checked.config, map, directory).Run(checked.warnings));
  return checked;
}

}  // namespace

StatusOr<CheckedConfig> CheckYaml(std::string_view text, std::string_view filename,
                                  UserDirectory& directory) {
  return Check(text, filename, directory);
}

StatusOr<CheckedConfig> CheckDefaults(UserDirectory& directory) {
  // An empty file is the defaults; without a file name, errors name only the setting.
  return Check("", "", directory);
}

}  // namespace orch::config
