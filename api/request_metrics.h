// RequestMetrics: what the routers answered, for GET /metrics: requests by listener, route and
// status code, and their durations by listener and route.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/metrics.h"

namespace orch::api {

/// Counts requests as the routers answer them. Used on the event loop's thread only; lives as
/// long as the daemon, so its counters survive reloads.
class RequestMetrics {
 public:
  /// The route label of a request that matched no route (404, 405): one label for all of
  /// them keeps the number of series bounded whatever paths clients send.
  static constexpr std::string_view kUnmatched = "unmatched";

  /// The requests of one route of one listener.
  struct Series {
    std::string listener;  // "control", "agent", "metrics"
    std::string route;     // "METHOD /Pattern/{id}", or kUnmatched
    std::map<int, uint64_t> codes;
    metrics::Histogram durations{metrics::DurationBounds()};
  };

  /// REQUIRES: `clock` outlives this object.
  explicit RequestMetrics(const Clock& clock) : clock_(clock) {}

  /// The series of `route` on `listener`, created empty the first time; the reference stays
  /// valid as long as this object.
  Series& SeriesFor(std::string_view listener, std::string_view route);

  /// When a request started, for Record().
  SteadyTime Now() const { return clock_.SteadyNow(); }
  /// One request of `series` answered with `code`.
  void Record(Series& series, int code, SteadyTime started) const;

  /// Writes orchd_http_requests_total and orchd_http_request_duration_seconds.
  void Write(metrics::TextWriter& out) const;

 private:
  const Clock& clock_;
  std::deque<Series> series_;  // stable addresses
};

}  // namespace orch::api
