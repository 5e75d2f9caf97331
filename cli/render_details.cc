// One object as "Key: value" lines, and one history row as one line.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/render.h"
#include "jobs/iso_time.h"

namespace orch::cli {
namespace {

using nlohmann::json;

// Members naming the object, most specific first: the first one present leads, then its name.
constexpr std::array<std::string_view, 6> kIdentityKeys = {"JobHistoryId", "JobId",  "Id", "id",
                                                           "AgentPoolId",  "AgentId"};
constexpr std::array<std::string_view, 2> kNameKeys = {"Name", "name"};

// Members that hold an ISO 8601 time in the daemon's answers.
constexpr std::array<std::string_view, 12> kTimeKeys = {
    "Created",   "ImportDate",   "LastSeen",       "modificationTime", "NextRunTime",  "NotAfter",
    "NotBefore", "OperationEnd", "OperationStart", "Requested",        "ScheduledFor", "StartedAt"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::vector<std::string> OrderedKeys(const json& object) {
  std::vector<std::string> keys;
  for (std::string_view key : kIdentityKeys) {
    if (object.contains(key)) {
      keys.emplace_back(key);
      break;
    }
  }
  for (std::string_view key : kNameKeys) {
    if (object.contains(key)) keys.emplace_back(key);
  }
  // nlohmann::json keeps the other members sorted by name.
  for (const auto& [key, value] : object.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  return keys;
}

// Whether a member takes lines of its own below its key. A Schedule is worded on one line.
bool IsBlock(std::string_view key, const json& value) {
  if (key == "Schedule") return false;
  if (value.is_object()) return !value.empty();
  if (!value.is_array()) return false;
  return std::any_of(value.begin(), value.end(),
                     [](const json& item) { return item.is_structured(); });
}

// LastErrorCode: the signed 32-bit form of a CodeString such as A0110001.
std::string ErrorCodeText(const json& value) {
  if (!value.is_number_integer()) return ValueText(value);
  const int64_t code = value.get<int64_t>();
  if (code < INT32_MIN || code > UINT32_MAX) return ValueText(value);
  char text[16];
  std::snprintf(text, sizeof text, "%08X", static_cast<uint32_t>(code));
  return text;
}

Cell InlineValue(const json& object, const std::string& key, const json& value,
                 const RenderContext& ctx) {
  if (Contains(kTimeKeys, key)) return FormatTime(value, ctx);
  if (key == "Schedule") return ScheduleText(value, Member(object, "ScheduleType"), ctx);
  if (key == "Result") return Cell(RunResultText(value), ResultStyle(value));
  if (key == "AgentPlatform") return AgentPlatformText(value);
  if (key == "AuthCertificateReenrollment") return ReenrollmentText(value);
  if (key == "CertStoreType") return StoreTypeText(value);
  if (key == "LastErrorCode") return ErrorCodeText(value);
  if (key == "UptimeSeconds" && value.is_number_integer()) {
    return DurationText(std::chrono::seconds(value.get<int64_t>()));
  }
  if (key == "Status" && object.contains("AgentPlatform")) return AgentStatusText(value);
  if (key == "Status" && object.contains("JobHistoryId")) return RunStatusText(value);
  return ValueText(value);
}

// `prefix` then the cell's text; each further line of the text under the first.
void AppendValue(const std::string& prefix, const Cell& cell, bool color, std::string* out) {
  const std::string indent(static_cast<size_t>(TextWidth(prefix)), ' ');
  size_t start = 0;
  bool first = true;
  while (true) {
    const size_t end = cell.text.find('\n', start);
    std::string_view line = std::string_view(cell.text).substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string safe = TerminalSafe(line);
    *out += first ? prefix : indent;
    *out += color && !safe.empty() ? Paint(safe, cell.style) : safe;
    out->erase(out->find_last_not_of(' ') + 1);
    *out += '\n';
    first = false;
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

void AppendObject(const json& object, size_t indent, const RenderContext& ctx, std::string* out);

void AppendItem(const json& item, size_t indent, const RenderContext& ctx, std::string* out) {
  const std::string pad(indent, ' ');
  if (item.is_object() && !item.empty()) {
    // The object's first line carries the "- " in place of two of its spaces.
    const size_t begin = out->size();
    AppendObject(item, indent + 2, ctx, out);
    out->replace(begin + indent, 2, "- ");
    return;
  }
  AppendValue(pad + "- ", Cell(ValueText(item)), ctx.color, out);
}

void AppendObject(const json& object, size_t indent, const RenderContext& ctx, std::string* out) {
  const std::string pad(indent, ' ');
  const std::vector<std::string> keys = OrderedKeys(object);
  int key_width = 0;
  for (const std::string& key : keys) {
    if (!IsBlock(key, object[key])) key_width = std::max(key_width, TextWidth(TerminalSafe(key)));
  }
  // One-line members first, aligned, then the nested ones, each under its key.
  const size_t value_column = indent + static_cast<size_t>(key_width) + 2;
  for (const std::string& key : keys) {
    const json& value = object[key];
    if (IsBlock(key, value)) continue;
    std::string prefix = pad + TerminalSafe(key) + ":";
    prefix.append(value_column - static_cast<size_t>(TextWidth(prefix)), ' ');
    AppendValue(prefix, InlineValue(object, key, value, ctx), ctx.color, out);
  }
  for (const std::string& key : keys) {
    const json& value = object[key];
    if (!IsBlock(key, value)) continue;
    *out += pad + TerminalSafe(key) + ":\n";
    if (value.is_object()) {
      AppendObject(value, indent + 2, ctx, out);
    } else {
      for (const json& item : value) AppendItem(item, indent + 2, ctx, out);
    }
  }
}

// The latest event of a run: its end, else its start, else when it was due.
const json& LatestTime(const json& row) {
  for (std::string_view key : {"OperationEnd", "OperationStart", "ScheduledFor"}) {
    const json& time = Member(row, key);
    if (!time.is_null()) return time;
  }
  return Member(row, "ScheduledFor");
}

std::string TimeToSecond(const json& value, const RenderContext& ctx) {
  if (!value.is_string()) return ValueText(value);
  StatusOr<WallTime> time = jobs::ParseIsoTime(value.get_ref<const std::string&>());
  return time.ok() ? LocalTimeText(*time, ctx.zone, true) : ValueText(value);
}

}  // namespace

std::string RenderDetails(const json& object, const RenderContext& ctx) {
  std::string out;
  if (!object.is_object() || object.empty()) {
    AppendValue("", Cell(ValueText(object.is_object() ? json() : object)), ctx.color, &out);
    return out;
  }
  AppendObject(object, 0, ctx, &out);
  return out;
}

std::string RenderHistoryLine(const json& row, const RenderContext& ctx) {
  const json& result = Member(row, "Result");
  std::vector<Cell> parts = {
      TimeToSecond(LatestTime(row), ctx),   "#" + ValueText(Member(row, "JobHistoryId")),
      RunStatusText(Member(row, "Status")), Cell(RunResultText(result), ResultStyle(result)),
      ValueText(Member(row, "JobId")),      ValueText(Member(row, "ClientMachine"))};
  const json& message = Member(row, "Message");
  if (!message.is_null() && message != "") parts.emplace_back(ValueText(message));
  std::string line;
  for (const Cell& part : parts) {
    const std::string text = TerminalSafe(part.text);
    if (!line.empty()) line += "  ";
    line += ctx.color ? Paint(text, part.style) : text;
  }
  return line + "\n";
}

}  // namespace orch::cli
