// Conversions between Beast messages and api::Request / api::Response, and the reading of
// Beast's errors. Internal to net/ (includes Beast).
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

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

/// Sets the status line, Server, Content-Type (unless `bodiless`) and the handler's own header
/// fields that are safe and not about framing (unsafe ones are logged and dropped).
inline void SetReplyHead(http::response_header<>& out, const api::Response& response,
                         unsigned version, bool bodiless) {
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  out.set(http::field::server, "orchd");
  if (!bodiless && !response.content_type.empty() && IsSafeHeaderValue(response.content_type)) {
    out.set(http::field::content_type, response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    if (!IsToken(name) || !IsSafeHeaderValue(value)) {
      NetLog().error("handler reply has an invalid header field; dropped");
      continue;
    }
    if (!IsFramingHeader(name)) out.insert(name, value);
  }
}

/// Builds the wire response. Invalid statuses become 500 and unsafe headers are dropped (both
/// logged: they are bugs in the handler). May throw std::bad_alloc only.
inline BeastResponse ToBeastResponse(api::Response response, unsigned version, bool keep_alive) {
  if (response.status < 200 || response.status > 599) {
    NetLog().error("handler replied with invalid HTTP status {}", response.status);
    response = api::ErrorResponse(500, "INTERNAL_SERVER_ERROR", "internal error");
  }
  BeastResponse out;
  // 204 and 304 carry no body by definition; Beast refuses to frame one.
  const bool bodiless = response.status == 204 || response.status == 304;
  SetReplyHead(out, response, version, bodiless);
  if (!bodiless) out.body() = std::move(response.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

/// Appends `message` to `out` as wire bytes: status line, header fields, body. May throw
/// std::bad_alloc only.
inline void AppendWire(std::string& out, BeastResponse& message) {
  http::response_serializer<http::string_body> serializer(message);
  boost::system::error_code ec;
  while (!ec && !serializer.is_done()) {
    serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      size_t size = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        const boost::asio::const_buffer buffer(*it);
        out.append(static_cast<const char*>(buffer.data()), buffer.size());
        size += buffer.size();
      }
      serializer.consume(size);
    });
  }
}

/// True when a reply with `status` may have a streamed body (not 1xx, 204, 304 or invalid).
inline bool CanStream(int status) {
  return status >= 200 && status <= 599 && status != 204 && status != 304;
}

/// The status line and header of a streamed reply, as wire bytes: with `Transfer-Encoding:
/// chunked` when `chunked`, else without framing (the body then ends when the connection
/// closes, as HTTP/1.0 needs). REQUIRES: CanStream(response.status). May throw std::bad_alloc.
inline std::string StreamedReplyHead(const api::Response& response, unsigned version, bool chunked,
                                     bool keep_alive) {
  http::response<http::empty_body> out;
  SetReplyHead(out, response, version, false);
  out.keep_alive(keep_alive);
  if (chunked) out.chunked(true);
  std::ostringstream text;
  text << out.base();
  return std::move(text).str();
}

/// The chunk that ends a chunked body (no trailer fields).
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

/// Appends `data` to `out` framed as one chunk. REQUIRES: !data.empty().
inline void AppendChunk(std::string& out, std::string_view data) {
  char size[2 * sizeof(size_t)];
  const std::to_chars_result hex = std::to_chars(size, size + sizeof(size), data.size(), 16);
  out.append(size, hex.ptr);
  out += "\r\n";
  out += data;
  out += "\r\n";
}

}  // namespace orch::net
