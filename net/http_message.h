// Conversions between Beast messages and api::Request / api::Response, and the reading of
// Beast's errors. Internal to net/ (includes Beast).
#pragma once

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/http.h"
#include "net/net_log.h"

namespace orch::net {

namespace http = boost::beast::http;

using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;

/// How a failed request read should be answered.
enum class ReadFailure {
  kPeerGone,        // EOF, reset, cancelled: close silently
  kHeaderTooLarge,  // 431
  kBodyTooLarge,    // 413
  kMalformed,       // 400
};

/// Classifies an error from reading a request.
inline ReadFailure ClassifyReadError(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) return ReadFailure::kHeaderTooLarge;
  if (ec == http::error::body_limit) return ReadFailure::kBodyTooLarge;
  // A peer that hangs up mid-request is gone, not malformed.
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return ReadFailure::kPeerGone;
  }
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return ReadFailure::kMalformed;
  }
  return ReadFailure::kPeerGone;
}

/// Converts a parsed Beast request: target split at the first '?', header names lowercased.
inline api::Request ToApiRequest(BeastRequest message) {
  api::Request request;
  request.method = std::string(message.method_string());
  const std::string_view target = message.target();
  const size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  request.headers.reserve(std::distance(message.begin(), message.end()));
  for (const auto& field : message) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

/// True for an RFC 7230 token (a valid header name).
inline bool IsToken(std::string_view s) {
  static constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           kTokenPunctuation.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

/// True when `value` cannot split a header (no CR, LF or NUL).
inline bool IsSafeHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

/// Headers net/ sets itself; a handler's copies are ignored.
inline bool IsFramingHeader(std::string_view name) {
  auto equals = [name](std::string_view other) {
    return name.size() == other.size() &&
           std::equal(name.begin(), name.end(), other.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  return equals("content-length") || equals("transfer-encoding") || equals("connection") ||
         equals("server");
}

/// Builds the wire response. Invalid statuses become 500 and unsafe headers are dropped (both
/// logged: they are bugs in the handler). May throw std::bad_alloc only.
inline BeastResponse ToBeastResponse(api::Response response, unsigned version, bool keep_alive) {
  if (response.status < 200 || response.status > 599) {
    NetLog().error("handler replied with invalid HTTP status {}", response.status);
    response = api::ErrorResponse(500, "INTERNAL_SERVER_ERROR", "internal error");
  }
  BeastResponse out;
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  out.set(http::field::server, "orchd");
  // 204 and 304 carry no body by definition; Beast refuses to frame one.
  const bool bodiless = response.status == 204 || response.status == 304;
  if (!bodiless && !response.content_type.empty() && IsSafeHeaderValue(response.content_type)) {
    out.set(http::field::content_type, response.content_type);
  }
  for (auto& [name, value] : response.headers) {
    if (!IsToken(name) || !IsSafeHeaderValue(value)) {
      NetLog().error("handler reply has an invalid header field; dropped");
      continue;
    }
    if (!IsFramingHeader(name)) out.insert(name, value);
  }
  if (!bodiless) out.body() = std::move(response.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

}  // namespace orch::net
