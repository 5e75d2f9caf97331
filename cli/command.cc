#include "cli/command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/socket_path.h"
#include "common/guid.h"
#include "jobs/ascii.h"
#include "jobs/bounded_json.h"
#include "jobs/url.h"

namespace orch::cli {
namespace {

// Rows per page when --all follows the pages: the daemon's largest.
constexpr int64_t kAllPageSize = 1000;

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string ListTarget(const std::string& path, const ListFlags& flags, int64_t page,
                       int64_t limit) {
  std::vector<std::string> params;
  if (!flags.query.empty()) params.push_back("pq.queryString=" + jobs::PercentEncode(flags.query));
  if (!flags.sort.empty()) params.push_back("pq.sortField=" + jobs::PercentEncode(flags.sort));
  if (flags.desc) params.push_back("pq.sortAscending=1");
  if (limit > 0) params.push_back("pq.returnLimit=" + std::to_string(limit));
  if (page > 0) params.push_back("pq.pageReturned=" + std::to_string(page));
  std::string target = path;
  for (size_t i = 0; i < params.size(); ++i) target += (i == 0 ? "?" : "&") + params[i];
  return target;
}

StatusOr<json> ParseAnswer(const HttpAnswer& answer) {
  StatusOr<json> parsed = jobs::ParseJson(answer.body);
  if (!parsed.ok()) return InternalError("orchd's answer is " + parsed.status().message());
  return parsed;
}

// True when the list's x-total-count stopped at orchd's counting limit.
bool CountIsLowerBound(const HttpAnswer& answer) {
  const auto exact = answer.headers.find("x-total-count-exact");
  return exact != answer.headers.end() && exact->second == "false";
}

// Every page of the list, as one array.
StatusOr<json> AllPages(const Session& session, const std::string& path, const ListFlags& flags) {
  json rows = json::array();
  for (int64_t page = 1;; ++page) {
    ORCH_ASSIGN_OR_RETURN(HttpAnswer answer,
                          CallOk(session, "GET", ListTarget(path, flags, page, kAllPageSize)));
    ORCH_ASSIGN_OR_RETURN(json some, ParseAnswer(answer));
    if (!some.is_array()) return InternalError("orchd answered a list that is not an array");
    for (json& row : some) rows.push_back(std::move(row));
    const auto total = answer.headers.find("x-total-count");
    const int64_t expected = total == answer.headers.end() ? 0 : std::atoll(total->second.c_str());
    // A count that stopped at its limit is a lower bound: read on until a page comes short.
    const bool exact = !CountIsLowerBound(answer);
    if (some.size() < static_cast<size_t>(kAllPageSize) ||
        (exact && static_cast<int64_t>(rows.size()) >= expected)) {
      return rows;
    }
  }
}

}  // namespace

ControlClient Session::Client() const {
  return ControlClient(ResolveSocketPath(socket_flag, std::getenv("ORCHD_SOCKET"), PathExists));
}

Status Refusal(const HttpAnswer& answer) {
  StatusOr<json> body = jobs::ParseJson(answer.body);
  std::string message;
  std::string field;
  if (body.ok()) {
    message = jobs::JsonString(*body, "errorMessage");
    field = jobs::JsonString(jobs::JsonMember(*body, "errorDetails"), "field");
  }
  if (message.empty()) message = "orchd answered HTTP " + std::to_string(answer.status);
  if (!field.empty()) message += " (field " + field + ")";
  // Unavailable stays reserved for a daemon that cannot be reached.
  StatusCode code = StatusCode::kFailedPrecondition;
  if (answer.status == 503) code = StatusCode::kResourceExhausted;
  if (answer.status == 507) code = StatusCode::kInsufficientStorage;
  return Status(code, message);
}

StatusOr<HttpAnswer> CallOk(const Session& session, std::string_view method,
                            std::string_view target, const json& body) {
  const std::string text = body.is_null() ? "" : body.dump();
  ORCH_ASSIGN_OR_RETURN(HttpAnswer answer, session.Client().Call(method, target, text));
  if (answer.status < 200 || answer.status > 299) return Refusal(answer);
  return answer;
}

StatusOr<json> CallJson(const Session& session, std::string_view method, std::string_view target,
                        const json& body) {
  ORCH_ASSIGN_OR_RETURN(HttpAnswer answer, CallOk(session, method, target, body));
  if (answer.body.empty()) return json();
  return ParseAnswer(answer);
}

void AddListFlags(CLI::App* command, ListFlags& flags) {
  command->add_option(
      "-q,--query", flags.query,
      "filter rows with the query language, e.g. 'ClientMachine -startswith \"web\"'");
  command->add_option("--sort", flags.sort, "field to sort by");
  command->add_flag("--desc", flags.desc, "sort descending");
  command->add_option("--limit", flags.limit, "rows per page (1..1000; default 50)")
      ->check(CLI::Range(1, 1000));
  command->add_option("--page", flags.page, "page to show (1-based)")->check(CLI::PositiveNumber);
  command->add_flag("--all", flags.all, "follow the pages and show every row");
  command->get_option("--all")->excludes(command->get_option("--page"));
}

Status PrintList(const Session& session, const std::string& path, const ListFlags& flags,
                 const std::function<std::string(const json&, const RenderContext&)>& render) {
  if (flags.all) {
    ORCH_ASSIGN_OR_RETURN(json rows, AllPages(session, path, flags));
    PrintText(session.json ? rows.dump() : render(rows, session.render));
    return Status::Ok();
  }
  ORCH_ASSIGN_OR_RETURN(HttpAnswer answer,
                        CallOk(session, "GET", ListTarget(path, flags, flags.page, flags.limit)));
  if (session.json) {
    PrintText(answer.body);
    return Status::Ok();
  }
  ORCH_ASSIGN_OR_RETURN(json rows, ParseAnswer(answer));
  std::string text = render(rows, session.render);
  const auto total = answer.headers.find("x-total-count");
  if (total != answer.headers.end() &&
      std::atoll(total->second.c_str()) > static_cast<int64_t>(rows.size())) {
    text += (text.empty() || text.back() == '\n' ? "" : "\n") + std::to_string(rows.size()) +
            " of " + (CountIsLowerBound(answer) ? "at least " : "") + total->second +
            " shown (--page, --limit or --all for more)";
  }
  PrintText(text);
  return Status::Ok();
}

void PrintObject(const Session& session, const json& value) {
  PrintText(session.json ? value.dump() : RenderDetails(value, session.render));
}

void PrintText(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (text.empty() || text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
}

StatusOr<std::string> GuidArgument(const std::string& id, const std::string& what) {
  if (!IsGuid(id))
    return InvalidArgumentError(what + " must be a GUID, not '" + id.substr(0, 40) + "'");
  return jobs::AsciiLowercase(id);
}

StatusOr<std::string> ReadSecretFile(const std::string& path, const std::string& flag) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return InvalidArgumentError(flag + ": cannot read " + path);
  std::string line;
  std::getline(file, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return InvalidArgumentError(flag + ": " + path + " is empty");
  return line;
}

std::optional<std::string> PromptSecret(const std::string& prompt) {
  const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) return std::nullopt;
  termios saved{};
  if (tcgetattr(tty, &saved) != 0) {
    ::close(tty);
    return std::nullopt;
  }
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(tty, TCSAFLUSH, &quiet);
  (void)!::write(tty, prompt.data(), prompt.size());
  std::string value;
  char c = 0;
  while (::read(tty, &c, 1) == 1 && c != '\n') value += c;
  (void)!::write(tty, "\n", 1);
  tcsetattr(tty, TCSAFLUSH, &saved);
  ::close(tty);
  return value;
}

}  // namespace orch::cli
