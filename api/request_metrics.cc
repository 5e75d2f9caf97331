#include "api/request_metrics.h"

#include <chrono>

namespace orch::api {

RequestMetrics::Series& RequestMetrics::SeriesFor(std::string_view listener,
                                                  std::string_view route) {
  for (Series& series : series_) {
    if (series.listener == listener && series.route == route) return series;
  }
  Series& series = series_.emplace_back();
  series.listener = listener;
  series.route = route;
  return series;
}

void RequestMetrics::Record(Series& series, int code, SteadyTime started) const {
  ++series.codes[code];
  series.durations.Observe(std::chrono::duration<double>(clock_.SteadyNow() - started).count());
}

void RequestMetrics::Write(metrics::TextWriter& out) const {
  out.Family("orchd_http_requests_total", "counter",
             "HTTP requests answered by the routers, by listener, route and status code.");
  for (const Series& series : series_) {
    for (const auto& [code, count] : series.codes) {
      const std::string code_text = std::to_string(code);
      out.Sample("orchd_http_requests_total",
                 {{"listener", series.listener}, {"route", series.route}, {"code", code_text}},
                 static_cast<double>(count));
    }
  }
  out.Family("orchd_http_request_duration_seconds", "histogram",
             "Time from a request's arrival at its router to its reply, by listener and route.");
  for (const Series& series : series_) {
    if (series.durations.count() == 0) continue;
    out.HistogramSamples("orchd_http_request_duration_seconds",
                         {{"listener", series.listener}, {"route", series.route}},
                         series.durations);
  }
}

void WriteListenerStats(const std::vector<ListenerStats>& listeners, metrics::TextWriter& out) {
  out.Family("orchd_http_connections", "gauge", "Open connections, by listener.");
  for (const ListenerStats& l : listeners) {
    out.Sample("orchd_http_connections", {{"listener", l.listener}},
               static_cast<double>(l.open_connections));
  }
  out.Family("orchd_http_connections_accepted_total", "counter",
             "Connections served (not turned away at the connection cap), by listener.");
  for (const ListenerStats& l : listeners) {
    out.Sample("orchd_http_connections_accepted_total", {{"listener", l.listener}},
               static_cast<double>(l.connections_accepted));
  }
  out.Family("orchd_http_connections_dropped_total", "counter",
             "Connections closed unanswered past the connection cap, by listener.");
  for (const ListenerStats& l : listeners) {
    out.Sample("orchd_http_connections_dropped_total", {{"listener", l.listener}},
               static_cast<double>(l.connections_dropped));
  }
  out.Family("orchd_http_requests_refused_total", "counter",
             "Error replies given before routing (malformed HTTP, timeouts, size limits, the "
             "connection cap), by listener and status code.");
  for (const ListenerStats& l : listeners) {
    for (const auto& [code, count] : l.refused_requests) {
      const std::string code_text = std::to_string(code);
      out.Sample("orchd_http_requests_refused_total",
                 {{"listener", l.listener}, {"code", code_text}}, static_cast<double>(count));
    }
  }
}

}  // namespace orch::api
