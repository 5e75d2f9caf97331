// What every orchctl subcommand shares: the session (socket, output mode), calls that turn the
// daemon's refusals into a Status, list paging flags, output, and reading secrets safely.
// Internal to cli/.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/control_client.h"
#include "cli/render.h"
#include "common/status.h"

namespace orch::cli {

using nlohmann::json;

/// The invocation's global settings, filled by the flags before any subcommand runs.
struct Session {
  std::optional<std::string> socket_flag;  // --socket
  bool json = false;                       // --json: the daemon's JSON, unchanged
  RenderContext render;                    // for tables: now, zone, width, colour

  /// The client for the resolved socket (--socket, $ORCHD_SOCKET, /run/orchd, ./var).
  ControlClient Client() const;
};

/// The action a parsed subcommand runs; set by the subcommand's CLI11 callback.
using Action = std::function<Status()>;

/// A daemon refusal: its errorMessage, with the errorDetails field when there is one. Never
/// Unavailable (that code means the daemon could not be reached).
Status Refusal(const HttpAnswer& answer);

/// Calls the daemon; the answer when its status is 2xx, Refusal() otherwise.
StatusOr<HttpAnswer> CallOk(const Session& session, std::string_view method,
                            std::string_view target, const json& body = nullptr);
/// CallOk() with the body parsed as JSON (bounded depth); Internal when it is not JSON.
StatusOr<json> CallJson(const Session& session, std::string_view method, std::string_view target,
                        const json& body = nullptr);

/// The list flags every list subcommand takes.
struct ListFlags {
  std::string query;
  std::string sort;
  bool desc = false;
  int64_t limit = 0;  // 0: the daemon's default
  int64_t page = 0;   // 0: the first
  bool all = false;
};
/// Adds --query, --sort, --desc, --limit, --page and --all to `command`.
void AddListFlags(CLI::App* command, ListFlags& flags);
/// GETs the list at `path` (with --all, every page, using x-total-count) and prints it: the
/// daemon's JSON with --json (one array), else `render`'s table.
Status PrintList(const Session& session, const std::string& path, const ListFlags& flags,
                 const std::function<std::string(const json&, const RenderContext&)>& render);

/// Prints `value` as the daemon sent it (--json) or as "Key: value" lines.
void PrintObject(const Session& session, const json& value);
/// Writes `text` to stdout (a newline is added when missing).
void PrintText(const std::string& text);

/// `id` checked to be a GUID (for path segments); InvalidArgument naming `what`.
StatusOr<std::string> GuidArgument(const std::string& id, const std::string& what);

/// The first line of the file at `path` (without its line end): how secrets reach orchctl, never
/// as flag values. InvalidArgument naming `flag` when it cannot be read or is empty.
StatusOr<std::string> ReadSecretFile(const std::string& path, const std::string& flag);
/// Asks on the terminal (/dev/tty) with echo off; nullopt when there is no terminal.
std::optional<std::string> PromptSecret(const std::string& prompt);

}  // namespace orch::cli
