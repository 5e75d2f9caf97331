// The body of POST /CertificateStores/Certificates/Add (SPEC §7.1): any bytes are refused with
// an InvalidArgument naming the field, or give an Add whose parts are in range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/control/add_request.h"
#include "jobs/bounded_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  orch::StatusOr<nlohmann::json> json = orch::jobs::ParseJson(text);
  if (!json.ok()) return 0;
  orch::StatusOr<orch::api::AddRequest> add = orch::api::ParseAddRequest(*json);
  if (!add.ok() && add.status().code() != orch::StatusCode::kInvalidArgument) std::abort();
  return 0;
}
