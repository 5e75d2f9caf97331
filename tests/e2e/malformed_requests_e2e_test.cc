// End-to-end: a catalogue of malformed requests to every control and agent endpoint. Each one
// goes to a real orchd over a real socket, gets the status and errorCode the API documents
// (naming the field where the API names one), and leaves the database exactly as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/db_content.h"
#include "tests/e2e/malformed_requests_support.h"

namespace orch::e2e {
namespace {

using ::testing::HasSubstr;

TEST_P(MalformedRequestsE2E, IsRefusedAndChangesNothing) {
  // Given a running orchd with a secret, a certificate and a store, when the case's request is
  // sent, then it gets the documented refusal and the database does not change.
  const MalformedCase& c = GetParam();
  const std::string db_path = orchd_.dir().File("orchd.db");
  const std::string before = DatabaseContent(db_path);
  ASSERT_NE(before, "");

  testing::TlsReply reply = Send(c);
  const std::string shown = reply.body.substr(0, 400);
  EXPECT_EQ(reply.status, c.status) << shown;
  if (!c.error_code.empty()) {
    const json body = json::parse(reply.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << shown;
    EXPECT_EQ(body.value("errorCode", ""), c.error_code) << shown;
    EXPECT_FALSE(body.value("errorMessage", "").empty()) << shown;
    if (!c.field.empty()) {
      ASSERT_TRUE(body.contains("errorDetails")) << shown;
      EXPECT_EQ(body["errorDetails"].value("field", ""), c.field) << shown;
    }
  }
  if (reply.status == 405) {
    EXPECT_NE(reply.headers.count("allow"), 0u) << "405 without Allow";
  }
  if (reply.status == 401 && c.path == "/KeyfactorAgents/Session/Register") {
    EXPECT_THAT(reply.headers["www-authenticate"], HasSubstr("Basic"));
  }
  if (!c.has.empty()) {
    EXPECT_THAT(reply.body, HasSubstr(c.has));
  }

  EXPECT_EQ(DatabaseContent(db_path), before) << c.name;
  EXPECT_FALSE(orchd_.process().WaitExit(std::chrono::milliseconds(0)).has_value())
      << orchd_.process().Log();
}

std::string CaseName(const ::testing::TestParamInfo<MalformedCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(ControlLists, MalformedRequestsE2E,
                         ::testing::ValuesIn(ControlListCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(ControlPaths, MalformedRequestsE2E,
                         ::testing::ValuesIn(ControlPathCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(ControlBodies, MalformedRequestsE2E,
                         ::testing::ValuesIn(ControlBodyCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(ControlJobs, MalformedRequestsE2E, ::testing::ValuesIn(ControlJobCases()),
                         CaseName);
INSTANTIATE_TEST_SUITE_P(Agent, MalformedRequestsE2E, ::testing::ValuesIn(AgentCases()), CaseName);

}  // namespace
}  // namespace orch::e2e
