#include "store/agent_changes.h"

#include <deque>
#include <mutex>
#include <utility>

#include "jobs/ascii.h"

namespace orch::store {
namespace {

struct Log {
  std::mutex mutex;
  uint64_t count = 0;
  // The last kRemembered changes: (count after it, agent id or "" for any agent).
  std::deque<std::pair<uint64_t, std::string>> changes;
};

Log& TheLog() {
  static Log* log = new Log();  // used from any thread until the process ends
  return *log;
}

void Append(Log& log, std::string agent_id) {
  log.changes.emplace_back(++log.count, std::move(agent_id));
  if (log.changes.size() > AgentChanges::kRemembered) log.changes.pop_front();
}

// The changes after `since`, oldest first; nullopt when the log does not reach back that far.
std::optional<std::vector<std::string>> After(const Log& log, uint64_t since) {
  std::vector<std::string> ids;
  if (since >= log.count) return ids;
  const uint64_t first_kept = log.changes.empty() ? log.count + 1 : log.changes.front().first;
  if (since + 1 < first_kept) return std::nullopt;
  for (auto it = log.changes.rbegin(); it != log.changes.rend() && it->first > since; ++it) {
    ids.push_back(it->second);
  }
  return ids;
}

}  // namespace

uint64_t AgentChanges::Current() {
  Log& log = TheLog();
  std::lock_guard lock(log.mutex);
  return log.count;
}

void AgentChanges::Note() {
  Log& log = TheLog();
  std::lock_guard lock(log.mutex);
  Append(log, "");
}

void AgentChanges::Note(std::string_view agent_id) {
  Log& log = TheLog();
  std::string id = jobs::AsciiLowercase(agent_id);
  if (id.empty()) return Note();
  std::lock_guard lock(log.mutex);
  Append(log, std::move(id));
}

void AgentChanges::NoteAgain(uint64_t since) {
  Log& log = TheLog();
  std::lock_guard lock(log.mutex);
  std::optional<std::vector<std::string>> changed = After(log, since);
  if (!changed) return Append(log, "");
  for (std::string& id : *changed) Append(log, std::move(id));
}

std::optional<std::vector<std::string>> AgentChanges::Since(uint64_t since) {
  Log& log = TheLog();
  std::lock_guard lock(log.mutex);
  std::optional<std::vector<std::string>> changed = After(log, since);
  if (!changed) return std::nullopt;
  for (const std::string& id : *changed) {
    if (id.empty()) return std::nullopt;
  }
  return changed;
}

}  // namespace orch::store
