#include "tests/e2e/authz_support.h"

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/claims.h"
#include "tests/e2e/db_content.h"
#include "tests/e2e/jobs_e2e_support.h"

namespace orch::e2e {
namespace {

Claims EveryGlobalClaim() {
  return Claims(claims::kAll.begin(), claims::kAll.end());
}

}  // namespace

std::string RolesYaml(const Claims& claims) {
  if (claims.empty()) return "roles: []\n";
  std::string list;
  for (const std::string& claim : claims) list += (list.empty() ? "" : ", ") + claim;
  return "roles:\n  - name: caller\n    users: [\"" + std::to_string(::getuid()) +
         "\"]\n    claims: [" + list + "]\n";
}

void SharedOrchd::Start() {
  harness_.StartOrchd("", RolesYaml(EveryGlobalClaim()));
}

void SharedOrchd::BecomeCaller(const Claims& claims) {
  harness_.Reload("", RolesYaml(claims));
  ASSERT_THAT(harness_.orchd_.process().Log(),
              ::testing::Not(::testing::HasSubstr("reload rejected")));
}

void SharedOrchd::BecomeAdmin() {
  BecomeCaller(EveryGlobalClaim());
}

HttpReply SharedOrchd::Call(const std::string& method, const std::string& target,
                            const nlohmann::json& body) {
  return JsonClient(harness_.orchd_).Call(method, target, body);
}

std::string SharedOrchd::Database() const {
  return DatabaseContent(harness_.orchd_.dir().File("orchd.db"));
}

void ExpectRbacRefusal(const HttpReply& reply, const std::vector<std::string>& missing,
                       const std::string& what) {
  EXPECT_EQ(reply.status, 403) << what << ": " << reply.body;
  const nlohmann::json body = reply.Json();
  EXPECT_EQ(body.value("errorCode", ""), "RBAC_COMMON_ERROR") << what << ": " << reply.body;
  const std::string message = body.value("errorMessage", "");
  bool names_one = false;
  for (const std::string& claim : missing)
    names_one = names_one || message.find(claim) != std::string::npos;
  EXPECT_TRUE(names_one) << what
                         << ": the message names none of the missing claims: " << reply.body;
}

}  // namespace orch::e2e
