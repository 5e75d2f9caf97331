// Internal to api/agent/: the bodies of the agent calls after registration (SPEC §6.3–6.5,
// §6.7 exchange), read and checked before any session or secret is looked up.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "store/run_repository.h"

namespace orch::api {

/// Longest SessionToken accepted (tokens orchd hands out are 36-character GUIDs).
inline constexpr size_t kMaxSessionTokenBytes = 255;
/// Longest wait of a Jobs/Poll, in seconds.
inline constexpr int64_t kMaxPollWaitSeconds = 60;
/// Longest completion Message kept; a longer one is cut on a UTF-8 boundary and marked "…".
inline constexpr size_t kMaxCompletionMessageBytes = 4096;
/// Bounds and default of an exchanged access token's ttl.
inline constexpr std::chrono::milliseconds kMinTokenTtl{60'000};
inline constexpr std::chrono::milliseconds kMaxTokenTtl{15'552'000'000};  // 180 days
inline constexpr std::chrono::milliseconds kDefaultTokenTtl{1'800'000};   // 30 minutes

/// `{SessionToken}` (Session/Heartbeat): the token, 1 to kMaxSessionTokenBytes bytes.
StatusOr<std::string> ParseHeartbeatRequest(const nlohmann::json& body);

/// `{SessionToken, WaitSeconds?}` (Jobs/Poll).
struct PollRequest {
  std::string token;
  std::chrono::seconds wait{0};  // 0..kMaxPollWaitSeconds
};
StatusOr<PollRequest> ParsePollRequest(const nlohmann::json& body);

/// `{SessionToken, JobId}` (the configuration endpoint).
struct ConfigurationRequest {
  std::string token;
  std::string job_id;  // lowercase GUID
};
StatusOr<ConfigurationRequest> ParseConfigurationRequest(const nlohmann::json& body);

/// `{SessionToken, JobId, AuditId, Status: 2|3|4, Message}` (the completion endpoint).
struct CompletionRequest {
  std::string token;
  std::string job_id;    // lowercase GUID
  int64_t audit_id = 0;  // 1..kMaxJsonId
  store::RunResult result = store::RunResult::kUnknown;
  std::string message;  // "" when absent or not a string; cut to kMaxCompletionMessageBytes
};
StatusOr<CompletionRequest> ParseCompletionRequest(const nlohmann::json& body);

/// `{secret, ttl?}` (POST /api/v2/agent/secrets/exchange).
struct ExchangeRequest {
  std::string secret;  // plaintext, 1 to kMaxTextBytes bytes: the caller Cleanse()s it
  std::chrono::milliseconds ttl = kDefaultTokenTtl;
};
/// The secret is never echoed in an error.
StatusOr<ExchangeRequest> ParseExchangeRequest(const nlohmann::json& body);

}  // namespace orch::api
