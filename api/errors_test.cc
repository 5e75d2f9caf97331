#include "api/errors.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace orch::api {
namespace {

struct Case {
  Status status;
  int http;
  const char* code;
};

TEST(ErrorsTest, EachStatusCodeMapsToItsErrorBody) {
  // Given each kind of failure, the reply carries SPEC §13's HTTP status and errorCode.
  const Case cases[] = {
      {InvalidArgumentError("bad").WithField("Schedule"), 400, "FIELD_ERROR"},
      {FailedPreconditionError("rule"), 400, "VALIDATION_ERROR"},
      {AlreadyExistsError("dup"), 409, "VALIDATION_ERROR"},
      {NotFoundError("gone"), 404, "API_ERROR"},
      {PermissionDeniedError("claim"), 403, "RBAC_COMMON_ERROR"},
      {UnauthenticatedError("who"), 401, "SECURITY_ERROR"},
      {ResourceExhaustedError("too many queued"), 503, "RESOURCE_EXHAUSTED"},
      {UnavailableError("shutting down"), 503, "RESOURCE_EXHAUSTED"},
      {InsufficientStorageError("disk full"), 507, "RESOURCE_EXHAUSTED"},
      {InternalError("sql detail"), 500, "INTERNAL_SERVER_ERROR"},
  };
  for (const Case& c : cases) {
    Response r = StatusToResponse(c.status);
    EXPECT_EQ(r.status, c.http) << c.code;
    auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["errorCode"], c.code);
    EXPECT_TRUE(body.contains("errorDetails"));
  }
}

TEST(ErrorsTest, FullOrReadOnlyStoreKeepsItsMessage) {
  // Given a write refused by a full or read-only disk, 507 carries the message naming the file.
  Response r = StatusToResponse(InsufficientStorageError("read-only: database /d/x.db"));
  EXPECT_EQ(r.status, 507);
  EXPECT_EQ(nlohmann::json::parse(r.body)["errorMessage"], "read-only: database /d/x.db");
}

TEST(ErrorsTest, FieldErrorNamesField) {
  // Given a field error, errorDetails.field names the field.
  Response r =
      StatusToResponse(InvalidArgumentError("too big").WithField("Schedule.Interval.Minutes"));
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["errorDetails"]["field"], "Schedule.Interval.Minutes");
  EXPECT_EQ(body["errorMessage"], "too big");
}

TEST(ErrorsTest, InternalErrorHidesDetail) {
  // Given an internal error, the message does not leak its detail.
  Response r = StatusToResponse(InternalError("no such table: jobs"));
  EXPECT_EQ(r.body.find("jobs"), std::string::npos);
}

TEST(ErrorsTest, InvalidUtf8InMessageDoesNotThrow) {
  // Given a message with invalid UTF-8 echoed from a client, the body is still produced.
  Response r = ErrorResponse(400, "FIELD_ERROR", std::string("bad \xff\xfe value"));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(nlohmann::json::accept(r.body)) << r.body;
}

}  // namespace
}  // namespace orch::api
