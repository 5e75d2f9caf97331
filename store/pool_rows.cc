#include "store/pool_rows.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "jobs/bounded_json.h"
#include "store/agent_store.h"
#include "store/sql_values.h"

namespace orch::store::internal {
namespace {

constexpr std::string_view kMemberColumns =
    "m.agent_id, a.client_machine, a.version, a.capabilities, m.enable_discover, "
    "m.enable_monitor";

PoolRow ReadPoolRow(SQLite::Statement& row) {
  return PoolRow{row.getColumn(0).getString(), row.getColumn(1).getString(),
                 row.getColumn(2).getInt() != 0};
}

std::optional<PoolRow> SelectOnePool(SQLite::Database& db, const std::string& sql,
                                     std::string_view value) {
  SQLite::Statement query(db, sql);
  query.bind(1, std::string(value));
  if (!query.executeStep()) return std::nullopt;
  return ReadPoolRow(query);
}

void FillAllows(PoolMember& member, const std::string& capabilities_json) {
  const std::vector<std::string> capabilities = ParseCapabilitiesJson(capabilities_json);
  member.allows_discover = HasCapability(capabilities, kDiscoverCapability);
  member.allows_monitor = HasCapability(capabilities, kMonitorCapability);
}

}  // namespace

std::string LowerId(std::string_view id) {
  std::string out(id);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> ParseCapabilitiesJson(const std::string& text) {
  StatusOr<nlohmann::json> parsed = jobs::ParseJson(text);
  std::vector<std::string> out;
  if (!parsed.ok() || !parsed->is_array()) return out;
  for (const auto& item : *parsed) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<PoolRow> FindPoolRow(SQLite::Database& db, const std::string& pool_id) {
  return SelectOnePool(db, "SELECT pool_id, name, managed FROM agent_pools WHERE pool_id = ?",
                       pool_id);
}

std::optional<PoolRow> FindPoolRowByName(SQLite::Database& db, std::string_view name) {
  // The name column is COLLATE NOCASE, so `=` ignores ASCII case.
  return SelectOnePool(db, "SELECT pool_id, name, managed FROM agent_pools WHERE name = ?", name);
}

std::optional<PoolRow> PoolOfAgent(SQLite::Database& db, const std::string& agent_id) {
  return SelectOnePool(db,
                       "SELECT p.pool_id, p.name, p.managed FROM agent_pool_members m "
                       "JOIN agent_pools p USING (pool_id) WHERE m.agent_id = ?",
                       agent_id);
}

std::vector<PoolMember> SelectMembers(SQLite::Database& db, const std::string& pool_id) {
  SQLite::Statement query(db, "SELECT " + std::string(kMemberColumns) +
                                  " FROM agent_pool_members m JOIN agents a USING (agent_id) "
                                  "WHERE m.pool_id = ? ORDER BY a.client_machine, m.agent_id");
  query.bind(1, pool_id);
  std::vector<PoolMember> members;
  while (query.executeStep()) {
    PoolMember member;
    member.agent_id = query.getColumn(0).getString();
    member.client_machine = query.getColumn(1).getString();
    member.version = static_cast<uint64_t>(query.getColumn(2).getInt64());
    FillAllows(member, query.getColumn(3).getString());
    member.enable_discover = query.getColumn(4).getInt() != 0;
    member.enable_monitor = query.getColumn(5).getInt() != 0;
    members.push_back(std::move(member));
  }
  return members;
}

PoolMember ReadDefaultMember(SQLite::Statement& row) {
  PoolMember member;
  member.agent_id = row.getColumn(0).getString();
  member.client_machine = row.getColumn(1).getString();
  member.version = static_cast<uint64_t>(row.getColumn(2).getInt64());
  FillAllows(member, row.getColumn(3).getString());
  member.enable_discover = member.allows_discover;
  member.enable_monitor = member.allows_monitor;
  return member;
}

const std::string& DefaultMembersFrom() {
  static const std::string kFrom =
      "(SELECT agent_id, client_machine, version, capabilities FROM agents WHERE status = " +
      SqlLiteral(AgentStatus::kApproved) +
      " AND agent_id NOT IN (SELECT agent_id FROM agent_pool_members)) d";
  return kFrom;
}

std::vector<PoolMember> SelectDefaultMembers(SQLite::Database& db) {
  SQLite::Statement query(db, "SELECT agent_id, client_machine, version, capabilities FROM " +
                                  DefaultMembersFrom() + " ORDER BY client_machine, agent_id");
  std::vector<PoolMember> members;
  while (query.executeStep()) members.push_back(ReadDefaultMember(query));
  return members;
}

void WriteMembers(SQLite::Database& db, const std::string& pool_id,
                  const std::vector<PoolMemberSpec>& members) {
  SQLite::Statement drop(db, "DELETE FROM agent_pool_members WHERE pool_id = ?");
  drop.bind(1, pool_id);
  drop.exec();
  SQLite::Statement insert(db,
                           "INSERT INTO agent_pool_members (agent_id, pool_id, enable_discover, "
                           "enable_monitor) VALUES (?, ?, ?, ?)");
  for (const PoolMemberSpec& member : members) {
    insert.reset();
    insert.bind(1, member.agent_id);
    insert.bind(2, pool_id);
    insert.bind(3, member.enable_discover ? 1 : 0);
    insert.bind(4, member.enable_monitor ? 1 : 0);
    insert.exec();
  }
}

}  // namespace orch::store::internal
