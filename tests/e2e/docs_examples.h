// Reading the examples of the API reference (docs/api.md): the markers before its fenced
// blocks and the curl command lines in them. No sockets here; docs_examples_e2e_test.cc runs
// what this finds against a live orchd.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace orch::e2e::docs {

/// One marked fenced block.
///
/// `<!-- example: METHOD TARGET [STATUS] -->` marks a request: a ```json block is its body, a
/// ```sh block a curl command line (which must name the same method and path). The expected
/// status is STATUS, else the status of the answer that follows it, else 200.
/// `<!-- answer: METHOD TARGET STATUS [row] -->` marks a ```json answer: of the request example
/// right before it when that has the same method and path, else (GET only) of a GET of TARGET
/// made for it. `row`: the block is one row of a list answer.
struct Example {
  enum class Kind { kRequest, kAnswer };
  Kind kind = Kind::kRequest;
  int line = 0;                 // 1-based line of the marker
  bool agent_listener = false;  // below the "# Agent API" heading
  std::string method;
  std::string target;    // as the marker writes it
  int status = 200;      // expected status
  bool row = false;      // answers: one row of an array answer
  bool paired = false;   // answers: of the request example right before
  std::string language;  // "json" or "sh"
  std::string text;      // the block as written
  // Requests: what to send (a curl line's query string is part of the target).
  std::string request_target;
  std::string request_body;
  std::vector<std::string> request_headers;
  bool stream = false;  // curl -N: a streamed answer of which only the head is read
};

/// The examples in document order, and everything that keeps one from being run.
struct ParsedExamples {
  std::vector<Example> examples;
  std::vector<std::string> problems;  // "line N: ..."
};

/// Every fenced block but ```yaml and ```text ones must carry a marker; a marker that is not
/// followed by a ```json or ```sh block, an HTML comment that is no marker and a curl line the
/// test cannot send are problems.
ParsedExamples ParseExamples(const std::string& markdown);

/// A curl command line as the examples write it.
struct CurlCommand {
  std::string method;
  std::string target;  // path and query string
  std::string body;
  std::vector<std::string> headers;
  bool unix_socket = false;  // --unix-socket: the control socket
  bool stream = false;       // -N
};

/// Reads `curl [--unix-socket S] [-G] [-N] [-X M] [-H h]... [--data-urlencode d]... [-d body]
/// URL`, with quotes and backslash line continuations as a shell reads them.
StatusOr<CurlCommand> ParseCurl(const std::string& text);

}  // namespace orch::e2e::docs
