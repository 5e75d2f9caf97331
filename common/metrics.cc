#include "common/metrics.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace orch::metrics {
namespace {

// A sample value as the format reads it: integers without a fraction, others with enough
// digits to read back the same double, and the three special values spelled as Go parses them.
std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{}", value);
}

std::vector<double> PowersOfTwo(double from, double to) {
  std::vector<double> bounds;
  for (double b = from; b <= to; b *= 2) bounds.push_back(b);
  return bounds;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++buckets_[static_cast<size_t>(bucket)];
  ++count_;
  sum_ += value;
}

std::vector<double> DurationBounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

std::vector<double> LatenessBounds() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}

std::vector<double> SizeBounds() {
  return PowersOfTwo(1, 4096);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

void TextWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  // Help text escapes backslash and line feed only.
  std::string escaped;
  for (char c : help) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, escaped, name,
                 type);
}

void TextWriter::Sample(std::string_view name, const Labels& labels, double value) {
  Series(name, labels, {}, {}, value);
}

void TextWriter::HistogramSamples(std::string_view name, const Labels& labels,
                                  const Histogram& histogram) {
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < histogram.bounds().size(); ++i) {
    cumulative += histogram.buckets()[i];
    Series(bucket, labels, "le", FormatValue(histogram.bounds()[i]),
           static_cast<double>(cumulative));
  }
  Series(bucket, labels, "le", "+Inf", static_cast<double>(histogram.count()));
  Series(std::string(name) + "_sum", labels, {}, {}, histogram.sum());
  Series(std::string(name) + "_count", labels, {}, {}, static_cast<double>(histogram.count()));
}

void TextWriter::Series(std::string_view name, const Labels& labels, std::string_view extra_label,
                        std::string_view extra_value, double value) {
  out_ += name;
  if (!labels.empty() || !extra_label.empty()) {
    out_ += '{';
    bool first = true;
    auto label = [&](std::string_view label_name, std::string_view label_value) {
      if (!first) out_ += ',';
      first = false;
      fmt::format_to(std::back_inserter(out_), "{}=\"{}\"", label_name,
                     EscapeLabelValue(label_value));
    };
    for (const auto& [label_name, label_value] : labels) label(label_name, label_value);
    if (!extra_label.empty()) label(extra_label, extra_value);
    out_ += '}';
  }
  out_ += ' ';
  out_ += FormatValue(value);
  out_ += '\n';
}

std::string TextWriter::Take() {
  std::string out = std::move(out_);
  out_.clear();
  return out;
}

}  // namespace orch::metrics
