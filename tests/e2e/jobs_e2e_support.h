// Helpers of the certificate, store and job end-to-end tests: JSON calls over the control
// socket and the test certificates in the shapes the API takes.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/harness.h"

namespace orch::e2e {

/// `text` with every byte outside [A-Za-z0-9-._~] percent-encoded, for query strings.
std::string UrlEncode(const std::string& text);

/// A client for one running orchd that sends JSON and fails the test on transport errors.
class JsonClient {
 public:
  explicit JsonClient(OrchdFixture& orchd) : orchd_(orchd) {}
  /// One request on a fresh connection; status 0 when the transport failed.
  HttpReply Call(const std::string& method, const std::string& target,
                 const nlohmann::json& body = nullptr);
  /// POST /Certificates/Import of `bytes` (base64-encoded here); the reply.
  HttpReply Import(const std::string& bytes, const std::string& password = "");
  /// POST /CertificateStores; the new store's Id, or "" (with a test failure).
  std::string CreateStore(const nlohmann::json& body);
  /// GET /OrchestratorJobs/ScheduledJobs with `query_string` (already encoded).
  HttpReply ScheduledJobs(const std::string& query_string = "");

 private:
  OrchdFixture& orchd_;
};

/// A PEM store body bound to the Default Agent Pool.
nlohmann::json PemStoreBody(const std::string& machine);

/// Expects an ErrorBody with `status`, `code` and, when given, errorDetails.field == `field`.
void ExpectError(const HttpReply& reply, int status, const std::string& code,
                 const std::string& field = "");

}  // namespace orch::e2e
