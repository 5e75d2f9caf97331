#include "api/control/add_request.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

using nlohmann::json;

json ValidBody() {
  return json::parse(R"({
    "CertificateId": 7,
    "CertificateStores": [
      {"CertificateStoreId": "FDE12AA7-6643-43DB-88E8-5C91C5CE78B3", "Alias": "web.pfx",
       "IncludePrivateKey": true, "PfxPassword": "p", "Overwrite": true,
       "JobFields": {"k": "v"}, "EntryPassword": {"Value": "e"}},
      {"certificatestoreid": "322e12ea-43b2-4aab-80ae-c4ad4569b4e7"}
    ],
    "Schedule": {"Interval": {"Minutes": 30}},
    "CollectionId": 3
  })");
}

TEST(AddRequestTest, ParsesEveryFieldOfTheSeedShape) {
  // Given the seed page's request with mixed-case member names, every field is read.
  ASSERT_OK_AND_ASSIGN(AddRequest add, ParseAddRequest(ValidBody()));
  EXPECT_EQ(add.certificate_id, 7);
  EXPECT_EQ(add.collection_id, std::optional<int64_t>(3));
  ASSERT_EQ(add.targets.size(), 2u);
  const AddTarget& first = add.targets[0];
  EXPECT_EQ(first.store_id, "fde12aa7-6643-43db-88e8-5c91c5ce78b3");
  EXPECT_EQ(first.alias, "web.pfx");
  EXPECT_TRUE(first.include_private_key);
  EXPECT_TRUE(first.overwrite);
  EXPECT_EQ(first.pfx_password, std::optional<std::string>("p"));
  EXPECT_EQ(first.entry_password, std::optional<std::string>("e"));
  EXPECT_EQ(first.job_fields["k"], "v");
  EXPECT_EQ(add.targets[1].alias, "");
  EXPECT_FALSE(add.targets[1].include_private_key);
  EXPECT_EQ(add.schedule, jobs::Schedule{jobs::Interval{30}});
}

TEST(AddRequestTest, EveryInvalidFieldIsNamed) {
  // Given one broken field at a time, the error is InvalidArgument naming that field.
  struct Case {
    std::string pointer;  // JSON pointer of the member to replace
    json value;
    std::string field;
  };
  std::vector<Case> cases = {
      {"/CertificateId", "7", "CertificateId"},
      {"/CertificateId", 0, "CertificateId"},
      {"/CertificateStores", json::array(), "CertificateStores"},
      {"/CertificateStores/1/certificatestoreid", "nope",
       "CertificateStores[1].CertificateStoreId"},
      {"/CertificateStores/0/Overwrite", "yes", "CertificateStores[0].Overwrite"},
      {"/CertificateStores/0/JobFields", json::array(), "CertificateStores[0].JobFields"},
      {"/CertificateStores/0/PfxPassword", 5, "CertificateStores[0].PfxPassword"},
      {"/Schedule", json::object(), "Schedule"},
      {"/Schedule", {{"Immediate", true}, {"Interval", {{"Minutes", 5}}}}, "Schedule"},
      {"/Schedule", {{"Interval", {{"Minutes", 0}}}}, "Schedule.Interval.Minutes"},
      {"/Schedule", {{"Interval", {{"Minutes", 525601}}}}, "Schedule.Interval.Minutes"},
      {"/Schedule",
       {{"Weekly", {{"Days", json::array()}, {"Time", "2027-01-01T10:00:00Z"}}}},
       "Schedule.Weekly.Days"},
      {"/Schedule",
       {{"Weekly", {{"Days", {1, 1}}, {"Time", "2027-01-01T10:00:00Z"}}}},
       "Schedule.Weekly.Days"},
      {"/Schedule",
       {{"Weekly", {{"Days", {7}}, {"Time", "2027-01-01T10:00:00Z"}}}},
       "Schedule.Weekly.Days"},
      {"/Schedule",
       {{"Monthly", {{"Day", 32}, {"Time", "2027-01-01T10:00:00Z"}}}},
       "Schedule.Monthly.Day"},
      {"/Schedule", {{"Daily", {{"Time", "25:00"}}}}, "Schedule.Daily.Time"},
      {"/Schedule",
       {{"Daily", {{"Time", "2027-01-01T10:00:00Z"}, {"TimeZone", "Mars/Base"}}}},
       "Schedule.Daily.TimeZone"},
      {"/CollectionId", "3", "CollectionId"},
      {"/CollectionId", 0, "CollectionId"},
      {"/CertificateId", int64_t{1} << 53, "CertificateId"},
      {"/CertificateStores/0/Alias", std::string(256, 'a'), "CertificateStores[0].Alias"},
      {"/CertificateStores/0/JobFields",
       {{"k", std::string(4097, 'v')}},
       "CertificateStores[0].JobFields.k"},
      {"/CertificateStores/0/EntryPassword", std::string(4097, 'p'),
       "CertificateStores[0].EntryPassword"},
      {"/CertificateStores/0/PfxPassword",
       {{"Value", std::string(4097, 'p')}},
       "CertificateStores[0].PfxPassword.Value"},
  };
  for (const Case& c : cases) {
    json body = ValidBody();
    body[json::json_pointer(c.pointer)] = c.value;
    StatusOr<AddRequest> parsed = ParseAddRequest(body);
    ASSERT_FALSE(parsed.ok()) << c.pointer << " = " << c.value.dump();
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(parsed.status().field(), c.field) << parsed.status().message();
  }
}

TEST(AddRequestTest, MissingMembersAreNamed) {
  // Given a body without each required member in turn, the missing member is named.
  for (const std::string member : {"CertificateId", "CertificateStores", "Schedule"}) {
    json body = ValidBody();
    body.erase(member);
    StatusOr<AddRequest> parsed = ParseAddRequest(body);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().field(), member);
  }
  EXPECT_EQ(ParseAddRequest(json::array()).status().field(), "body");
}

TEST(AddRequestTest, CleanseSecretsWipesPasswords) {
  // Given a parsed request with passwords, CleanseSecrets leaves them empty.
  ASSERT_OK_AND_ASSIGN(AddRequest add, ParseAddRequest(ValidBody()));
  CleanseSecrets(add);
  EXPECT_EQ(add.targets[0].pfx_password, std::optional<std::string>(""));
  EXPECT_EQ(add.targets[0].entry_password, std::optional<std::string>(""));
}

}  // namespace
}  // namespace orch::api
