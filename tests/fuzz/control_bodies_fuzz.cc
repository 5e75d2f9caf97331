// The control API's request bodies other than Add (SPEC §7.1, §15): the first input byte picks
// the parser ('a' agent ids ... 'k' run targets), the rest is the body. Any bytes are refused
// with InvalidArgument or give a request within the documented limits.
#include <cstddef>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "api/control/agents_request.h"
#include "api/control/certificate_request.h"
#include "api/control/pool_request.h"
#include "api/control/secret_request.h"
#include "api/control/store_request.h"
#include "api/control/targets_request.h"
#include "api/json_body.h"
#include "tests/fuzz/body_contract.h"

namespace {

using namespace orch::api;
using orch::fuzz::Check;

bool Name(const std::string& text) {
  return !text.empty() && text.size() <= kMaxNameBytes;
}

bool Pool(const orch::store::PoolSpec& pool) {
  return Name(pool.name) && pool.agents.size() <= kMaxIdsPerCall;
}

bool Store(const StoreRequest& store) {
  const orch::store::CertStoreRecord& r = store.record;
  return Name(r.client_machine) && !r.store_path.empty() && r.store_path.size() <= kMaxTextBytes &&
         (!r.container_id || (*r.container_id >= 1 && *r.container_id <= kMaxJsonId)) &&
         r.agent_id.empty() != r.agent_pool_id.empty() &&
         (!store.password || store.password->size() <= kMaxTextBytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::optional<nlohmann::json> body = orch::fuzz::ParsedBody(data, size);
  if (!body) return 0;
  switch (orch::fuzz::Chosen(data, 11)) {
    case 0:
      Check(ParseAgentIdsRequest(*body),
            [](const auto& ids) { return ids.size() <= kMaxIdsPerCall; });
      break;
    case 1:
      Check(ParseReenrollmentRequest(*body), [](const ReenrollmentRequest& r) {
        return r.ids.size() <= kMaxIdsPerCall && r.status >= 0 && r.status <= 2;
      });
      break;
    case 2: Check(ParsePoolRequest(*body, false), Pool); break;
    case 3:
      Check(ParsePoolRequest(*body, true),
            [](const auto& p) { return Pool(p) && !p.pool_id.empty(); });
      break;
    case 4: Check(ParseStoreRequest(*body, false), Store); break;
    case 5:
      Check(ParseStoreRequest(*body, true),
            [](const auto& s) { return Store(s) && !s.record.id.empty(); });
      break;
    case 6: Check(ParseContainerRequest(*body), Name); break;
    case 7:
      Check(ParseSecretRequest(*body), [](const auto& name) {
        return !name || (!name->empty() && name->size() <= kMaxSecretNameBytes);
      });
      break;
    case 8:
      Check(ParseImportRequest(*body), [](const ImportRequest& r) {
        return !r.certificate.empty() && r.certificate.size() <= kMaxCertificateBase64 &&
               (!r.password || r.password->size() <= kMaxTextBytes);
      });
      break;
    case 9:
      Check(ParseCollectionRequest(*body), [](const orch::store::CollectionRecord& c) {
        return Name(c.name) && c.description.size() <= kMaxTextBytes &&
               c.query.size() <= kMaxTextBytes;
      });
      break;
    default:
      Check(ParseJobTargetsRequest(*body), [](const JobTargets& t) {
        return t.ids.empty() == t.query.has_value() && t.ids.size() <= kMaxTargetIds;
      });
      Check(ParseRunTargetsRequest(*body), [](const RunTargets& t) {
        for (int64_t id : t.ids) {
          if (id < 1 || id > kMaxJsonId) return false;
        }
        return t.ids.empty() == t.query.has_value() && t.ids.size() <= kMaxTargetIds;
      });
  }
  return 0;
}
