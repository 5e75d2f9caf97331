// Row-level helpers shared by the agent and pool query files. Internal to store/ (SQLiteCpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/pool_store.h"

namespace orch::store::internal {

/// `id` in lowercase (ids are stored that way).
std::string LowerId(std::string_view id);

/// A stored capabilities column (a JSON array of strings) as a list; [] when malformed.
std::vector<std::string> ParseCapabilitiesJson(const std::string& text);

/// A custom pool's row without members.
struct PoolRow {
  std::string pool_id;
  std::string name;
  bool managed = false;
};

/// The custom pool `pool_id` (lowercase), or nullopt.
std::optional<PoolRow> FindPoolRow(SQLite::Database& db, const std::string& pool_id);
/// The custom pool named `name` (ASCII case-insensitive), or nullopt.
std::optional<PoolRow> FindPoolRowByName(SQLite::Database& db, std::string_view name);
/// The custom pool `agent_id` (lowercase) is a member of, or nullopt.
std::optional<PoolRow> PoolOfAgent(SQLite::Database& db, const std::string& agent_id);

/// The members of custom pool `pool_id`, by ClientMachine.
std::vector<PoolMember> SelectMembers(SQLite::Database& db, const std::string& pool_id);
/// Every member of the Default pool, by ClientMachine.
std::vector<PoolMember> SelectDefaultMembers(SQLite::Database& db);

/// Replaces the members of custom pool `pool_id` with `members` (lowercase ids).
void WriteMembers(SQLite::Database& db, const std::string& pool_id,
                  const std::vector<PoolMemberSpec>& members);

/// The Default pool's members (approved agents of no custom pool) as a table expression with
/// columns agent_id, client_machine, version, capabilities (for paged selects).
const std::string& DefaultMembersFrom();

/// Reads agent_id, client_machine, version, capabilities as a Default pool member (both
/// Enable flags follow what the agent allows).
PoolMember ReadDefaultMember(SQLite::Statement& row);

}  // namespace orch::store::internal
