// How an agent's calls reach orchd: an interface, so the session logic runs against the real
// HTTPS transport in orch-agent and against a fake in unit tests.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace orch::agent {

/// How a call authenticates.
struct Credential {
  std::string basic_user;      // with basic_password: HTTP Basic (the agent secret)
  std::string basic_password;  // never logged
  std::string cert_pem;        // with key_pem: the client certificate (mTLS)
  std::string key_pem;         // never logged

  bool HasCertificate() const { return !cert_pem.empty() && !key_pem.empty(); }
};

/// One answer of orchd.
struct Answer {
  int status = 0;
  std::string body;
};

/// Answers come back on the agent's loop.
using AnswerFn = std::function<void(StatusOr<Answer>)>;

/// Posts JSON to orchd's agent listener.
class Transport {
 public:
  virtual ~Transport() = default;
  /// POSTs `body` (JSON text) to `path` (relative to the server URL, no leading '/'), presenting
  /// `credential`; `done` gets the answer, or Unavailable when orchd cannot be reached (the
  /// message says why: refused, TLS verification, timeout).
  virtual void Post(const std::string& path, const std::string& body, const Credential& credential,
                    AnswerFn done) = 0;
  /// Closes every idle connection (after a credential changes, or to free resources).
  virtual void CloseIdle() = 0;
};

}  // namespace orch::agent
