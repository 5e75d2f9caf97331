#include "api/control/certificate_request.h"

#include <gtest/gtest.h>

#include "api/json_body.h"
#include "tests/testing/body_cases.h"
#include "tests/testing/status_matchers.h"

namespace orch::api {
namespace {

using nlohmann::json;
using testing::ExpectFieldErrors;

TEST(CertificateRequestTest, ImportTakesBase64AndAPassword) {
  // Given an import body, its members come back as sent; the limits name their member.
  const json valid = {{"Certificate", "aGVsbG8="}, {"Password", "pw"}};
  ASSERT_OK_AND_ASSIGN(ImportRequest request, ParseImportRequest(valid));
  EXPECT_EQ(request.certificate, "aGVsbG8=");
  EXPECT_EQ(request.password, std::optional<std::string>("pw"));
  ExpectFieldErrors(valid,
                    {{"/Certificate", nullptr, "Certificate"},
                     {"/Certificate", "", "Certificate"},
                     {"/Certificate", 42, "Certificate"},
                     {"/Certificate", std::string(kMaxCertificateBase64 + 1, 'A'), "Certificate"},
                     {"/Password", 5, "Password"},
                     {"/Password", std::string(kMaxTextBytes + 1, 'p'), "Password"}},
                    ParseImportRequest);
  EXPECT_OK(ParseImportRequest({{"Certificate", std::string(kMaxCertificateBase64, 'A')}}));
}

TEST(CertificateRequestTest, CollectionNamesEachBadMember) {
  // Given a collection body, it parses; a bad name, description or query is named.
  const json valid = {
      {"Name", "expiring"}, {"Description", "d"}, {"Query", "IssuedDN -contains \"x\""}};
  ASSERT_OK_AND_ASSIGN(store::CollectionRecord record, ParseCollectionRequest(valid));
  EXPECT_EQ(record.name, "expiring");
  EXPECT_EQ(record.description, "d");
  ExpectFieldErrors(valid,
                    {{"/Name", nullptr, "Name"},
                     {"/Name", std::string(kMaxNameBytes + 1, 'n'), "Name"},
                     {"/Description", std::string(kMaxTextBytes + 1, 'd'), "Description"},
                     {"/Description", 1, "Description"},
                     {"/Query", "Nope -eq 1", "Query"},
                     {"/Query", nullptr, "Query"},
                     {"/Query", "", "Query"},
                     {"/Query", " \t ", "Query"},
                     {"/Query", std::string(kMaxTextBytes + 1, 'q'), "Query"}},
                    ParseCollectionRequest);
}

}  // namespace
}  // namespace orch::api
