// orchctl jobs and history.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/schedule_flags.h"
#include "jobs/bounded_json.h"
#include "jobs/url.h"

namespace orch::cli {
namespace {

struct AddArgs {
  int64_t certificate = 0;
  std::vector<std::string> stores;
  std::string stores_query;
  ScheduleFlags schedule;
  std::string alias;
  bool overwrite = false;
  bool include_private_key = false;
  std::string pfx_password_file;
  int64_t collection = 0;
};

// The ids of every store the query matches (all pages).
StatusOr<std::vector<std::string>> StoresMatching(const Session& session,
                                                  const std::string& query) {
  std::vector<std::string> ids;
  for (int64_t page = 1;; ++page) {
    ORCH_ASSIGN_OR_RETURN(
        json rows,
        CallJson(session, "GET",
                 "/CertificateStores?pq.returnLimit=1000&pq.pageReturned=" + std::to_string(page) +
                     "&pq.queryString=" + jobs::PercentEncode(query)));
    for (const json& store : rows) ids.push_back(jobs::JsonString(store, "Id"));
    if (rows.size() < 1000) return ids;
  }
}

Status AddJobs(const Session& session, const AddArgs& args) {
  std::vector<std::string> stores;
  for (const std::string& id : args.stores) {
    ORCH_ASSIGN_OR_RETURN(std::string guid, GuidArgument(id, "--store"));
    stores.push_back(guid);
  }
  if (!args.stores_query.empty()) {
    ORCH_ASSIGN_OR_RETURN(std::vector<std::string> matched,
                          StoresMatching(session, args.stores_query));
    if (matched.empty()) {
      return FailedPreconditionError("--stores-from-query: no store matches " + args.stores_query);
    }
    stores.insert(stores.end(), matched.begin(), matched.end());
  }
  if (stores.empty())
    return InvalidArgumentError("name the stores: --store ID or --stores-from-query Q");
  ORCH_ASSIGN_OR_RETURN(json schedule,
                        BuildSchedule(args.schedule, session.render.now, session.render.zone));
  json entry = {{"Overwrite", args.overwrite}, {"IncludePrivateKey", args.include_private_key}};
  if (!args.alias.empty()) entry["Alias"] = args.alias;
  if (!args.pfx_password_file.empty()) {
    ORCH_ASSIGN_OR_RETURN(std::string password,
                          ReadSecretFile(args.pfx_password_file, "--pfx-password-file"));
    entry["PfxPassword"] = std::move(password);
  }
  json targets = json::array();
  for (const std::string& id : stores) {
    json target = entry;
    target["CertificateStoreId"] = id;
    targets.push_back(std::move(target));
  }
  json body = {{"CertificateId", args.certificate},
               {"CertificateStores", std::move(targets)},
               {"Schedule", std::move(schedule)}};
  if (args.collection > 0) body["CollectionId"] = args.collection;
  ORCH_ASSIGN_OR_RETURN(json ids,
                        CallJson(session, "POST", "/CertificateStores/Certificates/Add", body));
  if (session.json) {
    PrintText(ids.dump());
    return Status::Ok();
  }
  std::string text;
  for (const json& id : ids) text += (id.is_string() ? id.get<std::string>() : id.dump()) + "\n";
  PrintText(text);
  return Status::Ok();
}

void AddJobsAdd(CLI::App* jobs, Session& session, Action& run) {
  auto args = std::make_shared<AddArgs>();
  CLI::App* add = jobs->add_subcommand(
      "add", "add a certificate to stores now, once, or on a schedule; prints the job ids");
  add->add_option("CERTIFICATE", args->certificate, "certificate id (orchctl certs list)")
      ->required()
      ->check(CLI::PositiveNumber);
  add->add_option("--store", args->stores, "target store id (repeatable)");
  add->add_option("--stores-from-query", args->stores_query,
                  "every store the query matches, e.g. 'ClientMachine -startswith \"web\"'");
  ScheduleFlags& s = args->schedule;
  add->add_flag("--now", s.now, "run once, now");
  add->add_option("--at", s.at, "run once at a time, e.g. 2027-01-31T08:00Z");
  add->add_option("--every", s.every, "run every interval: 30m, 2h, 1d");
  add->add_option("--daily", s.daily, "run every day at HH:MM");
  add->add_option("--weekly", s.weekly, "run on days at a time: mon,wed@13:30");
  add->add_option("--monthly", s.monthly, "run on a day of the month: 31@03:00 or last@03:00");
  add->add_option("--tz", s.tz, "IANA time zone of the times above, e.g. Europe/Berlin");
  add->add_option("--schedule", s.schedule,
                  "the compact form: I_30, D_02:00, W_246_13:30, M_L_03:00");
  add->add_option("--alias", args->alias, "entry name in the store (default: the thumbprint)");
  add->add_flag("--overwrite", args->overwrite, "replace an entry of the same alias");
  add->add_flag("--include-private-key", args->include_private_key,
                "deploy the private key too (the certificate must have one)");
  add->add_option("--pfx-password-file", args->pfx_password_file,
                  "file whose first line protects the PKCS#12 handed to the agent");
  add->add_option("--collection", args->collection,
                  "collection that grants you the certificate (without the global read claim)");
  add->callback(
      [&session, &run, args] { run = [&session, args] { return AddJobs(session, *args); }; });
}

// unschedule, reschedule and ack: ids or a query, as one POST.
void AddIdsOrQuery(CLI::App* jobs, Session& session, Action& run, const std::string& name,
                   const std::string& help, const std::string& path, bool audit_ids) {
  struct Args {
    std::vector<std::string> ids;
    std::string query;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = jobs->add_subcommand(name, help);
  command->add_option(audit_ids ? "AUDIT_ID" : "JOB_ID", args->ids,
                      audit_ids ? "run ids (JobHistoryId / AuditId)" : "job ids");
  command->add_option("-q,--query", args->query,
                      audit_ids ? "every run the query over history fields matches"
                                : "every job the query over job fields matches");
  command->callback([&session, &run, args, path, name, audit_ids] {
    run = [&session, args, path, name, audit_ids]() -> Status {
      if (args->ids.empty() == args->query.empty()) {
        return InvalidArgumentError(name + ": give ids or --query, not both or neither");
      }
      json body;
      if (!args->query.empty()) {
        body = {{"Query", args->query}};
      } else if (audit_ids) {
        json ids = json::array();
        for (const std::string& id : args->ids) {
          char* end = nullptr;
          const long long value = std::strtoll(id.c_str(), &end, 10);
          if (id.empty() || *end != '\0' || value < 1) {
            return InvalidArgumentError(name + ": \"" + id.substr(0, 40) + "\" is not a run id");
          }
          ids.push_back(value);
        }
        body = {{"JobAuditIds", ids}};
      } else {
        json ids = json::array();
        for (const std::string& id : args->ids) {
          ORCH_ASSIGN_OR_RETURN(std::string guid, GuidArgument(id, "JOB_ID"));
          ids.push_back(guid);
        }
        body = {{"JobIds", ids}};
      }
      ORCH_RETURN_IF_ERROR(CallOk(session, "POST", path, body).status());
      if (!session.json) PrintText(name + ": done");
      return Status::Ok();
    };
  });
}

// Ctrl-C ends a follow: every line printed was flushed, so leaving at once loses nothing.
void EndFollow(int) {
  _exit(0);
}

Status Follow(const Session& session, std::optional<int64_t> after) {
  struct sigaction action {};
  action.sa_handler = EndFollow;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::string target = "/OrchestratorJobs/JobHistory/Stream";
  if (after) target += "?after=" + std::to_string(*after);
  int status = 0;
  std::string pending;
  std::string error_body;
  ORCH_RETURN_IF_ERROR(session.Client().Stream(
      target, [&](int s) { status = s; },
      [&](std::string_view data) {
        pending.append(data);
        for (size_t end; (end = pending.find('\n')) != std::string::npos;) {
          const std::string line = pending.substr(0, end);
          pending.erase(0, end + 1);
          if (line.empty()) continue;
          if (session.json) {
            PrintText(line);
            continue;
          }
          StatusOr<json> row = jobs::ParseJson(line);
          PrintText(row.ok() ? RenderHistoryLine(*row, session.render) : line);
        }
        return true;
      },
      &error_body));
  if (status != 200) return Refusal(HttpAnswer{status, {}, error_body});
  return UnavailableError("orchd at " + session.Client().socket_path() +
                          " ended the history stream");
}

void AddHistory(CLI::App& app, Session& session, Action& run) {
  struct Args {
    ListFlags list;
    bool follow = false;
    std::optional<int64_t> after;
  };
  auto args = std::make_shared<Args>();
  CLI::App* history =
      app.add_subcommand("history", "the runs of jobs: what ran where, when and with what result");
  AddListFlags(history, args->list);
  auto* follow = history->add_flag("-f,--follow", args->follow,
                                   "print runs as they are written or change, until Ctrl-C");
  history->add_option("--after", args->after, "with --follow: first replay the runs after this id")
      ->needs(follow)
      ->check(CLI::NonNegativeNumber);
  for (const char* flag : {"--query", "--sort", "--desc", "--limit", "--page", "--all"}) {
    follow->excludes(history->get_option(flag));
  }
  history->callback([&session, &run, args] {
    run = [&session, args] {
      if (args->follow) return Follow(session, args->after);
      return PrintList(session, "/OrchestratorJobs/JobHistory", args->list, RenderHistory);
    };
  });
}

}  // namespace

void AddJobCommands(CLI::App& app, Session& session, Action& run) {
  CLI::App* jobs = app.add_subcommand("jobs", "certificate-add jobs: add, list, unschedule, retry");
  jobs->require_subcommand(1);
  AddJobsAdd(jobs, session, run);
  auto scheduled = std::make_shared<ListFlags>();
  CLI::App* list = jobs->add_subcommand("scheduled", "list jobs and their next run");
  AddListFlags(list, *scheduled);
  list->callback([&session, &run, scheduled] {
    run = [&session, scheduled] {
      return PrintList(session, "/OrchestratorJobs/ScheduledJobs", *scheduled, RenderScheduledJobs);
    };
  });
  AddIdsOrQuery(jobs, session, run, "unschedule", "stop jobs from firing again",
                "/OrchestratorJobs/Unschedule", false);
  AddIdsOrQuery(jobs, session, run, "reschedule", "run failed runs' jobs again now",
                "/OrchestratorJobs/Reschedule", true);
  AddIdsOrQuery(jobs, session, run, "ack", "acknowledge failed or warning runs",
                "/OrchestratorJobs/Acknowledge", true);
  AddHistory(app, session, run);
}

}  // namespace orch::cli
