// The list tables. Column choices: what an operator acts on first (ids to copy into the next
// command, the machine, the state), then times, then the long texts that may be cut.
#include "cli/render.h"

#include <functional>

#include <nlohmann/json.hpp>

#include "jobs/iso_time.h"

namespace orch::cli {
namespace {

using nlohmann::json;

// "2026-12-04 09:12": a time without its hint.
constexpr int kTimeMinWidth = 16;
constexpr int kMachineMinWidth = 12;
constexpr int kScheduleMinWidth = 12;
// Names that commands take (pools, secrets): kept whole up to here before ids are cut.
constexpr int kHandleMinWidth = 32;
// "CN=web01.example.com, O=Exa": enough of a subject to tell certificates apart.
constexpr int kSubjectMinWidth = 24;
constexpr std::string_view kDefaultPoolId = "00000000-0000-0000-0000-000000000000";

Column Id(std::string header) {
  return Column(std::move(header), Fit::kShrinkLast);
}
Column Keep(std::string header) {
  return Column(std::move(header), Fit::kKeep);
}
Column Text(std::string header) {
  return Column(std::move(header), Fit::kShrinkFirst);
}
Column Name(std::string header, int min_width = 0) {
  return Column(std::move(header), Fit::kShrink, min_width);
}
Column Time(std::string header) {
  return Column(std::move(header), Fit::kShrink, kTimeMinWidth);
}

// A member as text (ValueText).
std::string Field(const json& row, std::string_view key) {
  return ValueText(Member(row, key));
}

// A member as a time: FormatTime, and when the column is narrower, the local time alone, then
// the relative hint alone ("3 min ago").
Cell TimeField(const json& row, std::string_view key, const RenderContext& ctx) {
  const json& value = Member(row, key);
  if (!value.is_string()) return FormatTime(value, ctx);
  StatusOr<WallTime> time = jobs::ParseIsoTime(value.get_ref<const std::string&>());
  if (!time.ok()) return FormatTime(value, ctx);
  return Cell(FormatTime(value, ctx),
              {LocalTimeText(*time, ctx.zone), RelativeTimeText(*time, ctx.now)});
}

// One row per element of `rows` (nothing when it is not an array), cells from `cells`.
std::string Render(std::vector<Column> columns, const json& rows, const RenderContext& ctx,
                   const std::function<std::vector<Cell>(const json&)>& cells) {
  Table table(std::move(columns));
  if (rows.is_array()) {
    for (const json& row : rows) table.AddRow(cells(row));
  }
  return table.Render(ctx.width, ctx.color);
}

// A pool member's flag: "n/a" when the agent does not advertise the capability, so that being
// enabled for it changes nothing; else whether it is enabled.
std::string MemberFlag(const json& member, std::string_view enable, std::string_view allows) {
  if (Member(member, allows) == false) return "n/a";
  return Member(member, enable) == true ? "yes" : "no";
}

std::string ServedBy(const json& store) {
  const json& agent = Member(store, "AgentId");
  if (agent.is_string()) return "agent " + agent.get<std::string>();
  const json& pool = Member(store, "AgentPoolId");
  if (pool.is_string()) {
    const std::string& id = pool.get_ref<const std::string&>();
    return id == kDefaultPoolId ? "Default pool" : "pool " + id;
  }
  return "-";
}

std::string ContainerOf(const json& store) {
  const json& name = Member(store, "ContainerName");
  return name.is_null() ? Field(store, "ContainerId") : ValueText(name);
}

std::string OperationsOf(const json& type) {
  std::string text;
  const json& operations = Member(type, "SupportedOperations");
  if (operations.is_object()) {
    for (const auto& [name, supported] : operations.items()) {
      if (supported == true) text += (text.empty() ? "" : ", ") + name;
    }
  }
  return text.empty() ? "-" : text;
}

}  // namespace

std::string RenderAgents(const json& rows, const RenderContext& ctx) {
  return Render({Id("ID"), Name("MACHINE", kMachineMinWidth), Keep("STATUS"), Keep("VERSION"),
                 Time("LAST SEEN"), Keep("REENROLL")},
                rows, ctx, [&](const json& row) -> std::vector<Cell> {
                  return {Field(row, "AgentId"),
                          Field(row, "ClientMachine"),
                          AgentStatusText(Member(row, "Status")),
                          Field(row, "Version"),
                          TimeField(row, "LastSeen", ctx),
                          ReenrollmentText(Member(row, "AuthCertificateReenrollment"))};
                });
}

std::string RenderPools(const json& rows, const RenderContext& ctx) {
  return Render({Id("ID"), Name("NAME", kHandleMinWidth), Keep("AGENTS"), Keep("DISCOVER"),
                 Keep("MONITOR"), Keep("MANAGED")},
                rows, ctx, [](const json& row) -> std::vector<Cell> {
                  const json& agents = Member(row, "Agents");
                  return {Field(row, "AgentPoolId"),
                          Field(row, "Name"),
                          agents.is_array() ? std::to_string(agents.size()) : "-",
                          Field(row, "DiscoverAgentsCount"),
                          Field(row, "MonitorAgentsCount"),
                          Field(row, "Managed")};
                });
}

std::string RenderPoolAgents(const json& rows, const RenderContext& ctx) {
  return Render({Id("AGENT ID"), Name("MACHINE", kMachineMinWidth), Keep("VERSION"),
                 Keep("DISCOVER"), Keep("MONITOR")},
                rows, ctx, [](const json& row) -> std::vector<Cell> {
                  return {Field(row, "AgentId"), Field(row, "ClientMachine"), Field(row, "Version"),
                          MemberFlag(row, "EnableDiscover", "AllowsDiscover"),
                          MemberFlag(row, "EnableMonitor", "AllowsMonitor")};
                });
}

std::string RenderSecrets(const json& rows, const RenderContext& ctx) {
  // The name is what `secrets revoke` takes; the id is for reference only.
  return Render({Name("NAME", kHandleMinWidth), Keep("STATUS"), Time("MODIFIED"), Id("ID")}, rows,
                ctx, [&](const json& row) -> std::vector<Cell> {
                  return {Field(row, "name"), Field(row, "status"),
                          TimeField(row, "modificationTime", ctx), Field(row, "id")};
                });
}

std::string RenderCertificates(const json& rows, const RenderContext& ctx) {
  return Render(
      {Keep("ID"), Id("THUMBPRINT"), Name("ISSUED DN", kSubjectMinWidth), Text("ISSUER DN"),
       Time("NOT AFTER"), Keep("KEY")},
      rows, ctx, [&](const json& row) -> std::vector<Cell> {
        return {
            Field(row, "Id"),       Field(row, "Thumbprint"),        Field(row, "IssuedDN"),
            Field(row, "IssuerDN"), TimeField(row, "NotAfter", ctx), Field(row, "HasPrivateKey")};
      });
}

std::string RenderCollections(const json& rows, const RenderContext& ctx) {
  return Render({Keep("ID"), Name("NAME"), Text("QUERY"), Text("DESCRIPTION")}, rows, ctx,
                [](const json& row) -> std::vector<Cell> {
                  return {Field(row, "Id"), Field(row, "Name"), Field(row, "Query"),
                          Field(row, "Description")};
                });
}

std::string RenderContainers(const json& rows, const RenderContext& ctx) {
  return Render({Keep("ID"), Name("NAME")}, rows, ctx, [](const json& row) -> std::vector<Cell> {
    return {Field(row, "Id"), Field(row, "Name")};
  });
}

std::string RenderStoreTypes(const json& rows, const RenderContext& ctx) {
  return Render(
      {Keep("TYPE"), Name("NAME"), Name("SHORT NAME"), Name("CAPABILITY"), Text("OPERATIONS")},
      rows, ctx, [](const json& row) -> std::vector<Cell> {
        return {Field(row, "StoreType"), Field(row, "Name"), Field(row, "ShortName"),
                Field(row, "Capability"), OperationsOf(row)};
      });
}

std::string RenderStores(const json& rows, const RenderContext& ctx) {
  // "agent 2a8d6e4c…": the minimum keeps eight characters of the id after the word.
  return Render({Id("ID"), Name("MACHINE", kMachineMinWidth), Text("STORE PATH"), Keep("TYPE"),
                 Name("CONTAINER"), Column("SERVED BY", Fit::kShrinkLast, 15)},
                rows, ctx, [](const json& row) -> std::vector<Cell> {
                  return {Field(row, "Id"),        Field(row, "ClientMachine"),
                          Field(row, "Storepath"), StoreTypeText(Member(row, "CertStoreType")),
                          ContainerOf(row),        ServedBy(row)};
                });
}

std::string RenderScheduledJobs(const json& rows, const RenderContext& ctx) {
  return Render({Id("JOB ID"), Name("MACHINE", kMachineMinWidth), Text("STORE PATH"), Text("ALIAS"),
                 Name("SCHEDULE", kScheduleMinWidth), Time("NEXT RUN"), Keep("STATE")},
                rows, ctx, [&](const json& row) -> std::vector<Cell> {
                  return {Field(row, "JobId"),
                          Field(row, "ClientMachine"),
                          Field(row, "StorePath"),
                          Field(row, "Alias"),
                          ScheduleText(Member(row, "Schedule"), Member(row, "ScheduleType"), ctx),
                          TimeField(row, "NextRunTime", ctx),
                          Field(row, "State")};
                });
}

std::string RenderHistory(const json& rows, const RenderContext& ctx) {
  return Render({Keep("AUDIT ID"), Id("JOB"), Name("MACHINE", kMachineMinWidth), Keep("STATUS"),
                 Keep("RESULT"), Time("STARTED"), Text("MESSAGE")},
                rows, ctx, [&](const json& row) -> std::vector<Cell> {
                  const json& result = Member(row, "Result");
                  return {Field(row, "JobHistoryId"),
                          Field(row, "JobId"),
                          Field(row, "ClientMachine"),
                          RunStatusText(Member(row, "Status")),
                          Cell(RunResultText(result), ResultStyle(result)),
                          TimeField(row, "OperationStart", ctx),
                          Field(row, "Message")};
                });
}

}  // namespace orch::cli
