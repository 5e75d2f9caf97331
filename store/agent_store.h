// SqliteAgentStore: AgentRepository on one SQLite connection.
#pragma once

#include "store/agent_repository.h"
#include "store/sqlite_store.h"

namespace orch::store {

/// AgentRepository on one SqliteStore. Same threading as SqliteStore.
class SqliteAgentStore final : public AgentRepository {
 public:
  /// REQUIRES: `store` outlives this object.
  explicit SqliteAgentStore(SqliteStore& store) : store_(store) {}

  Status CreateAgent(const Agent& agent) override;
  Status UpdateAgent(const Agent& agent) override;
  StatusOr<std::optional<Agent>> FindAgent(std::string_view id) override;
  StatusOr<Agent> GetAgent(std::string_view id) override;
  StatusOr<bool> AgentExists(std::string_view id) override;
  StatusOr<std::optional<Agent>> FindAgentByThumbprint(std::string_view thumbprint) override;
  StatusOr<Page<Agent>> ListAgents(const jobs::Paging& paging) override;

  Status SetStatus(const std::vector<std::string>& ids, AgentStatus status) override;
  Status Reset(const std::vector<std::string>& ids) override;
  StatusOr<std::vector<std::string>> SetReenrollment(const std::vector<std::string>& ids,
                                                     Reenrollment value) override;
  Status SaveRegistration(const Agent& agent, bool create, const SessionRecord& session) override;
  Status RecordError(std::string_view id, int64_t code, std::string_view message,
                     WallTime now) override;

  Status CreateSession(const SessionRecord& session) override;
  StatusOr<std::optional<SessionRecord>> FindSession(std::string_view token_hash) override;
  Status TouchSessions(const std::vector<SessionTouch>& touches) override;
  Status DeleteSession(std::string_view token_hash) override;
  StatusOr<std::map<AgentStatus, int64_t>> CountAgentsByStatus() override;
  StatusOr<int64_t> CountSessionsSince(WallTime since) override;

 private:
  SqliteStore& store_;
};

}  // namespace orch::store
