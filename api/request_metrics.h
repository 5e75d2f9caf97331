// RequestMetrics: what the routers answered, for GET /metrics: requests by listener, route and
// status code, and their durations by listener and route.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"

namespace orch::api {

/// What a listener's server saw of its connections (net::ServerCounters as the daemon hands
/// them over), for GET /metrics.
struct ListenerStats {
  std::string listener;  // "control", "agent", "metrics"
  size_t open_connections = 0;
  uint64_t connections_accepted = 0;
  uint64_t connections_dropped = 0;
  /// Error replies the server gave before any routing, by status code.
  std::map<int, uint64_t> refused_requests;
};

/// Writes orchd_http_connections, orchd_http_connections_accepted_total,
/// orchd_http_connections_dropped_total and orchd_http_requests_refused_total.
void WriteListenerStats(const std::vector<ListenerStats>& listeners, metrics::TextWriter& out);

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
