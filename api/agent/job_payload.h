// Internal to api/agent/: the Job member of a configuration answer (SPEC §6.3). Its rows are
// read off the event loop through the StoreReader; its secrets are opened, and its PKCS#12
// built, on the loop.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/agent/agent_api.h"
#include "common/status.h"
#include "store/catalog_repository.h"
#include "store/job_repository.h"
#include "store/repositories.h"

namespace orch::api::agent_wire {

/// The certificate a job delivers, as stored. The key and chain are read only for a job that
/// includes the private key; each read keeps its own outcome, so that errors are met in the
/// order the answer is built.
struct JobCertificateRows {
  store::CertificateRecord cert;
  std::optional<StatusOr<std::optional<std::string>>> sealed_key;
  std::optional<StatusOr<std::vector<std::string>>> chain;
};

/// What the Job member of a configuration answer is built from.
struct JobRows {
  store::JobRow job;
  store::CertStoreRecord target;
  store::SealedJobPasswords sealed;
  std::optional<StatusOr<JobCertificateRows>> certificate;  // always set by ReadJobRows
};

/// Reads the rows of job `job_id` from `store` (any connection of the database).
StatusOr<JobRows> ReadJobRows(store::Repositories& store, const std::string& job_id);

/// Reads the rows of job `job_id` through the context's reader; `done` runs on the loop's
/// thread with them, or with the read's error or the reader's refusal.
void ReadJobRows(const AgentApi::Context& context, const std::string& job_id,
                 std::function<void(StatusOr<JobRows>)> done);

/// The Job member of a configuration answer made of `rows`, secrets opened with the
/// context's SecretBox.
StatusOr<nlohmann::json> JobPayload(const AgentApi::Context& context, const JobRows& rows);

}  // namespace orch::api::agent_wire
