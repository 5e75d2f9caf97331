#include "store/agent_store.h"

#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include "jobs/iso_time.h"
#include "store/agent_changes.h"
#include "store/paged_select.h"
#include "store/pool_rows.h"
#include "store/sql_values.h"
#include "store/sqlite_store_impl.h"
#include "store/write_transaction.h"

namespace orch::store {
namespace {

using jobs::QueryField;

constexpr std::string_view kAgentColumns =
    "agent_id, client_machine, username, agent_platform, version, status, last_seen, "
    "capabilities, thumbprint, legacy_thumbprint, auth_certificate_reenrollment, "
    "last_thumbprint_used, last_error_code, last_error_message, created_at";

std::string CapabilitiesJson(const std::vector<std::string>& capabilities) {
  return nlohmann::json(capabilities)
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Counts a change to each of `ids`; past a few, one change for any agent, which keeps the log
// of changes from overflowing on a bulk approval.
void NoteAgents(const std::vector<std::string>& ids) {
  if (ids.size() > 64) return AgentChanges::Note();
  for (const std::string& id : ids) AgentChanges::Note(id);
}

Agent ReadAgent(SQLite::Statement& row) {
  Agent agent;
  agent.agent_id = row.getColumn(0).getString();
  agent.client_machine = row.getColumn(1).getString();
  agent.username = row.getColumn(2).getString();
  agent.agent_platform = row.getColumn(3).getInt();
  agent.version = static_cast<uint64_t>(row.getColumn(4).getInt64());
  agent.status = internal::StoredEnum(row.getColumn(5).getInt64(), internal::kAgentStatuses,
                                      "agents.status");
  if (!row.getColumn(6).isNull()) {
    agent.last_seen = jobs::FromUnixMillis(row.getColumn(6).getInt64());
  }
  agent.capabilities = internal::ParseCapabilitiesJson(row.getColumn(7).getString());
  agent.thumbprint = row.getColumn(8).getString();
  agent.legacy_thumbprint = row.getColumn(9).getString();
  agent.reenrollment = internal::StoredEnum(row.getColumn(10).getInt64(),
                                            internal::kReenrollments, "agents.reenrollment");
  agent.last_thumbprint_used = row.getColumn(11).getString();
  if (!row.getColumn(12).isNull()) agent.last_error_code = row.getColumn(12).getInt64();
  if (!row.getColumn(13).isNull()) agent.last_error_message = row.getColumn(13).getString();
  agent.created_at = jobs::FromUnixMillis(row.getColumn(14).getInt64());
  return agent;
}

void BindOptionalTime(SQLite::Statement& statement, int index, std::optional<WallTime> time) {
  if (time) {
    statement.bind(index, jobs::ToUnixMillis(*time));
  } else {
    statement.bind(index);
  }
}

// Binds the mutable columns at 1..13 in the order of kAgentColumns after agent_id.
void BindAgentColumns(SQLite::Statement& statement, const Agent& agent) {
  statement.bind(1, agent.client_machine);
  statement.bind(2, agent.username);
  statement.bind(3, agent.agent_platform);
  statement.bind(4, static_cast<int64_t>(agent.version));
  statement.bind(5, static_cast<int>(agent.status));
  BindOptionalTime(statement, 6, agent.last_seen);
  statement.bind(7, CapabilitiesJson(agent.capabilities));
  statement.bind(8, agent.thumbprint);
  statement.bind(9, agent.legacy_thumbprint);
  statement.bind(10, static_cast<int>(agent.reenrollment));
  statement.bind(11, agent.last_thumbprint_used);
  if (agent.last_error_code) {
    statement.bind(12, *agent.last_error_code);
  } else {
    statement.bind(12);
  }
  if (agent.last_error_message) {
    statement.bind(13, *agent.last_error_message);
  } else {
    statement.bind(13);
  }
}

void InsertAgentRow(SqliteStore::Impl& impl, const Agent& agent) {
  internal::CachedStatement insert = impl.Prepare(
      "INSERT INTO agents (client_machine, username, agent_platform, version, status, "
      "last_seen, capabilities, thumbprint, legacy_thumbprint, auth_certificate_reenrollment, "
      "last_thumbprint_used, last_error_code, last_error_message, agent_id, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  BindAgentColumns(insert, agent);
  insert.bind(14, internal::LowerId(agent.agent_id));
  insert.bind(15, jobs::ToUnixMillis(agent.created_at));
  insert.exec();
}

// False when there is no such agent.
bool UpdateAgentRow(SqliteStore::Impl& impl, const Agent& agent) {
  internal::CachedStatement update = impl.Prepare(
      "UPDATE agents SET client_machine = ?1, username = ?2, agent_platform = ?3, "
      "version = ?4, status = ?5, last_seen = ?6, capabilities = ?7, thumbprint = ?8, "
      "legacy_thumbprint = ?9, auth_certificate_reenrollment = ?10, "
      "last_thumbprint_used = ?11, last_error_code = ?12, last_error_message = ?13 "
      "WHERE agent_id = ?14");
  BindAgentColumns(update, agent);
  update.bind(14, internal::LowerId(agent.agent_id));
  return update.exec() != 0;
}

void BindBytes(SQLite::Statement& statement, int index, std::string_view bytes) {
  statement.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

// A BLOB column as bytes.
std::string Bytes(SQLite::Statement& row, int index) {
  SQLite::Column column = row.getColumn(index);
  if (column.isNull()) return "";
  return std::string(static_cast<const char*>(column.getBlob()),
                     static_cast<size_t>(column.getBytes()));
}

// An agent has one session: a new one replaces the agent's earlier ones.
void ReplaceSessionRow(SqliteStore::Impl& impl, const SessionRecord& session) {
  internal::CachedStatement drop = impl.Prepare("DELETE FROM agent_sessions WHERE agent_id = ?");
  drop.bind(1, internal::LowerId(session.agent_id));
  drop.exec();
  internal::CachedStatement insert = impl.Prepare(
      "INSERT INTO agent_sessions (token_hash, agent_id, secret_id, "
      "created_at, last_call_at) VALUES (?, ?, ?, ?, ?)");
  BindBytes(insert, 1, session.token_hash);
  insert.bind(2, internal::LowerId(session.agent_id));
  if (session.secret_id.empty()) {
    insert.bind(3);
  } else {
    insert.bind(3, session.secret_id);
  }
  insert.bind(4, jobs::ToUnixMillis(session.created_at));
  insert.bind(5, jobs::ToUnixMillis(session.last_call_at));
  insert.exec();
}

std::optional<Agent> SelectAgent(SqliteStore::Impl& impl, const std::string& id) {
  internal::CachedStatement query =
      impl.Prepare("SELECT " + std::string(kAgentColumns) + " FROM agents WHERE agent_id = ?");
  query.bind(1, id);
  if (!query.executeStep()) return std::nullopt;
  return ReadAgent(query);
}

bool Exists(SqliteStore::Impl& impl, const std::string& id) {
  internal::CachedStatement query = impl.Prepare("SELECT 1 FROM agents WHERE agent_id = ?");
  query.bind(1, id);
  return query.executeStep();
}

Status NoSuchAgent(std::string_view id) {
  return NotFoundError("no agent with id " + std::string(id));
}

// Runs `sql` with ?1 = each id, after checking that every id exists.
Status UpdateEach(SqliteStore::Impl& impl, const std::vector<std::string>& ids,
                  const std::vector<std::string>& statements) {
  for (const std::string& id : ids) {
    if (!Exists(impl, internal::LowerId(id))) return NoSuchAgent(id);
  }
  for (const std::string& id : ids) {
    for (const std::string& sql : statements) {
      internal::CachedStatement update = impl.Prepare(sql);
      update.bind(1, internal::LowerId(id));
      update.exec();
    }
  }
  return Status::Ok();
}

}  // namespace

const std::vector<QueryField>& AgentQueryFields() {
  static const std::vector<QueryField> kFields = {
      {"AgentId", "agent_id", QueryField::kGuid},
      {"ClientMachine", "client_machine", QueryField::kText},
      {"Username", "username", QueryField::kText},
      {"AgentPlatform", "agent_platform", QueryField::kInteger},
      {"Status",
       "status",
       QueryField::kInteger,
       {{"New", static_cast<int64_t>(AgentStatus::kNew)},
        {"Approved", static_cast<int64_t>(AgentStatus::kApproved)},
        {"Disapproved", static_cast<int64_t>(AgentStatus::kDisapproved)}}},
      {"LastSeen", "last_seen", QueryField::kTime},
      {"Capabilities", "capabilities", QueryField::kText},
      {"Thumbprint", "thumbprint", QueryField::kText},
      {"LegacyThumbprint", "legacy_thumbprint", QueryField::kText},
      {"AuthCertificateReenrollment",
       "auth_certificate_reenrollment",
       QueryField::kInteger,
       {{"None", static_cast<int64_t>(Reenrollment::kNone)},
        {"Requested", static_cast<int64_t>(Reenrollment::kRequested)},
        {"Required", static_cast<int64_t>(Reenrollment::kRequired)}}},
      {"LastErrorCode", "last_error_code", QueryField::kInteger},
      {"LastErrorMessage", "last_error_message", QueryField::kText},
  };
  return kFields;
}

Status SqliteAgentStore::CreateAgent(const Agent& agent) {
  // Not counted: as with a first registration, no cache holds anything of a new agent.
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("creating an agent", [&]() -> Status {
    InsertAgentRow(impl, agent);
    return Status::Ok();
  });
}

Status SqliteAgentStore::UpdateAgent(const Agent& agent) {
  AgentChanges::Note(agent.agent_id);
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("updating an agent", [&]() -> Status {
    if (!UpdateAgentRow(impl, agent)) return NoSuchAgent(agent.agent_id);
    return Status::Ok();
  });
}

Status SqliteAgentStore::SaveRegistration(const Agent& agent, bool create, const SessionRecord& session) {
  // A new agent's first registration changes nothing a cache can hold (no session or agent of
  // it was ever read): only a registration of a known agent, which replaces its session and
  // its row, is counted. A fleet enrolling thus leaves the caches of the others in place.
  if (!create) AgentChanges::Note(agent.agent_id);
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("saving a registration", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    if (create) {
      InsertAgentRow(impl, agent);
    } else if (!UpdateAgentRow(impl, agent)) {
      return NoSuchAgent(agent.agent_id);
    }
    ReplaceSessionRow(impl, session);
    transaction.commit();
    return Status::Ok();
  });
}

StatusOr<std::optional<Agent>> SqliteAgentStore::FindAgent(std::string_view id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("reading an agent", [&]() -> StatusOr<std::optional<Agent>> {
    return SelectAgent(impl, internal::LowerId(id));
  });
}

StatusOr<Agent> SqliteAgentStore::GetAgent(std::string_view id) {
  ORCH_ASSIGN_OR_RETURN(std::optional<Agent> agent, FindAgent(id));
  if (!agent) return NoSuchAgent(id);
  return *std::move(agent);
}

StatusOr<bool> SqliteAgentStore::AgentExists(std::string_view id) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("looking up an agent",
                  [&]() -> StatusOr<bool> { return Exists(impl, internal::LowerId(id)); });
}

StatusOr<std::optional<Agent>> SqliteAgentStore::FindAgentByThumbprint(std::string_view thumbprint) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("finding an agent by certificate", [&]() -> StatusOr<std::optional<Agent>> {
    if (thumbprint.empty()) return std::optional<Agent>();
    internal::CachedStatement query =
        impl.Prepare("SELECT " + std::string(kAgentColumns) +
                     " FROM agents WHERE thumbprint = ?1 OR "
                     "legacy_thumbprint = ?1 ORDER BY thumbprint = ?1 DESC "
                     "LIMIT 1");
    query.bind(1, std::string(thumbprint));
    if (!query.executeStep()) return std::optional<Agent>();
    return std::optional<Agent>(ReadAgent(query));
  });
}

StatusOr<Page<Agent>> SqliteAgentStore::ListAgents(const jobs::Paging& paging) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("listing agents", [&]() -> StatusOr<Page<Agent>> {
    Page<Agent> page;
    const internal::PagedSelect select{kAgentColumns, "agents", "agent_id"};
    internal::SetCount(page,
                       internal::RunPagedSelect(impl, select, paging, [&](SQLite::Statement& row) {
                         page.rows.push_back(ReadAgent(row));
                       }));
    return page;
  });
}

Status SqliteAgentStore::SetStatus(const std::vector<std::string>& ids, AgentStatus status) {
  NoteAgents(ids);
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("setting agent status", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    std::vector<std::string> statements = {
        "UPDATE agents SET status = " + internal::SqlLiteral(status) + " WHERE agent_id = ?1"};
    if (status == AgentStatus::kDisapproved) {
      statements.push_back("DELETE FROM agent_sessions WHERE agent_id = ?1");
    }
    ORCH_RETURN_IF_ERROR(UpdateEach(impl, ids, statements));
    transaction.commit();
    return Status::Ok();
  });
}

Status SqliteAgentStore::Reset(const std::vector<std::string>& ids) {
  NoteAgents(ids);
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("resetting agents", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    static const std::string kResetSql =
        "UPDATE agents SET status = " + internal::SqlLiteral(AgentStatus::kNew) +
        ", thumbprint = '', legacy_thumbprint = '', auth_certificate_reenrollment = " +
        internal::SqlLiteral(Reenrollment::kNone) +
        ", last_error_code = NULL, last_error_message = NULL WHERE agent_id = ?1";
    ORCH_RETURN_IF_ERROR(
        UpdateEach(impl, ids, {kResetSql, "DELETE FROM agent_sessions WHERE agent_id = ?1"}));
    transaction.commit();
    return Status::Ok();
  });
}

StatusOr<std::vector<std::string>> SqliteAgentStore::SetReenrollment(const std::vector<std::string>& ids,
                                                               Reenrollment value) {
  NoteAgents(ids);
  SqliteStore::Impl& impl = store_.impl();
  using Result = StatusOr<std::vector<std::string>>;
  return impl.Run("setting reenrollment", [&]() -> Result {
    internal::WriteTransaction transaction(impl);
    std::vector<std::string> unknown;
    internal::CachedStatement update =
        impl.Prepare("UPDATE agents SET auth_certificate_reenrollment = ? WHERE agent_id = ?");
    // A flag is consumed at registration: ending the agent's sessions makes it register again
    // at once, so a long-polling agent learns of it at its next call.
    internal::CachedStatement end_sessions =
        impl.Prepare("DELETE FROM agent_sessions WHERE agent_id = ?");
    for (const std::string& id : ids) {
      update.reset();
      update.bind(1, static_cast<int>(value));
      update.bind(2, internal::LowerId(id));
      if (update.exec() == 0) {
        unknown.push_back(id);
        continue;
      }
      if (value != Reenrollment::kNone) {
        end_sessions.reset();
        end_sessions.bind(1, internal::LowerId(id));
        end_sessions.exec();
      }
    }
    transaction.commit();
    return unknown;
  });
}

Status SqliteAgentStore::RecordError(std::string_view id, int64_t code, std::string_view message,
                               WallTime now) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("recording an agent error", [&]() -> Status {
    internal::CachedStatement update = impl.Prepare(
        "UPDATE agents SET last_error_code = ?, last_error_message = ?, "
        "last_seen = ? WHERE agent_id = ?");
    update.bind(1, code);
    update.bind(2, std::string(message));
    update.bind(3, jobs::ToUnixMillis(now));
    update.bind(4, internal::LowerId(id));
    if (update.exec() == 0) return NoSuchAgent(id);
    return Status::Ok();
  });
}

Status SqliteAgentStore::CreateSession(const SessionRecord& session) {
  AgentChanges::Note(session.agent_id);
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("creating a session", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    ReplaceSessionRow(impl, session);
    transaction.commit();
    return Status::Ok();
  });
}

StatusOr<std::optional<SessionRecord>> SqliteAgentStore::FindSession(std::string_view token_hash) {
  SqliteStore::Impl& impl = store_.impl();
  using Result = StatusOr<std::optional<SessionRecord>>;
  return impl.Run("reading a session", [&]() -> Result {
    internal::CachedStatement query = impl.Prepare(
        "SELECT token_hash, agent_id, secret_id, created_at, last_call_at "
        "FROM agent_sessions WHERE token_hash = ?");
    BindBytes(query, 1, token_hash);
    if (!query.executeStep()) return std::optional<SessionRecord>();
    SessionRecord session;
    session.token_hash = Bytes(query, 0);
    session.agent_id = query.getColumn(1).getString();
    session.secret_id = query.getColumn(2).isNull() ? "" : query.getColumn(2).getString();
    session.created_at = jobs::FromUnixMillis(query.getColumn(3).getInt64());
    session.last_call_at = jobs::FromUnixMillis(query.getColumn(4).getInt64());
    return std::optional<SessionRecord>(std::move(session));
  });
}

Status SqliteAgentStore::TouchSessions(const std::vector<SessionTouch>& touches) {
  if (touches.empty()) return Status::Ok();
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("touching sessions", [&]() -> Status {
    internal::WriteTransaction transaction(impl);
    internal::CachedStatement touch = impl.Prepare(
        "UPDATE agent_sessions SET last_call_at = max(last_call_at, ?) WHERE token_hash = ?");
    internal::CachedStatement seen = impl.Prepare(
        "UPDATE agents SET last_seen = max(coalesce(last_seen, ?1), ?1) WHERE agent_id = ?2");
    for (const SessionTouch& one : touches) {
      const int64_t millis = jobs::ToUnixMillis(one.at);
      touch.bind(1, millis);
      BindBytes(touch, 2, one.token_hash);
      touch.exec();
      touch.reset();
      seen.bind(1, millis);
      seen.bind(2, one.agent_id);
      seen.exec();
      seen.reset();
    }
    transaction.commit();
    return Status::Ok();
  });
}

StatusOr<std::map<AgentStatus, int64_t>> SqliteAgentStore::CountAgentsByStatus() {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("counting agents", [&]() -> StatusOr<std::map<AgentStatus, int64_t>> {
    internal::CachedStatement query =
        impl.Prepare("SELECT status, count(*) FROM agents GROUP BY status");
    std::map<AgentStatus, int64_t> counts;
    while (query.executeStep()) {
      counts[internal::StoredEnum(query.getColumn(0).getInt64(), internal::kAgentStatuses,
                                  "agents.status")] = query.getColumn(1).getInt64();
    }
    return counts;
  });
}

StatusOr<int64_t> SqliteAgentStore::CountSessionsSince(WallTime since) {
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("counting sessions", [&]() -> StatusOr<int64_t> {
    internal::CachedStatement query =
        impl.Prepare("SELECT count(*) FROM agent_sessions WHERE last_call_at >= ?");
    query.bind(1, jobs::ToUnixMillis(since));
    query.executeStep();
    return query.getColumn(0).getInt64();
  });
}

Status SqliteAgentStore::DeleteSession(std::string_view token_hash) {
  // The session's agent is not known without reading it: counted as concerning any agent.
  AgentChanges::Note();
  SqliteStore::Impl& impl = store_.impl();
  return impl.Run("ending a session", [&]() -> Status {
    internal::CachedStatement drop =
        impl.Prepare("DELETE FROM agent_sessions WHERE token_hash = ?");
    BindBytes(drop, 1, token_hash);
    drop.exec();
    return Status::Ok();
  });
}

}  // namespace orch::store
