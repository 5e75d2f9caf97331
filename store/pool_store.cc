#include "store/pool_store.h"

#include <strings.h>

#include <SQLiteCpp/Statement.h>

#include "jobs/iso_time.h"
#include "store/paged_select.h"
#include "store/pool_rows.h"
#include "store/sqlite_store_impl.h"
#include "store/write_transaction.h"

namespace orch::store {
namespace {

using internal::LowerId;
using internal::PoolRow;
using jobs::QueryField;

// Every pool as one table: the implicit Default pool, then the custom ones.
const std::string& PoolsFrom() {
  static const std::string kFrom = "(SELECT '" + std::string(kDefaultPoolId) + "' AS pool_id, '" +
                                   std::string(kDefaultPoolName) +
                                   "' COLLATE NOCASE AS name, 0 AS managed UNION ALL "
                                   "SELECT pool_id, name, managed FROM agent_pools) p";
  return kFrom;
}

bool IsDefault(const std::string& pool_id) {
  return pool_id == kDefaultPoolId;
}

Status ReadOnlyPool(const PoolRow& row, std::string_view action) {
  return FailedPreconditionError("pool \"" + row.name +
                                 "\" is declared in the configuration file and cannot be " +
                                 std::string(action) + " over the API; edit the file and reload");
}

Status DefaultPoolRefusal(std::string_view action) {
  return FailedPreconditionError("the " + std::string(kDefaultPoolName) + " cannot be " +
                                 std::string(action) +
                                 "; it holds every approved agent that is in no other pool");
}

Status CheckName(SQLite::Database& db, const PoolSpec& spec) {
  std::optional<PoolRow> holder = internal::FindPoolRowByName(db, spec.name);
  const bool taken = holder && holder->pool_id != spec.pool_id;
  if (taken || strcasecmp(spec.name.c_str(), std::string(kDefaultPoolName).c_str()) == 0) {
    return AlreadyExistsError("an agent pool named \"" + spec.name + "\" already exists")
        .WithField("Name");
  }
  return Status::Ok();
}

// Every agent exists and is in no custom pool other than spec.pool_id.
Status CheckMembers(SQLite::Database& db, const PoolSpec& spec) {
  SQLite::Statement agent(db, "SELECT client_machine FROM agents WHERE agent_id = ?");
  for (size_t i = 0; i < spec.agents.size(); ++i) {
    const std::string& id = spec.agents[i].agent_id;
    agent.reset();
    agent.bind(1, id);
    if (!agent.executeStep()) {
      const std::string field = "Agents[" + std::to_string(i) + "].AgentId";
      return InvalidArgumentError(field + ": no agent with id " + id).WithField(field);
    }
    std::optional<PoolRow> owner = internal::PoolOfAgent(db, id);
    if (owner && owner->pool_id != spec.pool_id) {
      return FailedPreconditionError("agent " + id + " (" + agent.getColumn(0).getString() +
                                     ") is already in agent pool \"" + owner->name + "\" (" +
                                     owner->pool_id + "); remove it from there first");
    }
  }
  return Status::Ok();
}

PoolSpec Normalized(PoolSpec spec) {
  spec.pool_id = LowerId(spec.pool_id);
  for (PoolMemberSpec& member : spec.agents) member.agent_id = LowerId(member.agent_id);
  return spec;
}

PoolRecord WithMembers(SQLite::Database& db, const PoolRow& row) {
  PoolRecord record{row.pool_id, row.name, row.managed, {}};
  record.agents = IsDefault(row.pool_id) ? internal::SelectDefaultMembers(db)
                                         : internal::SelectMembers(db, row.pool_id);
  return record;
}

std::optional<PoolRecord> SelectPool(SQLite::Database& db, const std::string& pool_id) {
  if (IsDefault(pool_id)) {
    return WithMembers(db, PoolRow{std::string(kDefaultPoolId), std::string(kDefaultPoolName)});
  }
  std::optional<PoolRow> row = internal::FindPoolRow(db, pool_id);
  if (!row) return std::nullopt;
  return WithMembers(db, *row);
}

Status NoSuchPool(std::string_view pool_id) {
  return NotFoundError("no agent pool with id " + std::string(pool_id));
}

}  // namespace

const std::vector<QueryField>& PoolQueryFields() {
  static const std::vector<QueryField> kFields = {
      {"AgentPoolId", "pool_id", QueryField::kGuid},
      {"Name", "name", QueryField::kText},
  };
  return kFields;
}

const std::vector<QueryField>& PoolAgentQueryFields() {
  static const std::vector<QueryField> kFields = {
      {"AgentId", "agent_id", QueryField::kGuid},
      {"ClientMachine", "client_machine", QueryField::kText},
  };
  return kFields;
}

bool HasCapability(const std::vector<std::string>& capabilities, std::string_view name) {
  for (const std::string& capability : capabilities) {
    if (capability.size() == name.size() &&
        strncasecmp(capability.data(), name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

StatusOr<PoolRecord> SqlitePoolStore::CreatePool(const PoolSpec& requested, WallTime now) {
  const PoolSpec spec = Normalized(requested);
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("creating an agent pool", [&]() -> StatusOr<PoolRecord> {
    internal::WriteTransaction transaction(impl);
    ORCH_RETURN_IF_ERROR(CheckName(impl.db, spec));
    ORCH_RETURN_IF_ERROR(CheckMembers(impl.db, spec));
    SQLite::Statement insert(impl.db,
                             "INSERT INTO agent_pools (pool_id, name, managed, "
                             "modified_at) VALUES (?, ?, 0, ?)");
    insert.bind(1, spec.pool_id);
    insert.bind(2, spec.name);
    insert.bind(3, jobs::ToUnixMillis(now));
    insert.exec();
    internal::WriteMembers(impl.db, spec.pool_id, spec.agents);
    transaction.commit();
    return *SelectPool(impl.db, spec.pool_id);
  });
}

StatusOr<PoolRecord> SqlitePoolStore::ReplacePool(const PoolSpec& requested, WallTime now) {
  const PoolSpec spec = Normalized(requested);
  if (IsDefault(spec.pool_id)) return DefaultPoolRefusal("renamed or have its members edited");
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("updating an agent pool", [&]() -> StatusOr<PoolRecord> {
    internal::WriteTransaction transaction(impl);
    std::optional<PoolRow> row = internal::FindPoolRow(impl.db, spec.pool_id);
    if (!row) return NoSuchPool(spec.pool_id);
    if (row->managed) return ReadOnlyPool(*row, "changed");
    ORCH_RETURN_IF_ERROR(CheckName(impl.db, spec));
    ORCH_RETURN_IF_ERROR(CheckMembers(impl.db, spec));
    SQLite::Statement update(impl.db,
                             "UPDATE agent_pools SET name = ?, modified_at = ? WHERE pool_id = ?");
    update.bind(1, spec.name);
    update.bind(2, jobs::ToUnixMillis(now));
    update.bind(3, spec.pool_id);
    update.exec();
    internal::WriteMembers(impl.db, spec.pool_id, spec.agents);
    transaction.commit();
    return *SelectPool(impl.db, spec.pool_id);
  });
}

Status SqlitePoolStore::DeletePool(std::string_view requested_id) {
  const std::string pool_id = LowerId(requested_id);
  if (IsDefault(pool_id)) return DefaultPoolRefusal("deleted");
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("deleting an agent pool", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    std::optional<PoolRow> row = internal::FindPoolRow(impl.db, pool_id);
    if (!row) return NoSuchPool(requested_id);
    if (row->managed) return ReadOnlyPool(*row, "deleted");
    SQLite::Statement drop(impl.db, "DELETE FROM agent_pools WHERE pool_id = ?");
    drop.bind(1, pool_id);
    drop.exec();
    transaction.commit();
    return Status::Ok();
  });
}

StatusOr<PoolRecord> SqlitePoolStore::GetPool(std::string_view pool_id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading an agent pool", [&]() -> StatusOr<PoolRecord> {
    std::optional<PoolRecord> pool = SelectPool(impl.db, LowerId(pool_id));
    if (!pool) return NoSuchPool(pool_id);
    return *std::move(pool);
  });
}

StatusOr<bool> SqlitePoolStore::PoolExists(std::string_view pool_id) {
  const std::string id = LowerId(pool_id);
  if (IsDefault(id)) return true;
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("looking up an agent pool", [&]() -> StatusOr<bool> {
    return internal::FindPoolRow(impl.db, id).has_value();
  });
}

StatusOr<std::vector<AgentInPool>> SqlitePoolStore::ListAgentsInPools() {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run(
      "listing the members of agent pools", [&]() -> StatusOr<std::vector<AgentInPool>> {
        std::vector<AgentInPool> members;
        SQLite::Statement query(impl.db, "SELECT agent_id, pool_id FROM agent_pool_members");
        while (query.executeStep()) {
          members.push_back({query.getColumn(0).getString(), query.getColumn(1).getString()});
        }
        return members;
      });
}

StatusOr<Page<PoolRecord>> SqlitePoolStore::ListPools(const jobs::Paging& paging) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing agent pools", [&]() -> StatusOr<Page<PoolRecord>> {
    std::vector<PoolRow> rows;
    Page<PoolRecord> page;
    const internal::PagedSelect select{"pool_id, name, managed", PoolsFrom(), "pool_id"};
    internal::SetCount(
        page, internal::RunPagedSelect(impl, select, paging, [&](SQLite::Statement& row) {
          rows.push_back(PoolRow{row.getColumn(0).getString(), row.getColumn(1).getString(),
                                 row.getColumn(2).getInt() != 0});
        }));
    for (const PoolRow& row : rows) page.rows.push_back(WithMembers(impl.db, row));
    return page;
  });
}

StatusOr<Page<PoolMember>> SqlitePoolStore::ListDefaultPoolMembers(const jobs::Paging& paging) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing the default pool", [&]() -> StatusOr<Page<PoolMember>> {
    Page<PoolMember> page;
    const internal::PagedSelect select{"agent_id, client_machine, version, capabilities",
                                       internal::DefaultMembersFrom(), "agent_id"};
    internal::SetCount(page,
                       internal::RunPagedSelect(impl, select, paging, [&](SQLite::Statement& row) {
                         page.rows.push_back(internal::ReadDefaultMember(row));
                       }));
    return page;
  });
}

}  // namespace orch::store
