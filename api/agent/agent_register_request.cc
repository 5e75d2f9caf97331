#include "api/agent/agent_register_request.h"

#include "api/json_body.h"
#include "common/guid.h"
#include "jobs/ascii.h"
#include "pki/csr.h"

namespace orch::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxClientMachineBytes = 255;
constexpr size_t kMaxCapabilities = 1000;
constexpr size_t kMaxCapabilityBytes = 256;
// Base64 of the largest CSR VerifyCsr() takes, with room for line breaks.
constexpr size_t kMaxCsrText = 2 * pki::kMaxCsrBytes;

StatusOr<std::string> AgentIdOf(const JsonFields& fields) {
  ORCH_ASSIGN_OR_RETURN(std::optional<std::string> id, fields.OptionalString("AgentId"));
  if (!id || id->empty()) return std::string();
  if (!IsGuid(*id)) return FieldError("AgentId", "must be \"\" or a GUID");
  return jobs::AsciiLowercase(*id);
}

StatusOr<std::string> ClientMachineOf(const JsonFields& fields) {
  ORCH_ASSIGN_OR_RETURN(std::string machine, fields.RequiredString("ClientMachine"));
  if (machine.empty() || machine.size() > kMaxClientMachineBytes || HasControlCharacter(machine)) {
    return FieldError("ClientMachine", "must have 1 to 255 bytes and no control characters");
  }
  return machine;
}

StatusOr<uint64_t> VersionOf(const JsonFields& fields) {
  const json* value = fields.Find("AgentVersion");
  if (value == nullptr) return uint64_t{0};
  if (value->is_number_unsigned()) return value->get<uint64_t>();
  if (value->is_number_integer() && value->get<int64_t>() >= 0) {
    return static_cast<uint64_t>(value->get<int64_t>());
  }
  return FieldError("AgentVersion",
                    "must be a non-negative integer (major<<48 | minor<<32 | micro<<16 | build)");
}

StatusOr<int> PlatformOf(const JsonFields& fields) {
  ORCH_ASSIGN_OR_RETURN(std::optional<int64_t> platform, fields.OptionalInt("AgentPlatform"));
  if (!platform) return 0;
  if (*platform < 0 || *platform > 255) return FieldError("AgentPlatform", "must be 0..255");
  return static_cast<int>(*platform);
}

StatusOr<std::vector<std::string>> CapabilitiesOf(const JsonFields& fields) {
  const json* value = fields.Find("Capabilities");
  std::vector<std::string> out;
  if (value == nullptr) return out;
  if (!value->is_array() || value->size() > kMaxCapabilities) {
    return FieldError("Capabilities", "must be an array of at most 1000 strings");
  }
  for (const json& item : *value) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > kMaxCapabilityBytes) {
      return FieldError("Capabilities", "must hold strings of at most 256 bytes");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

StatusOr<RegisterRequest> ParseRegisterRequest(const Request& request) {
  ORCH_ASSIGN_OR_RETURN(json body, ParseJsonBody(request));
  ORCH_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Of(body));
  RegisterRequest out;
  ORCH_ASSIGN_OR_RETURN(out.agent_id, AgentIdOf(fields));
  ORCH_ASSIGN_OR_RETURN(out.client_machine, ClientMachineOf(fields));
  ORCH_ASSIGN_OR_RETURN(out.agent_platform, PlatformOf(fields));
  ORCH_ASSIGN_OR_RETURN(out.agent_version, VersionOf(fields));
  ORCH_ASSIGN_OR_RETURN(out.capabilities, CapabilitiesOf(fields));
  if (const json* parameters = fields.Find("ClientParameters")) {
    ORCH_RETURN_IF_ERROR(CheckProperties(*parameters, "ClientParameters"));
    out.client_parameters = *parameters;
  }
  ORCH_ASSIGN_OR_RETURN(out.csr, fields.OptionalString("CSR", kMaxCsrText));
  if (out.csr && out.csr->empty()) out.csr.reset();
  return out;
}

}  // namespace orch::api
