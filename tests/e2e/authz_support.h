// End-to-end support for the authorization tests: one orchd shared by a whole suite, callers
// given claims through `roles` and a reload, and the check that a refusal changed nothing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/agents_e2e_support.h"
#include "tests/e2e/harness.h"

namespace orch::e2e {

/// The claims of one caller of the control socket (empty: it holds none).
using Claims = std::vector<std::string>;

/// The YAML `roles` granting exactly `claims` to the uid running the test (`roles: []` when
/// `claims` is empty).
std::string RolesYaml(const Claims& claims);

/// An orchd shared by one test suite; the control caller's claims change by reload.
class SharedOrchd {
 public:
  /// Starts orchd with every claim granted to the test's uid.
  void Start();

  /// Grants exactly `claims` to the test's uid (configuration reload).
  void BecomeCaller(const Claims& claims);
  /// Grants every global claim again.
  void BecomeAdmin();

  /// One control call on a fresh connection (status 0 when the transport failed).
  HttpReply Call(const std::string& method, const std::string& target,
                 const nlohmann::json& body = nullptr);
  /// Every row of the database, for comparing before and after a refused call.
  std::string Database() const;

  AgentsHarness& harness() { return harness_; }

 private:
  AgentsHarness harness_;
};

/// Expects a 403 RBAC_COMMON_ERROR whose message names one of `missing`.
void ExpectRbacRefusal(const HttpReply& reply, const std::vector<std::string>& missing,
                       const std::string& what);

}  // namespace orch::e2e
