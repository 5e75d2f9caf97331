#include "common/status.h"

#include <string>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch {
namespace {

StatusOr<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgumentError("odd: " + std::to_string(n));
  return n / 2;
}

Status Quarter(int n, int* out) {
  ORCH_ASSIGN_OR_RETURN(int half, Half(n));
  ORCH_ASSIGN_OR_RETURN(*out, Half(half));
  return Status::Ok();
}

TEST(StatusTest, DefaultIsOk) {
  // Given a default Status, it reports ok and prints OK.
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, InsufficientStorageIsItsOwnCode) {
  // Given a full disk, the code is told apart from an overload's and named in ToString().
  const Status full = InsufficientStorageError("disk full");
  EXPECT_EQ(full.code(), StatusCode::kInsufficientStorage);
  EXPECT_NE(full.code(), ResourceExhaustedError("busy").code());
  EXPECT_EQ(full.ToString(), "INSUFFICIENT_STORAGE: disk full");
}

TEST(StatusTest, ContextPrefixesMessageAndKeepsCode) {
  // Given an error, Context() adds what was being done in front of the message.
  Status s = NotFoundError("no job 7").Context("loading schedule");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "loading schedule: no job 7");
  EXPECT_EQ(s.ToString(), "NOT_FOUND: loading schedule: no job 7");
}

TEST(StatusTest, FieldSurvivesContext) {
  // Given an error about a field, adding context keeps the field name.
  Status s = InvalidArgumentError("must be 1..525600").WithField("Schedule.Interval.Minutes");
  Status c = s.Context("parsing request");
  EXPECT_EQ(c.field(), "Schedule.Interval.Minutes");
  EXPECT_EQ(std::move(c).Context("again").field(), "Schedule.Interval.Minutes");
}

TEST(StatusTest, ContextOnOkStaysOk) {
  // Given ok, Context() leaves it untouched.
  EXPECT_TRUE(Status::Ok().Context("anything").ok());
}

TEST(StatusTest, AssignOrReturnPropagatesFirstError) {
  // Given 6, halving twice fails on the odd 3 and the error reaches the caller unchanged.
  int out = 0;
  Status s = Quarter(6, &out);
  EXPECT_EQ(s, InvalidArgumentError("odd: 3"));
  ASSERT_OK(Quarter(8, &out));
  EXPECT_EQ(out, 2);
}

TEST(StatusTest, StatusOrHoldsValue) {
  // Given a StatusOr built from a value, it is ok and yields the value.
  ASSERT_OK_AND_ASSIGN(int v, Half(10));
  EXPECT_EQ(v, 5);
  EXPECT_FALSE(Half(3).ok());
}

TEST(StatusDeathTest, ReadingTheValueOfAnErrorAbortsNamingTheError) {
  // Given a StatusOr holding an error, reading its value aborts with that error instead of
  // reading memory that holds no value.
  StatusOr<std::string> failed = NotFoundError("no such job: 42");
  EXPECT_DEATH((void)failed->size(), "no such job: 42");
  EXPECT_DEATH((void)*failed, "StatusOr holding an error");
  EXPECT_DEATH((void)std::move(failed).value(), "no such job: 42");
}

TEST(StatusTest, AStatusOrMadeFromAnOkStatusHoldsAnInternalError) {
  // Given the bug of building a StatusOr from an ok Status, it is not ok and says why.
  StatusOr<int> odd = Status();
  EXPECT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), StatusCode::kInternal);
}

int evaluations = 0;

Status CountedFailure() {
  ++evaluations;
  return UnavailableError("disk full");
}

TEST(StatusMatchersTest, AFailingExpectOkEvaluatesItsArgumentOnceAndNamesIt) {
  // Given an expression with a side effect that fails, the assertion runs it once and its
  // message shows the expression and the status.
  evaluations = 0;
  EXPECT_NONFATAL_FAILURE(EXPECT_OK(CountedFailure()), "CountedFailure() is UNAVAILABLE");
  EXPECT_EQ(evaluations, 1);
  EXPECT_FATAL_FAILURE(ASSERT_OK(CountedFailure()), "disk full");
  EXPECT_EQ(evaluations, 2);
}

}  // namespace
}  // namespace orch
