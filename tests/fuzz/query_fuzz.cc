// The query language (SPEC §7.3): the first byte picks an endpoint's field whitelist, the rest
// is the query. Any input compiles or is refused with InvalidArgument; nothing else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "jobs/query.h"
#include "store/agent_repository.h"
#include "store/catalog_repository.h"
#include "store/job_repository.h"
#include "store/pool_repository.h"
#include "store/run_repository.h"

namespace {

using FieldsFn = const std::vector<orch::jobs::QueryField>& (*)();
constexpr FieldsFn kFieldSets[] = {
    orch::store::JobQueryFields,         orch::store::RunQueryFields,
    orch::store::AgentQueryFields,       orch::store::PoolQueryFields,
    orch::store::PoolAgentQueryFields,   orch::store::CertificateQueryFields,
    orch::store::CertStoreQueryFields,   orch::store::ContainerQueryFields,
    orch::store::CollectionQueryFields,  orch::store::StoreTypeQueryFields,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& fields = kFieldSets[data[0] % std::size(kFieldSets)]();
  const std::string_view query(reinterpret_cast<const char*>(data + 1), size - 1);
  orch::StatusOr<orch::jobs::SqlFilter> compiled = orch::jobs::CompileQuery(query, fields);
  if (!compiled.ok() && compiled.status().code() != orch::StatusCode::kInvalidArgument) {
    std::abort();  // a query is either valid or the caller's mistake
  }
  return 0;
}
