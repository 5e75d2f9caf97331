#include "agent/path_confinement.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <string_view>

#include "common/file_io.h"

namespace orch::agent {
namespace {

std::vector<std::string> Components(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& components, size_t count) {
  std::string path;
  for (size_t i = 0; i < count; ++i) path += "/" + components[i];
  return path.empty() ? "/" : path;
}

std::string Append(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

// The real path of an existing `path`; nullopt with errno set when realpath(3) fails.
std::optional<std::string> RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&::free)> resolved(::realpath(path.c_str(), nullptr), &::free);
  if (!resolved) return std::nullopt;
  return std::string(resolved.get());
}

// Resolves the longest prefix of the path that exists, then appends the rest by name. The
// rest names entries that do not exist yet, so ".." there could only be taken literally,
// and an entry that lstat() finds there is a link to nothing; both are refused.
StatusOr<std::string> Resolve(const std::string& store_path) {
  const std::vector<std::string> components = Components(store_path);
  size_t existing = components.size();
  std::optional<std::string> resolved;
  while (!(resolved = RealPath(Join(components, existing)))) {
    if (errno != ENOENT) return ErrnoStatus("cannot resolve store path", store_path, errno);
    --existing;  // "/" always resolves, so this stops
  }
  std::string path = *resolved;
  for (size_t i = existing; i < components.size(); ++i) {
    const std::string& name = components[i];
    if (name == ".") continue;
    if (name == "..") {
      return PermissionDeniedError("store path " + store_path +
                                   " climbs with '..' out of a directory that does not exist");
    }
    path = Append(path, name);
    struct stat st {};
    if (i == existing && ::lstat(path.c_str(), &st) == 0) {
      return PermissionDeniedError("store path " + store_path +
                                   " runs through a symbolic link whose target does not exist");
    }
  }
  return path;
}

bool IsBeneath(const std::string& path, const std::string& root) {
  if (root == "/") return path.size() > 1;
  return path.size() > root.size() + 1 && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/';
}

}  // namespace

StatusOr<std::string> ConfineStorePath(const std::string& store_path,
                                       const std::vector<std::string>& store_roots) {
  if (store_path.empty()) return InvalidArgumentError("store path is empty");
  if (store_path.find('\0') != std::string::npos) {
    return InvalidArgumentError("store path contains a NUL character");
  }
  if (store_path.front() != '/') {
    return InvalidArgumentError("store path " + store_path + " is not absolute");
  }
  ORCH_ASSIGN_OR_RETURN(std::string resolved, Resolve(store_path));
  for (const std::string& root : store_roots) {
    if (root.empty() || root.front() != '/') continue;
    std::optional<std::string> real_root = RealPath(root);
    if (real_root && IsBeneath(resolved, *real_root)) return resolved;
  }
  std::string message = "store path " + store_path;
  if (resolved != store_path) message += " (" + resolved + ")";
  return PermissionDeniedError(message + " is outside the store roots");
}

}  // namespace orch::agent
