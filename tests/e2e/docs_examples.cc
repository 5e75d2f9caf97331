#include "tests/e2e/docs_examples.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "tests/e2e/jobs_e2e_support.h"

namespace orch::e2e::docs {
namespace {

using nlohmann::json;

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string AsciiLower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

// The path of a target, without its query string.
std::string PathOf(const std::string& target) {
  return target.substr(0, target.find('?'));
}

std::string Where(int line) {
  return "line " + std::to_string(line) + ": ";
}

// A marker's kind, method, target, status and flag; the problem when it is none.
StatusOr<Example> ParseMarker(const std::string& line, int number) {
  static const std::regex kMarker(R"(^\s*<!--\s*([A-Za-z-]+):\s*(.*?)\s*-->\s*$)");
  std::smatch match;
  if (!std::regex_match(line, match, kMarker)) {
    return InvalidArgumentError("an HTML comment that is not an example marker: " + Trim(line));
  }
  Example example;
  example.line = number;
  const std::string kind = match[1];
  if (kind == "answer") {
    example.kind = Example::Kind::kAnswer;
  } else if (kind != "example") {
    return InvalidArgumentError("unknown marker \"" + kind + "\" (example or answer)");
  }
  std::vector<std::string> words = Words(match[2]);
  static const std::set<std::string> kMethods = {"GET", "POST", "PUT", "DELETE"};
  if (words.size() < 2 || kMethods.count(words[0]) == 0 || !StartsWith(words[1], "/")) {
    return InvalidArgumentError("a marker reads \"" + kind + ": METHOD /path ...\": " + Trim(line));
  }
  example.method = words[0];
  example.target = words[1];
  size_t next = 2;
  bool has_status = false;
  if (next < words.size() && std::regex_match(words[next], std::regex("[1-5][0-9][0-9]"))) {
    example.status = std::stoi(words[next++]);
    has_status = true;
  }
  if (next < words.size() && words[next] == "row" && example.kind == Example::Kind::kAnswer) {
    example.row = true;
    ++next;
  }
  if (next != words.size()) {
    return InvalidArgumentError("unknown word \"" + words[next] + "\" in marker: " + Trim(line));
  }
  if (example.kind == Example::Kind::kAnswer && !has_status) {
    return InvalidArgumentError("an answer marker names its status: " + Trim(line));
  }
  // A request's status is resolved once its answer (if any) is known; -1 marks "not given".
  if (!has_status) example.status = -1;
  return example;
}

// Fills in what to send for a request example, or says why it cannot be sent.
Status ReadRequest(Example& example) {
  if (example.language == "json") {
    if (json::parse(example.text, nullptr, false).is_discarded()) {
      return InvalidArgumentError("the request body is not JSON");
    }
    example.request_target = example.target;
    example.request_body = example.text;
    return Status::Ok();
  }
  StatusOr<CurlCommand> curl = ParseCurl(example.text);
  if (!curl.ok()) return curl.status();
  if (curl->method != example.method || PathOf(curl->target) != PathOf(example.target)) {
    return InvalidArgumentError("the curl line sends " + curl->method + " " + PathOf(curl->target) +
                                ", the marker says " + example.method + " " +
                                PathOf(example.target));
  }
  if (!curl->unix_socket || example.agent_listener) {
    return InvalidArgumentError("curl examples run on the control socket (--unix-socket) only");
  }
  example.request_target = curl->target;
  example.request_body = curl->body;
  example.request_headers = curl->headers;
  example.stream = curl->stream;
  return Status::Ok();
}

// Checks the block a marker stands before and makes the example of both.
Status Complete(Example& example) {
  if (example.language != "json" && example.language != "sh") {
    return InvalidArgumentError("a marker stands before a ```json or ```sh block, not ```" +
                                example.language);
  }
  if (example.kind == Example::Kind::kRequest) return ReadRequest(example);
  if (example.language != "json") return InvalidArgumentError("an answer is a ```json block");
  if (json::parse(example.text, nullptr, false).is_discarded()) {
    return InvalidArgumentError("the answer is not JSON");
  }
  return Status::Ok();
}

// Statuses of requests from the answers that follow them, and which answers have a request.
void Pair(ParsedExamples& parsed) {
  std::vector<Example>& all = parsed.examples;
  for (size_t i = 0; i < all.size(); ++i) {
    Example& example = all[i];
    const Example* next = i + 1 < all.size() ? &all[i + 1] : nullptr;
    const Example* previous = i > 0 ? &all[i - 1] : nullptr;
    if (example.kind == Example::Kind::kRequest) {
      if (example.status >= 0) continue;
      const bool answered = next != nullptr && next->kind == Example::Kind::kAnswer &&
                            next->method == example.method &&
                            PathOf(next->target) == PathOf(example.target);
      example.status = answered ? next->status : 200;
      continue;
    }
    example.paired = previous != nullptr && previous->kind == Example::Kind::kRequest &&
                     previous->method == example.method &&
                     PathOf(previous->target) == PathOf(example.target);
    if (!example.paired && example.method != "GET") {
      parsed.problems.push_back(Where(example.line) + "the answer of " + example.method + " " +
                                example.target + " follows no request example of that call");
    }
  }
}

// Splits a shell command line into words: quotes and backslash line continuations as sh.
StatusOr<std::vector<std::string>> ShellWords(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      if (text[i + 1] != '\n') word += text[i + 1], in_word = true;
      ++i;
    } else if (c == '\'') {
      size_t end = text.find('\'', i + 1);
      if (end == std::string::npos) return InvalidArgumentError("unbalanced ' in the curl line");
      word += text.substr(i + 1, end - i - 1);
      in_word = true;
      i = end;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] == '\\' && j + 1 < text.size() &&
            std::string("\"\\$`").find(text[j + 1]) != std::string::npos) {
          ++j;
        }
        word += text[j];
      }
      if (j == text.size()) return InvalidArgumentError("unbalanced \" in the curl line");
      in_word = true;
      i = j;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

// curl --data-urlencode: "name=value" sends name=<value encoded>; without "=", all is encoded.
std::string UrlEncodedPart(const std::string& data) {
  size_t equals = data.find('=');
  if (equals == std::string::npos) return UrlEncode(data);
  return data.substr(0, equals + 1) + UrlEncode(data.substr(equals + 1));
}

}  // namespace

ParsedExamples ParseExamples(const std::string& markdown) {
  ParsedExamples parsed;
  const std::vector<std::string> lines = Lines(markdown);
  bool agent_listener = false;
  std::optional<Example> marker;  // the marker on the line before, if any
  for (size_t i = 0; i < lines.size(); ++i) {
    const int number = static_cast<int>(i) + 1;
    const std::string& line = lines[i];
    if (StartsWith(line, "```")) {
      Example example;
      const bool marked = marker.has_value();
      if (marked) example = *marker;
      marker.reset();
      example.language = Trim(line.substr(3));
      size_t end = i + 1;
      for (; end < lines.size() && !StartsWith(lines[end], "```"); ++end) {
        example.text += lines[end] + "\n";
      }
      if (end == lines.size()) {
        parsed.problems.push_back(Where(number) + "a fenced block that never ends");
        break;
      }
      i = end;
      if (!marked) {
        // Configuration and plain text are no examples; any other block is one to run.
        if (example.language != "yaml" && example.language != "text") {
          parsed.problems.push_back(Where(number) + "a ```" + example.language +
                                    " block without an example or answer marker");
        }
        continue;
      }
      example.agent_listener = agent_listener;
      if (Status s = Complete(example); !s.ok()) {
        parsed.problems.push_back(Where(example.line) + s.message());
        continue;
      }
      parsed.examples.push_back(std::move(example));
      continue;
    }
    if (marker) {
      parsed.problems.push_back(Where(marker->line) + "a marker not followed by a fenced block");
      marker.reset();
    }
    if (Trim(line) == "# Agent API") agent_listener = true;
    if (line.find("<!--") == std::string::npos) continue;
    StatusOr<Example> read = ParseMarker(line, number);
    if (!read.ok()) {
      parsed.problems.push_back(Where(number) + read.status().message());
      continue;
    }
    marker = *std::move(read);
  }
  if (marker) {
    parsed.problems.push_back(Where(marker->line) + "a marker not followed by a fenced block");
  }
  Pair(parsed);
  return parsed;
}

StatusOr<CurlCommand> ParseCurl(const std::string& text) {
  ORCH_ASSIGN_OR_RETURN(std::vector<std::string> words, ShellWords(text));
  if (words.empty() || words[0] != "curl") return InvalidArgumentError("not a curl command line");
  CurlCommand curl;
  bool get = false;
  std::string method;
  std::string url;
  std::vector<std::string> query;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& word = words[i];
    const bool has_value = i + 1 < words.size();
    if (word == "-G" || word == "--get") {
      get = true;
    } else if (word == "-N" || word == "--no-buffer") {
      curl.stream = true;
    } else if (word == "--unix-socket" && has_value) {
      curl.unix_socket = true;
      ++i;
    } else if ((word == "-X" || word == "--request") && has_value) {
      method = words[++i];
    } else if ((word == "-H" || word == "--header") && has_value) {
      curl.headers.push_back(words[++i]);
    } else if (word == "--data-urlencode" && has_value) {
      query.push_back(UrlEncodedPart(words[++i]));
    } else if ((word == "-d" || word == "--data" || word == "--data-raw") && has_value) {
      curl.body = words[++i];
    } else if (StartsWith(word, "http://") || StartsWith(word, "https://")) {
      url = word;
    } else {
      return InvalidArgumentError("the test does not know the curl argument \"" + word + "\"");
    }
  }
  size_t host = url.find("://");
  size_t path = host == std::string::npos ? host : url.find('/', host + 3);
  if (path == std::string::npos) return InvalidArgumentError("no URL with a path in the curl line");
  curl.target = url.substr(path);
  if (!query.empty() && !get) {
    return InvalidArgumentError("--data-urlencode without -G: the test sends queries only");
  }
  for (const std::string& part : query) {
    curl.target += (curl.target.find('?') == std::string::npos ? "?" : "&") + part;
  }
  curl.method = !method.empty() ? method : (curl.body.empty() || get) ? "GET" : "POST";
  if (get && !curl.body.empty()) return InvalidArgumentError("-G with -d: the test cannot send");
  const bool typed = std::any_of(curl.headers.begin(), curl.headers.end(), [](const auto& h) {
    return StartsWith(AsciiLower(h), "content-type:");
  });
  // What curl sends with -d unless told otherwise.
  if (!curl.body.empty() && !typed) {
    curl.headers.push_back("Content-Type: application/x-www-form-urlencoded");
  }
  return curl;
}

}  // namespace orch::e2e::docs
