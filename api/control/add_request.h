// The body of POST /CertificateStores/Certificates/Add, parsed and checked field by field
// before anything is looked up or written. Internal to api/control/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "jobs/schedule.h"

namespace orch::api {

/// Most store entries one Add may carry.
inline constexpr size_t kMaxAddTargets = 1000;

/// One entry of CertificateStores.
struct AddTarget {
  std::string store_id;  // lowercase GUID
  std::string alias;     // empty: the certificate's thumbprint is used
  bool overwrite = false;
  bool include_private_key = false;
  nlohmann::json job_fields = nlohmann::json::object();
  std::optional<std::string> entry_password;  // plaintext: seal, then Cleanse()
  std::optional<std::string> pfx_password;    // plaintext: seal, then Cleanse()
};

/// The whole request.
struct AddRequest {
  int64_t certificate_id = 0;
  std::vector<AddTarget> targets;
  jobs::Schedule schedule;
  std::optional<int64_t> collection_id;
};

/// Parses `body` (member names case-insensitive). CertificateId and CollectionId are ids from
/// 1 to kMaxJsonId, at most kMaxAddTargets stores, Alias at most kMaxNameBytes, JobFields
/// within CheckProperties(), passwords at most kMaxTextBytes. Every problem is InvalidArgument
/// naming its field: "CertificateId", "CertificateStores[2].CertificateStoreId",
/// "Schedule.Interval.Minutes"...
StatusOr<AddRequest> ParseAddRequest(const nlohmann::json& body);

/// Wipes every password of `request`.
void CleanseSecrets(AddRequest& request);

}  // namespace orch::api
