// A strict checker of the Prometheus text exposition format (version 0.0.4), for checking what
// orchd's GET /metrics answers. Besides the syntax (UTF-8, "\n" line ends, names, quoted and
// escaped label values, Go-style float values, int64 timestamps, # HELP and # TYPE lines) it
// checks what the format and the naming conventions orchd follows require of the content: every
// sample's family is declared with # TYPE before its samples, a family's lines are contiguous, no
// series is repeated, counters end in _total and are never negative, and each histogram label set
// has increasing le buckets with cumulative counts, a +Inf bucket equal to _count, _sum and
// _count.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orch::e2e::prometheus {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  std::string name;  // e.g. orchd_http_requests_total
  Labels labels;     // unescaped values, in the order given
  double value = 0;
};

struct Family {
  std::string name;  // the # TYPE / # HELP name (for histograms the base name without _bucket)
  std::string type;  // counter, gauge, histogram, summary, untyped
  std::string help;  // unescaped
  std::vector<Sample> samples;
};

struct Exposition {
  std::vector<Family> families;     // in the order they first appear
  std::vector<std::string> faults;  // one per fault, "line N: ...", by line; empty when valid
};

/// `text` read as an exposition. Every fault found is listed and parsing goes on past it where it
/// can: a sample line that does not parse is left out, one that parses but breaks a rule is kept.
/// A sample with no # TYPE makes an "untyped" family of its own name.
Exposition Parse(std::string_view text);

/// The value of the one sample named `name` whose labels include every pair of `labels` (other
/// labels may be present); nullopt when no sample matches, and also when several do, so that a
/// test names the series it means.
std::optional<double> Value(const Exposition& e, std::string_view name, const Labels& labels = {});

/// The sum of the values of every sample named `name` whose labels include every pair of
/// `labels`; 0 when none does.
double Sum(const Exposition& e, std::string_view name, const Labels& labels = {});

}  // namespace orch::e2e::prometheus
