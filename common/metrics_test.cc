#include "common/metrics.h"

#include <algorithm>
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace orch::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(HistogramTest, CountsEachValueIntoTheFirstBucketWhoseBoundIsAtLeastIt) {
  Histogram h({1, 2, 5});
  for (double v : {0.5, 1.0, 1.5, 2.0, 4.9, 5.0, 7.0, 1e9}) h.Observe(v);
  EXPECT_THAT(h.buckets(), ElementsAre(2, 2, 2, 2));
  EXPECT_EQ(h.count(), 8u);
  EXPECT_DOUBLE_EQ(h.sum(), 0.5 + 1 + 1.5 + 2 + 4.9 + 5 + 7 + 1e9);
}

TEST(HistogramTest, IgnoresNaN) {
  Histogram h({1});
  h.Observe(std::nan(""));
  EXPECT_EQ(h.count(), 0u);
  EXPECT_THAT(h.buckets(), ElementsAre(0, 0));
}

TEST(HistogramTest, TheStandardBoundsAscend) {
  for (const std::vector<double>& bounds : {DurationBounds(), LatenessBounds(), SizeBounds()}) {
    ASSERT_FALSE(bounds.empty());
    EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
    EXPECT_EQ(std::adjacent_find(bounds.begin(), bounds.end()), bounds.end());
  }
  EXPECT_EQ(SizeBounds().back(), 4096);
}

TEST(EscapeLabelValueTest, EscapesBackslashQuoteAndLineFeedOnly) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd\te/é"), "a\\\\b\\\"c\\nd\te/é");
  EXPECT_EQ(EscapeLabelValue(""), "");
}

TEST(TextWriterTest, WritesFamiliesWithHelpTypeAndLabelledSamples) {
  TextWriter out;
  out.Family("orchd_runs", "gauge", "Runs by status.\nSecond \\ line");
  out.Sample("orchd_runs", {{"status", "Waiting"}}, 3);
  out.Sample("orchd_runs", {{"status", "we\"ird"}}, 0.25);
  out.Family("orchd_fires_total", "counter", "Fires.");
  out.Sample("orchd_fires_total", {}, 12345678901);
  EXPECT_EQ(out.Take(),
            "# HELP orchd_runs Runs by status.\\nSecond \\\\ line\n"
            "# TYPE orchd_runs gauge\n"
            "orchd_runs{status=\"Waiting\"} 3\n"
            "orchd_runs{status=\"we\\\"ird\"} 0.25\n"
            "# HELP orchd_fires_total Fires.\n"
            "# TYPE orchd_fires_total counter\n"
            "orchd_fires_total 12345678901\n");
  EXPECT_EQ(out.Take(), "");
}

TEST(TextWriterTest, WritesHistogramBucketsCumulativeWithInfSumAndCount) {
  Histogram h({0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(0.7);
  h.Observe(3);
  TextWriter out;
  out.Family("x_seconds", "histogram", "X.");
  out.HistogramSamples("x_seconds", {{"route", "GET /Status"}}, h);
  EXPECT_EQ(out.Take(),
            "# HELP x_seconds X.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{route=\"GET /Status\",le=\"0.1\"} 1\n"
            "x_seconds_bucket{route=\"GET /Status\",le=\"1\"} 3\n"
            "x_seconds_bucket{route=\"GET /Status\",le=\"+Inf\"} 4\n"
            "x_seconds_sum{route=\"GET /Status\"} 4.25\n"
            "x_seconds_count{route=\"GET /Status\"} 4\n");
}

TEST(TextWriterTest, SpellsSpecialValuesAsTheFormatDoes) {
  TextWriter out;
  out.Family("g", "gauge", "G.");
  out.Sample("g", {{"v", "nan"}}, std::nan(""));
  out.Sample("g", {{"v", "inf"}}, 1.0 / 0.0);
  out.Sample("g", {{"v", "-inf"}}, -1.0 / 0.0);
  out.Sample("g", {{"v", "small"}}, 0.0005);
  const std::string text = out.Take();
  EXPECT_THAT(text, HasSubstr("g{v=\"nan\"} NaN\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"inf\"} +Inf\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"-inf\"} -Inf\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"small\"} 0.0005\n"));
}

}  // namespace
}  // namespace orch::metrics
