// Metrics in the Prometheus text exposition format (version 0.0.4): a fixed-bucket histogram
// and a writer of the format. Whoever owns a counter or a histogram keeps it (the scheduler,
// the writer thread, the routers); GET /metrics reads them all and writes one exposition.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orch::metrics {

/// Observations counted into buckets with fixed upper bounds, plus their count and sum.
/// Thread-compatible: its owner serializes Observe() and the reads.
class Histogram {
 public:
  /// `bounds` are the buckets' upper bounds (inclusive). REQUIRES: finite, strictly ascending.
  /// A bucket for +Inf is always there, after them.
  explicit Histogram(std::vector<double> bounds);

  /// Counts `value` into the first bucket whose bound is >= value, and into count and sum.
  /// NaN is ignored.
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  /// Observations per bucket, not cumulative: bounds().size() + 1 entries, the last for +Inf.
  const std::vector<uint64_t>& buckets() const { return buckets_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

/// Bounds for durations in seconds, from 0.5 ms to 60 s.
std::vector<double> DurationBounds();
/// Bounds for how late something happened, in seconds, from 5 ms to an hour.
std::vector<double> LatenessBounds();
/// Bounds for sizes (writes per group), 1 to 4096 in powers of two.
std::vector<double> SizeBounds();

/// Label names and values of one sample, in the order written.
using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

/// `value` with backslash, double quote and line feed escaped, as label values need.
std::string EscapeLabelValue(std::string_view value);

/// Writes an exposition: each family is declared (HELP, TYPE) once, then its samples follow.
/// Names and label names are the caller's constants and must follow the format's rules;
/// label values are escaped here.
class TextWriter {
 public:
  /// Declares a family. `type` is "counter", "gauge" or "histogram"; `help` is one line.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  /// One sample of the family declared last (a counter's or a gauge's).
  void Sample(std::string_view name, const Labels& labels, double value);
  /// The _bucket (cumulative, le="+Inf" last), _sum and _count samples of `histogram`.
  void HistogramSamples(std::string_view name, const Labels& labels, const Histogram& histogram);

  /// The exposition written so far; the writer is empty afterwards.
  std::string Take();

 private:
  void Series(std::string_view name, const Labels& labels, std::string_view extra_label,
              std::string_view extra_value, double value);

  std::string out_;
};

/// The content type of the text exposition format.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace orch::metrics
