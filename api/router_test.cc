#include "api/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/fake_clock.h"

namespace orch::api {
namespace {

Request MakeRequest(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

// Runs the router and returns the reply it produced synchronously.
Response Call(Router& router, Request request) {
  Response out;
  int calls = 0;
  router.Handle(std::move(request), [&](Response r) {
    out = std::move(r);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  return out;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : router_({"/KeyfactorAPI"}) {
    router_.Add("GET", "/Agents/{id}", [](const Request&, const PathParams& p) {
      Response r;
      r.body = "agent " + p.at(0);
      return r;
    });
    router_.Add("POST", "/Agents/Approve", [](const Request&, const PathParams&) {
      Response r;
      r.status = 204;
      return r;
    });
  }
  Router router_;
};

TEST_F(RouterTest, MatchesParamsCaseInsensitively) {
  // Given a pattern with a parameter, a lowercase path still matches and yields the value.
  Response r = Call(router_, MakeRequest("GET", "/agents/abc"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "agent abc");
}

TEST_F(RouterTest, AcceptsOptionalPrefix) {
  // Given the /KeyfactorAPI prefix, the same route answers.
  EXPECT_EQ(Call(router_, MakeRequest("POST", "/KeyfactorAPI/Agents/Approve")).status, 204);
  // A prefix that is only a prefix of a segment does not count.
  EXPECT_EQ(Call(router_, MakeRequest("POST", "/KeyfactorAPIx/Agents/Approve")).status, 404);
}

TEST_F(RouterTest, ListsItsRoutesInOrderWithoutThePrefixes) {
  // Given two routes and a prefix, the listing holds each method and pattern as added.
  const std::vector<Router::RouteInfo> routes = router_.Routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].method, "GET");
  EXPECT_EQ(routes[0].pattern, "/Agents/{id}");
  EXPECT_EQ(routes[1].method, "POST");
  EXPECT_EQ(routes[1].pattern, "/Agents/Approve");
  EXPECT_EQ(router_.prefixes(), std::vector<std::string>{"/KeyfactorAPI"});
  // Doubled and trailing slashes are read as the matching reads them.
  Router other;
  other.Add("PUT", "//A//{x}/", [](const Request&, const PathParams&) { return Response{}; });
  ASSERT_EQ(other.Routes().size(), 1u);
  EXPECT_EQ(other.Routes()[0].pattern, "/A/{x}");
  EXPECT_TRUE(other.prefixes().empty());
}

TEST_F(RouterTest, UnknownPathIs404ErrorBody) {
  // Given a path no route knows, the reply is a 404 ErrorBody.
  Response r = Call(router_, MakeRequest("GET", "/Nope"));
  EXPECT_EQ(r.status, 404);
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["errorCode"], "API_ERROR");
  EXPECT_TRUE(body["errorDetails"].is_object());
  EXPECT_NE(body["errorMessage"].get<std::string>().find("/Nope"), std::string::npos);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  // Given a known path with another method, the reply is 405 and lists the allowed method.
  Response r = Call(router_, MakeRequest("DELETE", "/Agents/abc"));
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET");
  EXPECT_EQ(nlohmann::json::parse(r.body)["errorCode"], "API_ERROR");
}

TEST_F(RouterTest, AnActionPathWithAnotherMethodIs405NotAParameter) {
  // Given /Agents/Approve (POST) and /Agents/{id} (GET), a GET of /Agents/Approve is the action's
  // path with the wrong method, not an agent named "Approve".
  Response r = Call(router_, MakeRequest("GET", "/Agents/Approve"));
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "POST");
  // Another value in that place is still a parameter.
  EXPECT_EQ(Call(router_, MakeRequest("GET", "/Agents/Approved")).body, "agent Approved");
}

TEST_F(RouterTest, ThrowingRouteAnswersOnce500) {
  // Given a route that throws, the client gets one 500 ErrorBody without internals.
  router_.Add("GET", "/Boom", [](const Request&, const PathParams&) -> Response {
    throw std::runtime_error("secret detail");
  });
  Response r = Call(router_, MakeRequest("GET", "/Boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(r.body)["errorCode"], "INTERNAL_SERVER_ERROR");
}

TEST_F(RouterTest, CountsEachReplyUnderItsRouteWithItsDuration) {
  // Given an observed router with a route that answers later, after 250 ms.
  FakeClock clock;
  RequestMetrics metrics(clock);
  ReplyFn parked;
  router_.AddAsync("POST", "/Jobs/Poll",
                   [&](const Request&, const PathParams&, ReplyFn reply) { parked = reply; });
  router_.Observe(&metrics, "agent");
  Call(router_, MakeRequest("GET", "/Agents/a"));
  Call(router_, MakeRequest("GET", "/KeyfactorAPI/Agents/b"));
  Call(router_, MakeRequest("GET", "/Nowhere/x/y"));
  Call(router_, MakeRequest("DELETE", "/Agents/Approve"));
  int replies = 0;
  router_.Handle(MakeRequest("POST", "/Jobs/Poll"), [&](Response) { ++replies; });
  clock.Advance(std::chrono::milliseconds(250));
  Response late;
  late.status = 202;
  parked(late);
  ASSERT_EQ(replies, 1);

  // Then each route counts its replies by status, unknown paths fall under one label, and the
  // parked request's duration is the time it waited.
  RequestMetrics::Series& agent = metrics.SeriesFor("agent", "GET /Agents/{id}");
  EXPECT_EQ(agent.codes, (std::map<int, uint64_t>{{200, 2}}));
  EXPECT_EQ(agent.durations.count(), 2u);
  RequestMetrics::Series& unmatched = metrics.SeriesFor("agent", RequestMetrics::kUnmatched);
  EXPECT_EQ(unmatched.codes, (std::map<int, uint64_t>{{404, 1}, {405, 1}}));
  RequestMetrics::Series& poll = metrics.SeriesFor("agent", "POST /Jobs/Poll");
  EXPECT_EQ(poll.codes, (std::map<int, uint64_t>{{202, 1}}));
  EXPECT_DOUBLE_EQ(poll.durations.sum(), 0.25);

  metrics::TextWriter out;
  metrics.Write(out);
  const std::string text = out.Take();
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "orchd_http_requests_total{listener=\"agent\",route=\"GET "
                        "/Agents/{id}\",code=\"200\"} 2\n"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "orchd_http_request_duration_seconds_count{listener=\"agent\",route="
                        "\"POST /Jobs/Poll\"} 1\n"));
  // A route never called has no histogram to show.
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("POST /Agents/Approve\"}")));
}

TEST_F(RouterTest, CountsNothingWhenNotObserved) {
  FakeClock clock;
  RequestMetrics metrics(clock);
  router_.Observe(&metrics, "control");
  router_.Observe(nullptr, "control");
  EXPECT_EQ(Call(router_, MakeRequest("GET", "/Agents/a")).status, 200);
  EXPECT_TRUE(metrics.SeriesFor("control", "GET /Agents/{id}").codes.empty());
}

}  // namespace
}  // namespace orch::api
