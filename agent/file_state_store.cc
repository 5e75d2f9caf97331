#include "agent/file_state_store.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/atomic_file.h"

namespace orch::agent {
namespace {

constexpr char kIdFile[] = "agent.id";
constexpr char kKeyFile[] = "agent.key";
constexpr char kCertFile[] = "agent.crt";

// The agent's own small files (an id, a key, a certificate).
constexpr std::streamsize kMaxStateFileBytes = 64 * 1024;

StatusOr<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return InvalidArgumentError("cannot read " + path + ": " + std::strerror(errno));
  std::string text(static_cast<size_t>(kMaxStateFileBytes) + 1, '\0');
  file.read(text.data(), kMaxStateFileBytes + 1);
  text.resize(static_cast<size_t>(file.gcount()));
  if (static_cast<std::streamsize>(text.size()) > kMaxStateFileBytes) {
    return InvalidArgumentError(path + " is larger than 64 KiB; it is not the agent's");
  }
  return text;
}

}  // namespace

StatusOr<std::optional<AgentState>> FileStateStore::Load() {
  const std::string id_path = dir_ + "/" + kIdFile;
  struct stat st {};
  if (::stat(id_path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<AgentState>();
    return InvalidArgumentError("cannot read " + id_path + ": " + std::strerror(errno));
  }
  const std::string key_path = dir_ + "/" + kKeyFile;
  if (::stat(key_path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return InvalidArgumentError(key_path + " is readable by group or others (chmod 600 it)");
  }
  AgentState state;
  ORCH_ASSIGN_OR_RETURN(state.agent_id, ReadSmallFile(id_path));
  while (!state.agent_id.empty() &&
         std::isspace(static_cast<unsigned char>(state.agent_id.back()))) {
    state.agent_id.pop_back();
  }
  ORCH_ASSIGN_OR_RETURN(state.key_pem, ReadSmallFile(key_path));
  ORCH_ASSIGN_OR_RETURN(state.cert_pem, ReadSmallFile(dir_ + "/" + kCertFile));
  return std::optional<AgentState>(std::move(state));
}

Status FileStateStore::Save(const AgentState& state) {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return InternalError("cannot create " + dir_ + ": " + std::strerror(errno));
  }
  ORCH_RETURN_IF_ERROR(WriteFileAtomically(dir_ + "/" + kKeyFile, state.key_pem, 0600));
  ORCH_RETURN_IF_ERROR(WriteFileAtomically(dir_ + "/" + kCertFile, state.cert_pem, 0644));
  return WriteFileAtomically(dir_ + "/" + kIdFile, state.agent_id + "\n", 0644);
}

}  // namespace orch::agent
