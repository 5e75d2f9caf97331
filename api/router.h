// Router: dispatches requests by method and path pattern to route functions.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "api/request_metrics.h"

namespace orch::api {

/// The values of a pattern's "{name}" segments, in order.
using PathParams = std::vector<std::string>;
/// A route that may answer later (long polls): calls `reply` exactly once.
using AsyncRouteFn = std::function<void(const Request&, const PathParams&, ReplyFn)>;
/// A route that answers at once.
using RouteFn = std::function<Response(const Request&, const PathParams&)>;

/// Matches "/A/{id}/B"-style patterns. Literal segments compare case-insensitively, as the
/// product family's API does. Unknown paths get 404, known paths with another method 405.
class Router final : public Handler {
 public:
  /// `optional_prefixes` (such as "/KeyfactorAPI") are stripped before matching.
  explicit Router(std::vector<std::string> optional_prefixes = {});

  /// Adds a route answering at once.
  void Add(std::string_view method, std::string_view pattern, RouteFn fn);
  /// Adds a route that may answer later.
  void AddAsync(std::string_view method, std::string_view pattern, AsyncRouteFn fn);

  void Handle(Request request, ReplyFn reply) override;

  /// A route as registered: its method and its pattern ("/Agents/{id}").
  struct RouteInfo {
    std::string method;
    std::string pattern;
  };
  /// Every route, in the order added; the optional prefixes are not part of the patterns.
  std::vector<RouteInfo> Routes() const;
  /// The optional prefixes given to the constructor.
  const std::vector<std::string>& prefixes() const { return prefixes_; }

  /// From now on every reply is counted in `metrics` under `listener` and its route
  /// ("GET /Agents/{id}", or RequestMetrics::kUnmatched), timed from Handle() to the reply.
  /// REQUIRES: `metrics` outlives the router and every reply it hands out.
  void Observe(RequestMetrics* metrics, std::string listener);

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{...}" matches any one segment
    size_t literals = 0;                // segments that are not parameters
    AsyncRouteFn fn;
    RequestMetrics::Series* series = nullptr;  // set while observed
  };
  static std::string PatternOf(const Route& route);
  // The route label of `route` in RequestMetrics: "GET /Agents/{id}".
  static std::string Label(const Route& route);
  // `reply`, counting the reply in `series` when observed.
  ReplyFn Counted(RequestMetrics::Series* series, ReplyFn reply) const;
  std::string_view StripPrefix(std::string_view path) const;

  std::vector<std::string> prefixes_;
  std::vector<Route> routes_;
  RequestMetrics* metrics_ = nullptr;
  std::string listener_;
  RequestMetrics::Series* unmatched_ = nullptr;
};

}  // namespace orch::api
