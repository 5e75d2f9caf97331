// PoolRepository: agent pools (SPEC §3). Custom pools are rows with their members; the Default
// Agent Pool is implicit: every approved agent that is in no custom pool. Pools declared in the
// configuration file are reconciled here and marked managed (read-only over the API).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "jobs/query.h"
#include "store/page.h"

namespace orch::store {

/// The Default Agent Pool's fixed id and name.
inline constexpr std::string_view kDefaultPoolId = "00000000-0000-0000-0000-000000000000";
inline constexpr std::string_view kDefaultPoolName = "Default Agent Pool";

/// Capabilities that let a member run SSL discovery and monitoring jobs (AllowsDiscover,
/// AllowsMonitor); compared ignoring ASCII case.
inline constexpr std::string_view kDiscoverCapability = "SSL.Discovery";
inline constexpr std::string_view kMonitorCapability = "SSL.Monitoring";

/// One requested member of a custom pool.
struct PoolMemberSpec {
  std::string agent_id;
  bool enable_discover = false;
  bool enable_monitor = false;
};

/// A custom pool as written by POST/PUT: `pool_id` (a lowercase GUID), name and all members.
struct PoolSpec {
  std::string pool_id;
  std::string name;
  std::vector<PoolMemberSpec> agents;
};

/// One member as the API shows it.
struct PoolMember {
  std::string agent_id;
  std::string client_machine;
  uint64_t version = 0;
  bool enable_discover = false;
  bool enable_monitor = false;
  bool allows_discover = false;
  bool allows_monitor = false;
};

/// One pool with its members.
struct PoolRecord {
  std::string pool_id;
  std::string name;
  bool managed = false;  // declared in the configuration file
  std::vector<PoolMember> agents;
};

/// A pool declared in the configuration file.
struct DeclaredPool {
  std::string name;
  std::vector<std::string> agent_ids;
};

/// An agent and the custom pool it is a member of.
struct AgentInPool {
  std::string agent_id;  // lowercase GUID
  std::string pool_id;   // lowercase GUID
};

/// What ReconcileDeclaredPools() changed, for the log.
struct ReconcileReport {
  std::vector<std::string> created;         // pool names
  std::vector<std::string> updated;         // pool names whose name or members changed
  std::vector<std::string> deleted;         // managed pools no longer declared
  std::vector<std::string> unknown_agents;  // declared agent ids with no agent (skipped)
  std::vector<std::string> moved_agents;    // "<agent> from <pool>" taken from an API pool
};

/// Query and sort fields of GET /AgentPools.
const std::vector<jobs::QueryField>& PoolQueryFields();
/// Query and sort fields of GET /AgentPools/Agents.
const std::vector<jobs::QueryField>& PoolAgentQueryFields();

/// True when `capabilities` holds `name`, ignoring ASCII case.
bool HasCapability(const std::vector<std::string>& capabilities, std::string_view name);

/// Agent pools, as the store keeps them: the interface every backend implements.
/// Each method is one transaction of its own unless the caller already holds one (a
/// StoreWriter group, a StoreReader snapshot).
class PoolRepository {
 public:
  virtual ~PoolRepository() = default;

  /// Creates a custom pool. AlreadyExists (field "Name") for a taken name (either case) or the
  /// Default pool's; InvalidArgument (field "Agents[i].AgentId") for an unknown agent;
  /// FailedPrecondition naming the agent and the pool when an agent is in another custom pool.
  /// REQUIRES: a fresh lowercase GUID pool_id; no agent listed twice.
  virtual StatusOr<PoolRecord> CreatePool(const PoolSpec& spec, WallTime now) = 0;
  /// Replaces the name and every member of custom pool spec.pool_id; errors as CreatePool(),
  /// plus NotFound for an unknown pool and FailedPrecondition for the Default pool or a
  /// managed one.
  virtual StatusOr<PoolRecord> ReplacePool(const PoolSpec& spec, WallTime now) = 0;
  /// Deletes a custom pool; its members return to the Default pool. NotFound for an unknown
  /// pool; FailedPrecondition for the Default pool or a managed one.
  virtual Status DeletePool(std::string_view pool_id) = 0;
  /// The pool `pool_id` (any case), the Default pool included; NotFound otherwise.
  virtual StatusOr<PoolRecord> GetPool(std::string_view pool_id) = 0;
  /// True when pool `pool_id` exists (always for the Default pool's id).
  virtual StatusOr<bool> PoolExists(std::string_view pool_id) = 0;
  /// One page of pools (the Default pool is one row of the list) with their members.
  virtual StatusOr<Page<PoolRecord>> ListPools(const jobs::Paging& paging) = 0;
  /// One page of the Default pool's members.
  virtual StatusOr<Page<PoolMember>> ListDefaultPoolMembers(const jobs::Paging& paging) = 0;
  /// Every member of a custom pool; an agent in none belongs to the Default pool.
  virtual StatusOr<std::vector<AgentInPool>> ListAgentsInPools() = 0;

  /// Makes the managed pools exactly `declared`, in one transaction: creates missing ones,
  /// adopts an API pool of the same name, sets names and members (taking agents out of other
  /// custom pools, skipping unknown agent ids) and deletes managed pools no longer declared.
  /// New members get EnableDiscover/EnableMonitor from what they allow; kept members keep
  /// theirs. REQUIRES: names unique, none the Default pool's, no agent in two pools.
  virtual StatusOr<ReconcileReport> ReconcileDeclaredPools(
      const std::vector<DeclaredPool>& declared, WallTime now) = 0;
};

}  // namespace orch::store
