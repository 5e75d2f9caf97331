#include "api/router.h"

#include <strings.h>

#include <algorithm>
#include <exception>
#include <memory>

#include "api/errors.h"
#include "common/logging.h"

namespace orch::api {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool IsParam(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Fills `params` and returns true when `segments` fit the route's pattern.
bool Matches(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
             PathParams* params) {
  if (pattern.size() != segments.size()) return false;
  params->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsParam(pattern[i])) {
      params->push_back(segments[i]);
    } else if (!IEquals(pattern[i], segments[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

Router::Router(std::vector<std::string> optional_prefixes)
    : prefixes_(std::move(optional_prefixes)) {}

void Router::Add(std::string_view method, std::string_view pattern, RouteFn fn) {
  AddAsync(method, pattern,
           [fn = std::move(fn)](const Request& request, const PathParams& params, ReplyFn reply) {
             reply(fn(request, params));
           });
}

void Router::AddAsync(std::string_view method, std::string_view pattern, AsyncRouteFn fn) {
  std::vector<std::string> segments = SplitPath(pattern);
  const auto literals = static_cast<size_t>(std::count_if(
      segments.begin(), segments.end(), [](const std::string& s) { return !IsParam(s); }));
  routes_.push_back(Route{std::string(method), std::move(segments), literals, std::move(fn)});
  if (metrics_ != nullptr) {
    routes_.back().series = &metrics_->SeriesFor(listener_, Label(routes_.back()));
  }
}

void Router::Observe(RequestMetrics* metrics, std::string listener) {
  metrics_ = metrics;
  listener_ = std::move(listener);
  for (Route& route : routes_) {
    route.series = metrics_ == nullptr ? nullptr : &metrics_->SeriesFor(listener_, Label(route));
  }
  unmatched_ =
      metrics_ == nullptr ? nullptr : &metrics_->SeriesFor(listener_, RequestMetrics::kUnmatched);
}

ReplyFn Router::Counted(RequestMetrics::Series* series, ReplyFn reply) const {
  if (metrics_ == nullptr || series == nullptr) return reply;
  return [metrics = metrics_, series, started = metrics_->Now(),
          reply = std::move(reply)](Response response) {
    metrics->Record(*series, response.status, started);
    reply(std::move(response));
  };
}

std::vector<Router::RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const Route& route : routes_) out.push_back(RouteInfo{route.method, PatternOf(route)});
  return out;
}

std::string Router::PatternOf(const Route& route) {
  std::string pattern;
  for (const std::string& segment : route.segments) pattern += "/" + segment;
  return pattern.empty() ? "/" : pattern;
}

std::string Router::Label(const Route& route) {
  return route.method + " " + PatternOf(route);
}

std::string_view Router::StripPrefix(std::string_view path) const {
  for (const std::string& prefix : prefixes_) {
    if (path.size() >= prefix.size() && IEquals(path.substr(0, prefix.size()), prefix) &&
        (path.size() == prefix.size() || path[prefix.size()] == '/')) {
      return path.substr(prefix.size());
    }
  }
  return path;
}

void Router::Handle(Request request, ReplyFn reply) {
  std::vector<std::string> segments = SplitPath(StripPrefix(request.path));
  PathParams params;
  // A path matches its most literal patterns only: /Agents/Approve is that action's path for
  // every method, never an agent named "Approve".
  size_t most_literal = 0;
  for (const Route& route : routes_) {
    if (route.literals > most_literal && Matches(route.segments, segments, &params)) {
      most_literal = route.literals;
    }
  }
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    if (route.literals != most_literal || !Matches(route.segments, segments, &params)) continue;
    if (route.method != request.method) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
        allowed.push_back(route.method);
      }
      continue;
    }
    // A route that throws has a bug; the client still gets one ErrorBody, never two replies.
    auto replied = std::make_shared<bool>(false);
    ReplyFn once = [replied, reply = Counted(route.series, std::move(reply))](Response response) {
      if (*replied) return;
      *replied = true;
      reply(std::move(response));
    };
    try {
      route.fn(request, params, once);
    } catch (const std::exception& e) {
      once(StatusToResponse(InternalError(std::string("route threw: ") + e.what())));
    }
    return;
  }
  reply = Counted(unmatched_, std::move(reply));
  if (allowed.empty()) {
    reply(ErrorResponse(404, "API_ERROR",
                        "no such endpoint: " + request.method + " " + request.path));
    return;
  }
  std::string allow;
  for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
  Response response = ErrorResponse(
      405, "API_ERROR", "method " + request.method + " is not allowed on " + request.path);
  response.headers.emplace_back("Allow", allow);
  reply(std::move(response));
}

}  // namespace orch::api
