// End-to-end support for the agent tests: a real orchd with its agent listener on a free
// loopback port over real TLS, and clients for both of its sockets.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pki/test_keys.h"
#include "tests/e2e/harness.h"
#include "tests/testing/tls_client.h"

namespace orch::e2e {

using nlohmann::json;

/// A key and certificate written to files, for presenting as an agent's client certificate.
struct AgentCredential {
  std::string cert_der;
  std::string cert_file;
  std::string key_file;
};

/// An enrolled agent, its client certificate and the token of a session it opened.
struct EnrolledAgent {
  std::string id;
  std::string machine;
  AgentCredential credential;
  std::string token;
};

/// A new key and its CSR (DER).
struct KeyAndCsr {
  pki::testing::TestKey key;
  std::string csr_der;
};

/// A real orchd with its agent listener, and clients for both of its sockets. Usable from a
/// test fixture (AgentsE2E) or shared by a whole suite (one static instance).
class AgentsHarness {
 public:
  /// Writes the configuration (`agents_extra` lines go under `agents:`, `top_extra` at top
  /// level) and starts orchd; then reads the agent listener's port from GET /Status.
  void StartOrchd(const std::string& agents_extra = "", const std::string& top_extra = "",
                  const std::string& listen = "127.0.0.1:0");
  /// Rewrites the configuration and sends SIGHUP; waits until the reload was applied.
  void Reload(const std::string& agents_extra, const std::string& top_extra);

  /// A control-socket call; the parsed JSON body (null when none) and status.
  std::pair<int, json> Control(const std::string& method, const std::string& target,
                               const std::string& body = "");
  /// The x-total-count of a control list call.
  std::string TotalCount(const std::string& target);

  /// A new TLS connection to the agent listener, presenting `credential` when given.
  StatusOr<testing::TlsClient> AgentConnection(const AgentCredential* credential = nullptr);
  /// One agent-listener POST on a new connection.
  StatusOr<testing::TlsReply> AgentPost(const std::string& path, const json& body,
                                        const std::vector<std::string>& headers = {},
                                        const AgentCredential* credential = nullptr);
  /// The same with a body sent byte for byte.
  StatusOr<testing::TlsReply> AgentPostRaw(const std::string& path, const std::string& body,
                                           const std::vector<std::string>& headers = {},
                                           const AgentCredential* credential = nullptr);

  /// Creates an agent secret; answers {name, value}.
  std::pair<std::string, std::string> CreateSecret(const std::string& name);
  /// A new P-256 key and its CSR.
  static KeyAndCsr NewKeyAndCsr(
      pki::testing::TestKeyType type = pki::testing::TestKeyType::kEcP256);
  /// A Session/Register body.
  static json RegisterBody(const std::string& agent_id, const std::string& machine,
                           const std::optional<std::string>& csr_der,
                           const std::string& registration_request = "");
  /// Writes the certificate of a registration answer and `key` to files under `name`.
  AgentCredential SaveCredential(const json& answer, const pki::testing::TestKey& key,
                                 const std::string& name);
  /// Registers a new agent with a secret and a CSR and saves its credential; answers its id.
  std::string EnrollAgent(const std::pair<std::string, std::string>& secret,
                          const std::string& machine, AgentCredential* credential,
                          const json& capabilities = json::array());
  /// Registers `agent` again by its client certificate (no CSR); answers the session token,
  /// or "" when the registration is refused.
  std::string OpenSession(const EnrolledAgent& agent);
  /// Imports the certificate `cert_der` and creates `stores` PEM stores ("host0", "host1",
  /// ...) served by the Default Agent Pool: the targets of load tests' Adds. Fills
  /// certificate_id_ and stores_.
  void CreatePoolTargets(const std::string& cert_der, int stores);
  /// The agent as GET /Agents/{id} shows it.
  json GetAgent(const std::string& id);
  /// Exit code of `openssl verify -CAfile <ca> <cert_file>`, with its output in `output`.
  int OpensslVerify(const std::string& cert_file, std::string* output);

  std::string CaFile() const { return orchd_.dir().File("ca.crt"); }

  OrchdFixture orchd_;
  uint16_t agent_port_ = 0;
  /// False before StartOrchd(): the agent listener serves plain HTTP (`agents.tls: off`).
  bool agent_tls_ = true;
  /// Lines under `control:` after its socket, set before StartOrchd().
  std::string control_extra_;
  /// What CreatePoolTargets() created.
  int64_t certificate_id_ = 0;
  std::vector<std::string> stores_;
};

/// A fixture that starts its own orchd in each test.
class AgentsE2E : public ::testing::Test, public AgentsHarness {};

}  // namespace orch::e2e
