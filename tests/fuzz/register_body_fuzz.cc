// The body of POST /KeyfactorAgents/Session/Register (SPEC §6.2), read before any credential
// is checked: any bytes give a registration within its limits or an InvalidArgument error,
// and a CSR it carries goes through the same verification as a real one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/agent/agent_register_request.h"
#include "pki/base64.h"
#include "pki/csr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  orch::api::Request request;
  request.method = "POST";
  request.path = "/KeyfactorAgents/Session/Register";
  request.headers.emplace_back("content-type", "application/json");
  request.body.assign(reinterpret_cast<const char*>(data), size);
  orch::StatusOr<orch::api::RegisterRequest> parsed = orch::api::ParseRegisterRequest(request);
  if (!parsed.ok()) {
    if (parsed.status().code() != orch::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (parsed->client_machine.empty() || parsed->client_machine.size() > 255) std::abort();
  if (parsed->capabilities.size() > 1000) std::abort();
  if (parsed->csr) {
    orch::StatusOr<std::string> der = orch::pki::Base64Decode(*parsed->csr);
    if (der.ok()) (void)orch::pki::VerifyCsr(*der);
  }
  return 0;
}
