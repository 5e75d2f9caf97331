// AgentRepository: agents (orchestrators) and their sessions, as rows of orchd's database.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "jobs/query.h"
#include "store/page.h"

namespace orch::store {

/// An agent's approval state (SPEC §3).
enum class AgentStatus { kNew = 1, kApproved = 2, kDisapproved = 3 };

/// AuthCertificateReenrollment: what the agent's next registration must bring.
enum class Reenrollment { kNone = 0, kRequested = 1, kRequired = 2 };

/// One agent as stored.
struct Agent {
  std::string agent_id;  // lowercase GUID
  std::string client_machine;
  std::string username;  // the secret name or certificate it first authenticated with
  int agent_platform = 0;
  uint64_t version = 0;  // major<<48 | minor<<32 | micro<<16 | build
  AgentStatus status = AgentStatus::kNew;
  std::optional<WallTime> last_seen;
  std::vector<std::string> capabilities;
  std::string thumbprint;         // of its current client certificate, uppercase hex; or ""
  std::string legacy_thumbprint;  // of the certificate before it; or ""
  Reenrollment reenrollment = Reenrollment::kNone;
  std::string last_thumbprint_used;
  std::optional<int64_t> last_error_code;
  std::optional<std::string> last_error_message;
  WallTime created_at;
};

/// One agent session. Only the hash of its token is stored.
struct SessionRecord {
  std::string token_hash;  // SHA-256 of the session token
  std::string agent_id;
  std::string secret_id;  // the agent secret behind the authentication, or "" (certificate)
  WallTime created_at;
  WallTime last_call_at;
};

/// A call on a session, to be recorded.
struct SessionTouch {
  std::string token_hash;
  std::string agent_id;
  WallTime at;
};

/// Query and sort fields of GET /Agents.
const std::vector<jobs::QueryField>& AgentQueryFields();

/// Agents and their sessions, as the store keeps them: the interface every backend implements.
/// Each method is one transaction of its own unless the caller already holds one (a
/// StoreWriter group, a StoreReader snapshot).
class AgentRepository {
 public:
  virtual ~AgentRepository() = default;

  /// Inserts `agent`. REQUIRES: a fresh lowercase GUID agent_id.
  virtual Status CreateAgent(const Agent& agent) = 0;
  /// Writes every column of `agent` but its id and creation time. NotFound for an unknown id.
  virtual Status UpdateAgent(const Agent& agent) = 0;
  /// The agent `id` (any case), or nullopt.
  virtual StatusOr<std::optional<Agent>> FindAgent(std::string_view id) = 0;
  /// The agent `id`; NotFound naming it otherwise.
  virtual StatusOr<Agent> GetAgent(std::string_view id) = 0;
  /// True when agent `id` (any case) exists; for checks by other tables' writers.
  virtual StatusOr<bool> AgentExists(std::string_view id) = 0;
  /// The agent whose current or legacy certificate has `thumbprint`, current first.
  virtual StatusOr<std::optional<Agent>> FindAgentByThumbprint(std::string_view thumbprint) = 0;
  /// One page of agents. REQUIRES: paging built from AgentQueryFields().
  virtual StatusOr<Page<Agent>> ListAgents(const jobs::Paging& paging) = 0;

  /// Sets the status of every agent in `ids` in one transaction. Disapproving also ends their
  /// sessions. NotFound naming the first unknown id, and then nothing changes.
  virtual Status SetStatus(const std::vector<std::string>& ids, AgentStatus status) = 0;
  /// Returns agents to New with no certificate thumbprints, no reenrollment flag, no error and
  /// no sessions, so each must register again with a secret. NotFound as SetStatus().
  virtual Status Reset(const std::vector<std::string>& ids) = 0;
  /// Sets AuthCertificateReenrollment of the known agents in `ids` and returns the unknown
  /// ones (as given), changing the known ones even when some are unknown. Setting Requested or
  /// Required ends the agents' sessions, so they register again and meet the flag.
  virtual StatusOr<std::vector<std::string>> SetReenrollment(const std::vector<std::string>& ids,
                                                             Reenrollment value) = 0;
  /// Saves a successful registration in one transaction: inserts (`create`) or updates
  /// `agent` and makes `session` its only session.
  virtual Status SaveRegistration(const Agent& agent, bool create,
                                  const SessionRecord& session) = 0;
  /// Records a refused registration in LastErrorCode/LastErrorMessage and LastSeen.
  virtual Status RecordError(std::string_view id, int64_t code, std::string_view message,
                             WallTime now) = 0;

  /// Stores a new session and ends the agent's earlier ones (an agent has one session).
  virtual Status CreateSession(const SessionRecord& session) = 0;
  /// The session whose token hashes to `token_hash`, or nullopt.
  virtual StatusOr<std::optional<SessionRecord>> FindSession(std::string_view token_hash) = 0;
  /// Marks calls on sessions, all in one transaction: each session's last_call_at and its
  /// agent's LastSeen become the touch's time (never earlier than what is stored). Sessions
  /// or agents gone meanwhile are skipped.
  virtual Status TouchSessions(const std::vector<SessionTouch>& touches) = 0;
  /// Ends one session.
  virtual Status DeleteSession(std::string_view token_hash) = 0;
  /// How many agents have each status; statuses without agents are absent.
  virtual StatusOr<std::map<AgentStatus, int64_t>> CountAgentsByStatus() = 0;
  /// How many sessions had a call at `since` or later (as last written).
  virtual StatusOr<int64_t> CountSessionsSince(WallTime since) = 0;
};

}  // namespace orch::store
