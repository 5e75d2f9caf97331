// The agent API's request bodies after registration (SPEC §6.3–6.5, §6.7 exchange, §15): the
// first input byte picks the parser ('a' heartbeat, 'b' poll, 'c' configuration, 'd'
// completion, 'e' exchange), the rest is the body. Any bytes are refused with InvalidArgument
// or give a request within the documented limits.
#include <cstddef>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "api/agent/agent_calls_request.h"
#include "api/json_body.h"
#include "tests/fuzz/body_contract.h"

namespace {

using namespace orch::api;
using orch::fuzz::Check;

bool Token(const std::string& token) {
  return !token.empty() && token.size() <= kMaxSessionTokenBytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::optional<nlohmann::json> body = orch::fuzz::ParsedBody(data, size);
  if (!body) return 0;
  switch (orch::fuzz::Chosen(data, 5)) {
    case 0: Check(ParseHeartbeatRequest(*body), Token); break;
    case 1:
      Check(ParsePollRequest(*body), [](const PollRequest& p) {
        return Token(p.token) && p.wait.count() >= 0 && p.wait.count() <= kMaxPollWaitSeconds;
      });
      break;
    case 2:
      Check(ParseConfigurationRequest(*body),
            [](const ConfigurationRequest& c) { return Token(c.token) && c.job_id.size() == 36; });
      break;
    case 3:
      Check(ParseCompletionRequest(*body), [](const CompletionRequest& c) {
        return Token(c.token) && c.job_id.size() == 36 && c.audit_id >= 1 &&
               c.audit_id <= kMaxJsonId && c.message.size() <= kMaxCompletionMessageBytes + 3;
      });
      break;
    default:
      Check(ParseExchangeRequest(*body), [](const ExchangeRequest& e) {
        return !e.secret.empty() && e.secret.size() <= kMaxTextBytes && e.ttl >= kMinTokenTtl &&
               e.ttl <= kMaxTokenTtl;
      });
  }
  return 0;
}
