// SqlitePoolStore::ReconcileDeclaredPools(): the configuration file's `pools` made true in the store.
#include <map>
#include <set>
#include <utility>

#include <SQLiteCpp/Statement.h>

#include "common/guid.h"
#include "jobs/iso_time.h"
#include "store/pool_rows.h"
#include "store/pool_store.h"
#include "store/sqlite_store_impl.h"
#include "store/write_transaction.h"

namespace orch::store {
namespace {

using internal::LowerId;
using internal::PoolRow;

struct Flags {
  bool discover = false;
  bool monitor = false;
  friend bool operator==(const Flags&, const Flags&) = default;
};

// The declared pool's row, created or adopted and marked managed; `changed` tells whether
// anything about the row itself was written.
std::pair<std::string, bool> EnsureManagedPool(SQLite::Database& db, const std::string& name,
                                               WallTime now, bool* created) {
  std::optional<PoolRow> row = internal::FindPoolRowByName(db, name);
  *created = !row.has_value();
  if (!row) {
    const std::string pool_id = NewGuid();
    SQLite::Statement insert(db,
                             "INSERT INTO agent_pools (pool_id, name, managed, modified_at) "
                             "VALUES (?, ?, 1, ?)");
    insert.bind(1, pool_id);
    insert.bind(2, name);
    insert.bind(3, jobs::ToUnixMillis(now));
    insert.exec();
    return {pool_id, true};
  }
  if (row->managed && row->name == name) return {row->pool_id, false};
  SQLite::Statement update(
      db, "UPDATE agent_pools SET name = ?, managed = 1, modified_at = ? WHERE pool_id = ?");
  update.bind(1, name);
  update.bind(2, jobs::ToUnixMillis(now));
  update.bind(3, row->pool_id);
  update.exec();
  return {row->pool_id, true};
}

// The agent's capabilities-derived flags, or nullopt when there is no such agent.
std::optional<Flags> AllowedFlags(SQLite::Database& db, const std::string& agent_id) {
  SQLite::Statement query(db, "SELECT capabilities FROM agents WHERE agent_id = ?");
  query.bind(1, agent_id);
  if (!query.executeStep()) return std::nullopt;
  const auto capabilities = internal::ParseCapabilitiesJson(query.getColumn(0).getString());
  return Flags{HasCapability(capabilities, kDiscoverCapability),
               HasCapability(capabilities, kMonitorCapability)};
}

void LeaveOtherPool(SQLite::Database& db, const std::string& agent_id, const std::string& pool_id,
                    ReconcileReport& report) {
  std::optional<PoolRow> owner = internal::PoolOfAgent(db, agent_id);
  if (!owner || owner->pool_id == pool_id) return;
  report.moved_agents.push_back(agent_id + " from \"" + owner->name + "\"");
  SQLite::Statement drop(db, "DELETE FROM agent_pool_members WHERE agent_id = ?");
  drop.bind(1, agent_id);
  drop.exec();
}

// Sets the members of `pool_id` to the declared agents; true when membership changed.
bool ReconcileMembers(SQLite::Database& db, const std::string& pool_id,
                      const std::vector<std::string>& agent_ids, ReconcileReport& report) {
  std::map<std::string, Flags> existing;
  for (const PoolMember& member : internal::SelectMembers(db, pool_id)) {
    existing[member.agent_id] = Flags{member.enable_discover, member.enable_monitor};
  }
  std::map<std::string, Flags> wanted;
  for (const std::string& declared_id : agent_ids) {
    const std::string agent_id = LowerId(declared_id);
    std::optional<Flags> allowed = AllowedFlags(db, agent_id);
    if (!allowed) {
      report.unknown_agents.push_back(agent_id);
      continue;
    }
    auto kept = existing.find(agent_id);
    wanted[agent_id] = kept != existing.end() ? kept->second : *allowed;
  }
  if (wanted == existing) return false;
  std::vector<PoolMemberSpec> members;
  for (const auto& [agent_id, flags] : wanted) {
    LeaveOtherPool(db, agent_id, pool_id, report);
    members.push_back(PoolMemberSpec{agent_id, flags.discover, flags.monitor});
  }
  internal::WriteMembers(db, pool_id, members);
  return true;
}

void DeleteUndeclared(SQLite::Database& db, const std::set<std::string>& keep,
                      ReconcileReport& report) {
  SQLite::Statement managed(db, "SELECT pool_id, name FROM agent_pools WHERE managed = 1");
  std::vector<std::pair<std::string, std::string>> gone;
  while (managed.executeStep()) {
    std::string pool_id = managed.getColumn(0).getString();
    if (keep.count(pool_id) == 0) gone.emplace_back(pool_id, managed.getColumn(1).getString());
  }
  SQLite::Statement drop(db, "DELETE FROM agent_pools WHERE pool_id = ?");
  for (const auto& [pool_id, name] : gone) {
    drop.reset();
    drop.bind(1, pool_id);
    drop.exec();
    report.deleted.push_back(name);
  }
}

}  // namespace

StatusOr<ReconcileReport> SqlitePoolStore::ReconcileDeclaredPools(
    const std::vector<DeclaredPool>& declared, WallTime now) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reconciling declared agent pools", [&]() -> StatusOr<ReconcileReport> {
    internal::WriteTransaction transaction(impl);
    ReconcileReport report;
    std::set<std::string> keep;
    for (const DeclaredPool& pool : declared) {
      bool created = false;
      auto [pool_id, row_changed] = EnsureManagedPool(impl.db, pool.name, now, &created);
      keep.insert(pool_id);
      const bool members_changed = ReconcileMembers(impl.db, pool_id, pool.agent_ids, report);
      if (created) {
        report.created.push_back(pool.name);
      } else if (row_changed || members_changed) {
        report.updated.push_back(pool.name);
      }
    }
    DeleteUndeclared(impl.db, keep, report);
    transaction.commit();
    return report;
  });
}

}  // namespace orch::store
