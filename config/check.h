// The configuration check: the file parsed, then checked against this host the way orchd's
// start checks it, so that `orchd --check-config`, start and reload refuse the same things
// with the same "file:line:col: setting: message" errors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/user_directory.h"
#include "config/config.h"

namespace orch::config {

/// A configuration that passed every check, and what the checks only warn about.
struct CheckedConfig {
  Config config;
  /// "file:line:col: setting: warning: message" lines: users and groups named in `roles` that
  /// this host does not know.
  std::vector<std::string> warnings;
};

/// ParseYaml, then what start checks before it creates anything, reading but never creating or
/// changing a file:
/// - `state_dir` and the directories of `store.path` and `keys.master_key_file` are
///   directories or can be created (what exists on their path is a directory);
/// - the control socket path (also the default one under `state_dir`) fits in 107 bytes and is
///   not a file other than a socket;
/// - `control.group` names a group;
/// - an existing master key file is a regular file not accessible to group or others; a CA
///   key is not accessible to others; of a CA orchd would create, both files or neither exist;
///   a CA or TLS certificate and key named in the file exist.
/// What the host cannot tell the caller (a path it may not look into) is left to start. Errors
/// about a setting the file leaves out read "file: setting: message".
StatusOr<CheckedConfig> CheckYaml(std::string_view text, std::string_view filename,
                                  UserDirectory& directory);

/// Reads the file at `path` and checks it as CheckYaml does.
StatusOr<CheckedConfig> CheckFile(const std::string& path, UserDirectory& directory);

/// The embedded defaults (Defaults()) checked as CheckYaml checks a file; errors read
/// "setting: message".
StatusOr<CheckedConfig> CheckDefaults(UserDirectory& directory);

}  // namespace orch::config
