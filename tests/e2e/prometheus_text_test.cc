// The checker of the Prometheus text exposition format that GET /metrics answers are read with.
#include "tests/e2e/prometheus_text.h"

#include <cmath>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace orch::e2e::prometheus {
namespace {

using testing::Contains;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::Pair;

std::vector<std::string> Faults(std::string_view text) {
  return Parse(text).faults;
}

// A fault mentioning `text`.
auto Mentions(const std::string& text) {
  return Contains(HasSubstr(text));
}

constexpr std::string_view kValid =
    "# A plain comment.\n"
    "# HELP orchd_http_requests_total HTTP requests answered.\\nBy listener \\\\ status.\n"
    "# TYPE orchd_http_requests_total counter\n"
    "orchd_http_requests_total{listener=\"control\",status=\"200\"} 1027\n"
    "orchd_http_requests_total{listener=\"control\",status=\"404\"} 3\n"
    "orchd_http_requests_total{listener=\"agent\",status=\"200\"} 5e3 1700000000000\n"
    "orchd_http_requests_total{listener=\"agent\",status=\"a\\\"b\\\\c\\nd\",} 0\n"
    "\n"
    "# HELP orchd_agents_connected Agents with a session.\n"
    "# TYPE orchd_agents_connected gauge\n"
    "orchd_agents_connected -2.5\n"
    "# TYPE orchd_request_seconds histogram\n"
    "orchd_request_seconds_bucket{listener=\"control\",le=\"0.005\"} 2\n"
    "orchd_request_seconds_bucket{listener=\"control\",le=\"0.1\"} 7\n"
    "orchd_request_seconds_bucket{listener=\"control\",le=\"+Inf\"} 9\n"
    "orchd_request_seconds_sum{listener=\"control\"} 1.25\n"
    "orchd_request_seconds_count{listener=\"control\"} 9\n"
    "orchd_request_seconds_bucket{le=\"0.005\",listener=\"agent\"} 0\n"
    "orchd_request_seconds_bucket{le=\"0.1\",listener=\"agent\"} 0\n"
    "orchd_request_seconds_bucket{le=\"+Inf\",listener=\"agent\"} 1\n"
    "orchd_request_seconds_sum{listener=\"agent\"} 3\n"
    "orchd_request_seconds_count{listener=\"agent\"} 1\n"
    "# TYPE orchd_poll_seconds summary\n"
    "orchd_poll_seconds{quantile=\"0.5\"} NaN\n"
    "orchd_poll_seconds{quantile=\"0.99\"} +Inf\n"
    "orchd_poll_seconds_sum 0\n"
    "orchd_poll_seconds_count 0\n"
    "# TYPE orchd_build_info untyped\n"
    "orchd_build_info{version=\"1.0\"} 1\n";

TEST(PrometheusText, ReadsAValidExposition) {
  // Given a counter with labels, a gauge, a histogram with two label sets, a summary and an
  // untyped family, there is no fault and everything is read back, escapes undone.
  const Exposition e = Parse(kValid);
  EXPECT_THAT(e.faults, IsEmpty());
  ASSERT_EQ(e.families.size(), 5u);

  const Family& requests = e.families[0];
  EXPECT_EQ(requests.name, "orchd_http_requests_total");
  EXPECT_EQ(requests.type, "counter");
  EXPECT_EQ(requests.help, "HTTP requests answered.\nBy listener \\ status.");
  ASSERT_EQ(requests.samples.size(), 4u);
  EXPECT_EQ(requests.samples[0].name, "orchd_http_requests_total");
  EXPECT_THAT(requests.samples[0].labels,
              ElementsAre(Pair("listener", "control"), Pair("status", "200")));
  EXPECT_EQ(requests.samples[0].value, 1027);
  EXPECT_EQ(requests.samples[2].value, 5000);
  EXPECT_THAT(requests.samples[3].labels,
              ElementsAre(Pair("listener", "agent"), Pair("status", "a\"b\\c\nd")));

  const Family& agents = e.families[1];
  EXPECT_EQ(agents.name, "orchd_agents_connected");
  EXPECT_EQ(agents.type, "gauge");
  EXPECT_EQ(agents.help, "Agents with a session.");
  ASSERT_EQ(agents.samples.size(), 1u);
  EXPECT_EQ(agents.samples[0].value, -2.5);

  const Family& seconds = e.families[2];
  EXPECT_EQ(seconds.name, "orchd_request_seconds");
  EXPECT_EQ(seconds.type, "histogram");
  EXPECT_EQ(seconds.help, "");
  EXPECT_EQ(seconds.samples.size(), 10u);
  EXPECT_EQ(seconds.samples[2].labels[1].second, "+Inf");

  const Family& poll = e.families[3];
  EXPECT_EQ(poll.type, "summary");
  ASSERT_EQ(poll.samples.size(), 4u);
  EXPECT_TRUE(std::isnan(poll.samples[0].value));
  EXPECT_TRUE(std::isinf(poll.samples[1].value) && poll.samples[1].value > 0);

  EXPECT_EQ(e.families[4].type, "untyped");
}

TEST(PrometheusText, ValueFindsTheOneMatchingSample) {
  // Given labels that pick one sample, its value; none or several matching give nullopt.
  const Exposition e = Parse(kValid);
  EXPECT_EQ(Value(e, "orchd_agents_connected"), -2.5);
  EXPECT_EQ(Value(e, "orchd_http_requests_total", {{"listener", "control"}, {"status", "404"}}), 3);
  EXPECT_EQ(Value(e, "orchd_http_requests_total", {{"status", "404"}}), 3);
  EXPECT_EQ(Value(e, "orchd_http_requests_total", {{"status", "a\"b\\c\nd"}}), 0);
  EXPECT_EQ(Value(e, "orchd_request_seconds_count", {{"listener", "agent"}}), 1);
  EXPECT_EQ(Value(e, "orchd_request_seconds_bucket", {{"listener", "control"}, {"le", "0.1"}}), 7);
  EXPECT_EQ(Value(e, "orchd_http_requests_total", {{"listener", "control"}}), std::nullopt);
  EXPECT_EQ(Value(e, "orchd_http_requests_total", {{"status", "500"}}), std::nullopt);
  EXPECT_EQ(Value(e, "orchd_missing_total"), std::nullopt);
  EXPECT_EQ(Value(e, "orchd_request_seconds"), std::nullopt);
}

TEST(PrometheusText, SumAddsEveryMatchingSample) {
  // Given labels that several samples have, the sum of their values; 0 when none has them.
  const Exposition e = Parse(kValid);
  EXPECT_EQ(Sum(e, "orchd_http_requests_total"), 1027 + 3 + 5000 + 0);
  EXPECT_EQ(Sum(e, "orchd_http_requests_total", {{"listener", "control"}}), 1030);
  EXPECT_EQ(Sum(e, "orchd_http_requests_total", {{"status", "200"}}), 6027);
  EXPECT_EQ(Sum(e, "orchd_request_seconds_count"), 10);
  EXPECT_EQ(Sum(e, "orchd_http_requests_total", {{"listener", "none"}}), 0);
  EXPECT_EQ(Sum(e, "orchd_missing_total"), 0);
}

TEST(PrometheusText, AnEmptyExpositionIsValid) {
  EXPECT_THAT(Faults(""), IsEmpty());
  EXPECT_THAT(Faults("\n\n# only a comment\n"), IsEmpty());
}

TEST(PrometheusText, LinesEndWithNewlineOnly) {
  // Given a last line with no "\n" or a "\r\n" line end, each is a fault naming its line.
  EXPECT_THAT(Faults("# TYPE a gauge\na 1"), ElementsAre("line 2: the last line does not end "
                                                         "with \"\\n\""));
  EXPECT_THAT(Faults("# TYPE a gauge\r\na 1\n"), ElementsAre(HasSubstr("line 1: a carriage")));
  EXPECT_THAT(Faults("# TYPE a gauge\na 1\r\n"), ElementsAre(HasSubstr("line 2: a carriage")));
}

TEST(PrometheusText, TextIsUtf8) {
  // Given a stray byte, an overlong form or a surrogate, the line is not UTF-8; é and 🙂 are.
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"\xff\"} 1\n"), Mentions("line 2: invalid UTF-8"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"\xc0\xaf\"} 1\n"), Mentions("invalid UTF-8"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"\xed\xa0\x80\"} 1\n"), Mentions("invalid UTF-8"));
  EXPECT_THAT(Faults("# HELP a caf\xc3\xa9 \xf0\x9f\x99\x82\n# TYPE a gauge\na 1\n"), IsEmpty());
}

TEST(PrometheusText, MetricNames) {
  // Given a name that does not match [a-zA-Z_:][a-zA-Z0-9_:]*, in a sample or a comment.
  EXPECT_THAT(Faults("# TYPE a:b_c gauge\na:b_c 1\n"), IsEmpty());
  EXPECT_THAT(Faults("1a 1\n"), Mentions("invalid metric name \"1a\""));
  EXPECT_THAT(Faults("a-b 1\n"), Mentions("invalid metric name \"a-b\""));
  EXPECT_THAT(Faults("# TYPE a.b gauge\n"), Mentions("invalid metric name \"a.b\" in # TYPE"));
  EXPECT_THAT(Faults("# HELP 9 nine\n"), Mentions("invalid metric name \"9\" in # HELP"));
  EXPECT_THAT(Faults("# TYPE\n"), Mentions("# TYPE without a metric name"));
}

TEST(PrometheusText, LabelNames) {
  // Given a label name that does not match [a-zA-Z_][a-zA-Z0-9_]* or starts with __.
  EXPECT_THAT(Faults("# TYPE a gauge\na{_x=\"1\",X9=\"2\"} 1\n"), IsEmpty());
  EXPECT_THAT(Faults("# TYPE a gauge\na{9x=\"1\"} 1\n"), Mentions("invalid label name \"9x\""));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x:y=\"1\"} 1\n"), Mentions("invalid label name \"x:y\""));
  EXPECT_THAT(Faults("# TYPE a gauge\na{__x=\"1\"} 1\n"), Mentions("reserved __"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{=\"1\"} 1\n"), Mentions("a label name expected"));
}

TEST(PrometheusText, HelpEscapes) {
  // Given a # HELP with an escape other than \\ and \n, or a lone backslash at its end.
  EXPECT_THAT(Faults("# HELP a tab\\there\n# TYPE a gauge\n"),
              ElementsAre("line 1: invalid escape \"\\t\" in # HELP (only \\\\ and \\n)"));
  EXPECT_THAT(Faults("# HELP a quote \\\"\n# TYPE a gauge\n"), Mentions("invalid escape"));
  EXPECT_THAT(Faults("# HELP a end\\\n# TYPE a gauge\n"), Mentions("lone backslash"));
}

TEST(PrometheusText, TypeNames) {
  // Given a type other than the five, or in capitals, or followed by more text.
  EXPECT_THAT(Faults("# TYPE a gaugee\na 1\n"), Mentions("line 1: unknown type \"gaugee\""));
  EXPECT_THAT(Faults("# TYPE a GAUGE\na 1\n"), Mentions("unknown type \"GAUGE\""));
  EXPECT_THAT(Faults("# TYPE a\na 1\n"), Mentions("unknown type \"\""));
  EXPECT_THAT(Faults("# TYPE a gauge extra\na 1\n"), Mentions("unexpected text after the type"));
}

TEST(PrometheusText, AtMostOneHelpAndOneType) {
  EXPECT_THAT(Faults("# HELP a x\n# HELP a y\n# TYPE a gauge\na 1\n"),
              Mentions("line 2: a second # HELP for a"));
  EXPECT_THAT(Faults("# TYPE a gauge\n# TYPE a gauge\na 1\n"),
              Mentions("line 2: a second # TYPE for a"));
}

TEST(PrometheusText, HelpAndTypeComeBeforeTheSamples) {
  // Given a # TYPE or # HELP after the family's first sample.
  EXPECT_THAT(Faults("a 1\n# TYPE a gauge\n"), Mentions("line 2: # TYPE for a after its samples"));
  EXPECT_THAT(Faults("# TYPE a gauge\na 1\n# HELP a late\n"),
              Mentions("line 3: # HELP for a after its samples"));
}

TEST(PrometheusText, EverySampleHasATypedFamily) {
  // Given samples with no # TYPE (even with a # HELP), one fault per family.
  EXPECT_THAT(Faults("a 1\n"), ElementsAre("line 1: no # TYPE for a"));
  EXPECT_THAT(Faults("# HELP a x\na{x=\"1\"} 1\na{x=\"2\"} 1\n"),
              ElementsAre("line 2: no # TYPE for a"));
  const Exposition e = Parse("b_total 1\n");
  ASSERT_EQ(e.families.size(), 1u);
  EXPECT_EQ(e.families[0].type, "untyped");
  EXPECT_EQ(Value(e, "b_total"), 1);
}

TEST(PrometheusText, AFamilysLinesAreContiguous) {
  // Given a family's samples, or its # HELP, after another family's lines.
  EXPECT_THAT(Faults("# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\n"),
              Mentions("line 3: a appears again after other families"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"1\"} 1\n# TYPE b gauge\nb 1\na{x=\"2\"} 1\n"),
              Mentions("line 5: a appears again"));
  EXPECT_THAT(Faults("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a x\n"),
              Mentions("line 5: a appears again"));
  // Plain comments and empty lines between a family's lines do not break it.
  EXPECT_THAT(Faults("# TYPE a gauge\n\n# note\na{x=\"1\"} 1\n\na{x=\"2\"} 1\n"), IsEmpty());
}

TEST(PrometheusText, LabelValueEscapes) {
  // Given an escape other than \\, \" and \n, or a value with no closing quote.
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"\\t\"} 1\n"),
              Mentions("line 2: invalid escape \"\\t\" in the value of label x"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"\\u00e9\"} 1\n"), Mentions("invalid escape \"\\u\""));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"abc} 1\n"), Mentions("unterminated value of label x"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"abc\\\"} 1\n"), Mentions("unterminated value"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=abc} 1\n"), Mentions("a quoted value expected"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x} 1\n"), Mentions("\"=\" expected after label x"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"1\" y=\"2\"} 1\n"),
              Mentions("\",\" or \"}\" expected"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"1\"\n"), Mentions("\",\" or \"}\" expected"));
}

TEST(PrometheusText, TrailingCommaAndEmptyBracesAreAccepted) {
  const Exposition e = Parse("# TYPE a gauge\na{x=\"1\",} 1\na{} 2\n");
  EXPECT_THAT(e.faults, IsEmpty());
  EXPECT_EQ(Value(e, "a", {{"x", "1"}}), 1);
  EXPECT_EQ(Value(e, "a"), std::nullopt);  // both match
  ASSERT_EQ(e.families.size(), 1u);
  EXPECT_THAT(e.families[0].samples[0].labels, ElementsAre(Pair("x", "1")));
  EXPECT_THAT(e.families[0].samples[1].labels, IsEmpty());
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"1\",,} 1\n"), Mentions("a label name expected"));
}

TEST(PrometheusText, NoDuplicateLabelNames) {
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n"),
              Mentions("line 2: duplicate label name \"x\" in a"));
}

TEST(PrometheusText, Values) {
  // Given Go-style floats, they are read; anything else is a fault.
  const Exposition e = Parse(
      "# TYPE a gauge\n"
      "a{v=\"1\"} -Inf\n"
      "a{v=\"2\"} 1.5e-3\n"
      "a{v=\"3\"} .5\n"
      "a{v=\"4\"} -7.\n"
      "a{v=\"5\"} +3E+2\n"
      "a{v=\"6\"} 1e-400\n");
  EXPECT_THAT(e.faults, IsEmpty());
  EXPECT_EQ(Value(e, "a", {{"v", "1"}}), -HUGE_VAL);
  EXPECT_EQ(Value(e, "a", {{"v", "2"}}), 1.5e-3);
  EXPECT_EQ(Value(e, "a", {{"v", "3"}}), 0.5);
  EXPECT_EQ(Value(e, "a", {{"v", "4"}}), -7);
  EXPECT_EQ(Value(e, "a", {{"v", "5"}}), 300);
  EXPECT_EQ(Value(e, "a", {{"v", "6"}}), 0);
  for (const char* value :
       {"1,5", "abc", "0x10", "1_000", "1e", "e5", ".", "+NaN", "1e999", "--1", "1.2.3", "Infx"}) {
    SCOPED_TRACE(value);
    EXPECT_THAT(Faults("# TYPE a gauge\na " + std::string(value) + "\n"),
                ElementsAre("line 2: invalid value \"" + std::string(value) + "\""));
  }
  EXPECT_THAT(Faults("# TYPE a gauge\na\n"), Mentions("no blank before the value of a"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{}1\n"), Mentions("no blank before the value of a"));
  EXPECT_THAT(Faults("# TYPE a gauge\na \n"), Mentions("no value for a"));
}

TEST(PrometheusText, Timestamps) {
  // Given an optional int64 timestamp in milliseconds; a float or out of range one is a fault.
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"1\"} 1 1700000000000\na{x=\"2\"} 1 -5\n"), IsEmpty());
  EXPECT_THAT(Faults("# TYPE a gauge\na 1 9223372036854775807\n"), IsEmpty());
  EXPECT_THAT(Faults("# TYPE a gauge\na 1 1.5\n"), Mentions("invalid timestamp \"1.5\""));
  EXPECT_THAT(Faults("# TYPE a gauge\na 1 9223372036854775808\n"), Mentions("invalid timestamp"));
  EXPECT_THAT(Faults("# TYPE a gauge\na 1 +-5\n"), Mentions("invalid timestamp"));
  EXPECT_THAT(Faults("# TYPE a gauge\na 1 2 3\n"), Mentions("unexpected text after the sample"));
}

TEST(PrometheusText, NoDuplicateSeries) {
  // Given the same name and label set twice, in any label order.
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n"),
              Mentions("line 3: duplicate series a{y=\"2\",x=\"1\"}"));
  EXPECT_THAT(Faults("# TYPE a gauge\na 1\na 2\n"), Mentions("line 3: duplicate series a"));
  EXPECT_THAT(Faults("# TYPE a gauge\na{x=\"1\"} 1\na{x=\"2\"} 2\n"), IsEmpty());
}

TEST(PrometheusText, Counters) {
  // Given a counter not named *_total, a negative or NaN value, or a sample of another name.
  EXPECT_THAT(Faults("# TYPE a_total counter\na_total 0\na_total{x=\"1\"} +Inf\n"), IsEmpty());
  EXPECT_THAT(Faults("# TYPE a counter\na 1\n"),
              ElementsAre("line 1: counter a does not end in _total"));
  EXPECT_THAT(Faults("# TYPE a_total counter\na_total{x=\"1\"} -1\n"),
              ElementsAre("line 2: counter a_total{x=\"1\"} is negative"));
  EXPECT_THAT(Faults("# TYPE a_total counter\na_total NaN\n"), Mentions("is NaN"));
  EXPECT_THAT(Faults("# TYPE a_total counter\na_total_sum 1\n"),
              Mentions("line 2: a_total_sum is not a sample name of counter a_total"));
}

TEST(PrometheusText, Gauges) {
  // Given a gauge's samples named otherwise; a gauge may be negative.
  EXPECT_THAT(Faults("# TYPE a gauge\na -1\n"), IsEmpty());
  EXPECT_THAT(Faults("# TYPE a gauge\na_count 1\n"),
              Mentions("a_count is not a sample name of gauge a"));
  EXPECT_THAT(Faults("# TYPE a gauge\nb 1\n"), Mentions("no # TYPE for b"));
}

// A histogram with one label set; `buckets` are its bucket lines.
std::string Histogram(const std::string& buckets, const std::string& sum = "h_sum 1\n",
                      const std::string& count = "h_count 3\n") {
  return "# TYPE h histogram\n" + buckets + sum + count;
}

TEST(PrometheusText, HistogramBuckets) {
  const std::string good =
      "h_bucket{le=\"1\"} 1\nh_bucket{le=\"2.5\"} 2\nh_bucket{le=\"+Inf\"} 3\n";
  EXPECT_THAT(Faults(Histogram(good)), IsEmpty());
  // An le that is no number.
  EXPECT_THAT(Faults(Histogram("h_bucket{le=\"one\"} 1\nh_bucket{le=\"+Inf\"} 3\n")),
              Mentions("line 2: h_bucket{le=\"one\"}: le=\"one\" is not a number"));
  // No le at all.
  EXPECT_THAT(Faults(Histogram("h_bucket 1\nh_bucket{le=\"+Inf\"} 3\n")),
              Mentions("line 2: h_bucket has no le label"));
  // le not increasing, also when equal under another spelling.
  EXPECT_THAT(Faults(Histogram("h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 2\n"
                               "h_bucket{le=\"+Inf\"} 3\n")),
              Mentions("line 3: h_bucket{le=\"1\"}: le is not above the bucket before it"));
  EXPECT_THAT(Faults(Histogram("h_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 2\n"
                               "h_bucket{le=\"+Inf\"} 3\n")),
              Mentions("le is not above"));
  // Counts not cumulative.
  EXPECT_THAT(Faults(Histogram("h_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\n"
                               "h_bucket{le=\"+Inf\"} 3\n")),
              Mentions("line 3: h_bucket{le=\"2\"}: the count is below the bucket before it"));
  // No +Inf bucket.
  EXPECT_THAT(Faults(Histogram("h_bucket{le=\"1\"} 1\nh_bucket{le=\"2\"} 3\n")),
              Mentions("line 2: h_bucket has no le=\"+Inf\" bucket"));
  // +Inf bucket different from _count.
  EXPECT_THAT(Faults(Histogram(good, "h_sum 1\n", "h_count 4\n")),
              Mentions("line 6: h_count differs from its le=\"+Inf\" bucket"));
  // A negative bucket.
  EXPECT_THAT(Faults(Histogram("h_bucket{le=\"1\"} -1\nh_bucket{le=\"+Inf\"} 3\n")),
              Mentions("is negative or NaN"));
}

TEST(PrometheusText, HistogramSumAndCount) {
  const std::string buckets = "h_bucket{le=\"+Inf\"} 3\n";
  EXPECT_THAT(Faults(Histogram(buckets, "")), Mentions("line 2: h_sum is missing"));
  EXPECT_THAT(Faults(Histogram(buckets, "h_sum 1\n", "")), Mentions("line 2: h_count is missing"));
  EXPECT_THAT(Faults(Histogram(buckets, "h_sum{le=\"+Inf\"} 1\n")),
              Mentions("line 3: h_sum has an le label"));
  EXPECT_THAT(Faults(Histogram(buckets, "h_sum 1\n", "h_count{le=\"1\"} 3\n")),
              Mentions("line 4: h_count has an le label"));
  EXPECT_THAT(Faults(Histogram(buckets, "h_sum 1\n", "h_count -3\n")),
              Mentions("h_count is negative or NaN"));
}

TEST(PrometheusText, HistogramLabelSetsAreCheckedApart) {
  // Given two label sets, each needs its own +Inf bucket, _sum and _count.
  const std::string text =
      "# TYPE h histogram\n"
      "h_bucket{x=\"1\",le=\"+Inf\"} 3\n"
      "h_sum{x=\"1\"} 1\n"
      "h_count{x=\"1\"} 3\n"
      "h_bucket{x=\"2\",le=\"1\"} 1\n"
      "h_sum{x=\"2\"} 1\n";
  const std::vector<std::string> faults = Faults(text);
  EXPECT_THAT(faults, Mentions("line 5: h_count{x=\"2\"} is missing"));
  EXPECT_THAT(faults, Mentions("line 5: h_bucket{x=\"2\"} has no le=\"+Inf\" bucket"));
  EXPECT_EQ(faults.size(), 2u);
  // Buckets of one set restart at the lowest le.
  EXPECT_THAT(
      Faults("# TYPE h histogram\n"
             "h_bucket{x=\"1\",le=\"1\"} 1\nh_bucket{x=\"1\",le=\"+Inf\"} 3\n"
             "h_bucket{x=\"2\",le=\"1\"} 0\nh_bucket{x=\"2\",le=\"+Inf\"} 0\n"
             "h_sum{x=\"1\"} 1\nh_count{x=\"1\"} 3\nh_sum{x=\"2\"} 0\nh_count{x=\"2\"} 0\n"),
      IsEmpty());
}

TEST(PrometheusText, HistogramNames) {
  // Given a histogram family named like one of its samples, or a sample named like the family.
  EXPECT_THAT(Faults("# TYPE h_count histogram\n"),
              ElementsAre("line 1: histogram h_count ends in _count"));
  EXPECT_THAT(Faults("# TYPE h_bucket histogram\n"), Mentions("ends in _bucket"));
  EXPECT_THAT(Faults("# TYPE h_sum histogram\n"), Mentions("ends in _sum"));
  EXPECT_THAT(Faults(Histogram("h{le=\"+Inf\"} 3\n")),
              Mentions("line 2: h is not a sample name of histogram h"));
}

TEST(PrometheusText, Summaries) {
  const std::string type = "# TYPE s summary\n";
  EXPECT_THAT(Faults(type + "s_sum 0\ns_count 0\n"), IsEmpty());
  EXPECT_THAT(Faults(type + "s 1\ns_sum 1\ns_count 1\n"),
              Mentions("line 2: s has no quantile label"));
  EXPECT_THAT(Faults(type + "s{quantile=\"2\"} 1\ns_sum 1\ns_count 1\n"),
              Mentions("quantile=\"2\" is not a number in [0, 1]"));
  EXPECT_THAT(Faults(type + "s{quantile=\"0.5\"} 1\ns_sum{quantile=\"0.5\"} 1\ns_count 1\n"),
              Mentions("line 3: s_sum has a quantile label"));
  EXPECT_THAT(Faults(type + "s{quantile=\"0.5\"} 1\ns_sum 1\n"),
              Mentions("line 2: s_count is missing"));
  EXPECT_THAT(Faults(type + "s_bucket 1\n"), Mentions("s_bucket is not a sample name of summary"));
}

TEST(PrometheusText, ParsingGoesOnAfterAFault) {
  // Given several faults on several lines, all are listed in line order and the good lines read.
  const Exposition e = Parse(
      "# TYPE a gauge\n"
      "a{x=\"1\"} one\n"
      "a{x=\"2\"} 2\n"
      "a{x=\"\\q\"} 3\n"
      "# TYPE c counter\n"
      "c -1\n");
  EXPECT_THAT(e.faults,
              ElementsAre(HasSubstr("line 2: invalid value"), HasSubstr("line 4: invalid escape"),
                          HasSubstr("line 5: counter c does not end in _total"),
                          HasSubstr("line 6: counter c is negative")));
  EXPECT_EQ(Value(e, "a", {{"x", "2"}}), 2);
  EXPECT_EQ(Value(e, "a", {{"x", "1"}}), std::nullopt);
}

}  // namespace
}  // namespace orch::e2e::prometheus
