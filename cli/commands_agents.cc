// orchctl status, metrics, agents, pools and secrets.
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "jobs/bounded_json.h"
#include "jobs/url.h"

namespace orch::cli {
namespace {

constexpr char kDefaultPool[] = "00000000-0000-0000-0000-000000000000";

// The GUIDs of positional arguments, lowercased; InvalidArgument naming the first bad one.
StatusOr<json> GuidList(const std::vector<std::string>& ids, const std::string& what) {
  json list = json::array();
  for (const std::string& id : ids) {
    ORCH_ASSIGN_OR_RETURN(std::string guid, GuidArgument(id, what));
    list.push_back(guid);
  }
  return list;
}

// "ID", "ID:discover", "ID:monitor" or "ID:discover,monitor": a pool member.
StatusOr<json> PoolMember(const std::string& text) {
  const size_t colon = text.find(':');
  ORCH_ASSIGN_OR_RETURN(std::string id, GuidArgument(text.substr(0, colon), "--agent"));
  json member = {{"AgentId", id}, {"EnableDiscover", false}, {"EnableMonitor", false}};
  if (colon == std::string::npos) return member;
  std::string flags = text.substr(colon + 1) + ",";
  for (size_t start = 0, comma; (comma = flags.find(',', start)) != std::string::npos;
       start = comma + 1) {
    const std::string flag = flags.substr(start, comma - start);
    if (flag == "discover") {
      member["EnableDiscover"] = true;
    } else if (flag == "monitor") {
      member["EnableMonitor"] = true;
    } else {
      return InvalidArgumentError("--agent " + text.substr(0, 80) +
                                  ": after ':' come discover and/or monitor, comma-separated");
    }
  }
  return member;
}

// A pool's members in the shape PUT /AgentPools takes.
json MembersForPut(const json& pool) {
  json members = json::array();
  const json& agents = jobs::JsonMember(pool, "Agents");
  for (const json& agent : agents.is_array() ? agents : json::array()) {
    members.push_back({{"AgentId", jobs::JsonString(agent, "AgentId")},
                       {"EnableDiscover", jobs::JsonBool(agent, "EnableDiscover")},
                       {"EnableMonitor", jobs::JsonBool(agent, "EnableMonitor")}});
  }
  return members;
}

// GET the pool, let `change` edit the PUT body, PUT it and print the answer.
Status EditPool(const Session& session, const std::string& pool_id,
                const std::function<Status(json& body)>& change) {
  ORCH_ASSIGN_OR_RETURN(std::string id, GuidArgument(pool_id, "POOL"));
  ORCH_ASSIGN_OR_RETURN(json pool, CallJson(session, "GET", "/AgentPools/" + id));
  json body = {{"AgentPoolId", id},
               {"Name", jobs::JsonString(pool, "Name")},
               {"Agents", MembersForPut(pool)}};
  ORCH_RETURN_IF_ERROR(change(body));
  ORCH_ASSIGN_OR_RETURN(json updated, CallJson(session, "PUT", "/AgentPools", body));
  PrintObject(session, updated);
  return Status::Ok();
}

void AddStatus(CLI::App& app, Session& session, Action& run) {
  app.add_subcommand("status", "show whether orchd is healthy, its store, listener and counters")
      ->callback([&] {
        run = [&] {
          ORCH_ASSIGN_OR_RETURN(json status, CallJson(session, "GET", "/Status"));
          PrintObject(session, status);
          return Status::Ok();
        };
      });
}

void AddMetrics(CLI::App& app, Session& session, Action& run) {
  app.add_subcommand("metrics", "print orchd's metrics in the Prometheus text format")
      ->callback([&] {
        run = [&] {
          // The exposition as orchd wrote it (there is no JSON form; --json changes nothing).
          ORCH_ASSIGN_OR_RETURN(HttpAnswer answer, CallOk(session, "GET", "/metrics"));
          PrintText(answer.body);
          return Status::Ok();
        };
      });
}

// approve, disapprove and reset: a POST of the ids.
void AddAgentIdsCommand(CLI::App* agents, Session& session, Action& run, const std::string& name,
                        const std::string& path, const std::string& help) {
  auto ids = std::make_shared<std::vector<std::string>>();
  CLI::App* command = agents->add_subcommand(name, help);
  command->add_option("ID", *ids, "agent ids")->required();
  command->callback([&session, &run, ids, path, name] {
    run = [&session, ids, path, name] {
      ORCH_ASSIGN_OR_RETURN(json list, GuidList(*ids, "ID"));
      ORCH_RETURN_IF_ERROR(CallOk(session, "POST", path, list).status());
      if (!session.json) PrintText(name + ": " + std::to_string(list.size()) + " agent(s)");
      return Status::Ok();
    };
  });
}

void AddAgents(CLI::App& app, Session& session, Action& run) {
  CLI::App* agents = app.add_subcommand("agents", "list, approve and manage agents");
  agents->require_subcommand(1);
  auto list = std::make_shared<ListFlags>();
  CLI::App* list_command =
      agents->add_subcommand("list", "list agents (default sort ClientMachine)");
  AddListFlags(list_command, *list);
  list_command->callback([&session, &run, list] {
    run = [&session, list] { return PrintList(session, "/Agents", *list, RenderAgents); };
  });

  auto id = std::make_shared<std::string>();
  CLI::App* show = agents->add_subcommand("show", "show one agent");
  show->add_option("ID", *id, "agent id")->required();
  show->callback([&session, &run, id] {
    run = [&session, id] {
      ORCH_ASSIGN_OR_RETURN(std::string guid, GuidArgument(*id, "ID"));
      ORCH_ASSIGN_OR_RETURN(json agent, CallJson(session, "GET", "/Agents/" + guid));
      PrintObject(session, agent);
      return Status::Ok();
    };
  });
  AddAgentIdsCommand(agents, session, run, "approve", "/Agents/Approve",
                     "approve agents: they get jobs from their next call");
  AddAgentIdsCommand(agents, session, run, "disapprove", "/Agents/Disapprove",
                     "disapprove agents: their sessions end and registrations are refused");
  AddAgentIdsCommand(agents, session, run, "reset", "/Agents/Reset",
                     "reset agents to New, as if they had never been approved");

  struct Reenroll {
    std::vector<std::string> ids;
    bool request = false, require = false, clear = false;
  };
  auto reenroll = std::make_shared<Reenroll>();
  CLI::App* command = agents->add_subcommand(
      "reenroll", "ask agents to renew their client certificate at their next registration");
  command->add_option("ID", reenroll->ids, "agent ids")->required();
  auto* request = command->add_flag("--request", reenroll->request,
                                    "renew when convenient (the agent keeps working)");
  auto* require = command->add_flag("--require", reenroll->require,
                                    "renew before anything else (no jobs until it does)");
  auto* clear = command->add_flag("--clear", reenroll->clear, "withdraw the request");
  request->excludes(require)->excludes(clear);
  require->excludes(clear);
  command->callback([&session, &run, reenroll] {
    run = [&session, reenroll] {
      if (!reenroll->request && !reenroll->require && !reenroll->clear) {
        return InvalidArgumentError("reenroll needs one of --request, --require or --clear");
      }
      ORCH_ASSIGN_OR_RETURN(json ids, GuidList(reenroll->ids, "ID"));
      const int status = reenroll->require ? 2 : reenroll->request ? 1 : 0;
      ORCH_ASSIGN_OR_RETURN(json answer,
                            CallJson(session, "POST", "/Agents/SetAuthCertificateReenrollment",
                                     {{"OrchestratorIds", ids}, {"Status", status}}));
      if (session.json) {
        PrintText(answer.dump());
        return Status::Ok();
      }
      const json& listed = jobs::JsonMember(answer, "FailedOrchestratorIds");
      const json failed = listed.is_array() ? listed : json::array();
      PrintText("reenroll: " + std::to_string(ids.size() - failed.size()) + " agent(s) set");
      if (!failed.empty()) return FailedPreconditionError("unknown agent(s): " + failed.dump());
      return Status::Ok();
    };
  });
}

void AddPools(CLI::App& app, Session& session, Action& run) {
  CLI::App* pools = app.add_subcommand("pools", "agent pools: which agents serve a pool's stores");
  pools->require_subcommand(1);
  auto list = std::make_shared<ListFlags>();
  CLI::App* list_command = pools->add_subcommand("list", "list agent pools");
  AddListFlags(list_command, *list);
  list_command->callback([&session, &run, list] {
    run = [&session, list] { return PrintList(session, "/AgentPools", *list, RenderPools); };
  });
  auto members = std::make_shared<ListFlags>();
  CLI::App* default_members =
      pools->add_subcommand("default-members", "list the Default Agent Pool's members");
  AddListFlags(default_members, *members);
  default_members->callback([&session, &run, members] {
    run = [&session, members] {
      return PrintList(session, "/AgentPools/Agents", *members, RenderPoolAgents);
    };
  });

  auto id = std::make_shared<std::string>();
  CLI::App* show = pools->add_subcommand("show", "show a pool and its agents");
  show->add_option("POOL", *id,
                   "pool id (the Default Agent Pool is " + std::string(kDefaultPool) + ")")
      ->required();
  show->callback([&session, &run, id] {
    run = [&session, id] {
      ORCH_ASSIGN_OR_RETURN(std::string guid, GuidArgument(*id, "POOL"));
      ORCH_ASSIGN_OR_RETURN(json pool, CallJson(session, "GET", "/AgentPools/" + guid));
      PrintObject(session, pool);
      return Status::Ok();
    };
  });

  struct PoolArgs {
    std::string pool, name;
    std::vector<std::string> agents;
  };
  auto create = std::make_shared<PoolArgs>();
  CLI::App* create_command = pools->add_subcommand("create", "create a pool");
  create_command->add_option("NAME", create->name, "pool name (unique, any case)")->required();
  create_command->add_option("--agent", create->agents,
                             "member as ID[:discover,monitor] (repeatable)");
  create_command->callback([&session, &run, create] {
    run = [&session, create] {
      json members = json::array();
      for (const std::string& text : create->agents) {
        ORCH_ASSIGN_OR_RETURN(json member, PoolMember(text));
        members.push_back(std::move(member));
      }
      ORCH_ASSIGN_OR_RETURN(json pool, CallJson(session, "POST", "/AgentPools",
                                                {{"Name", create->name}, {"Agents", members}}));
      PrintObject(session, pool);
      return Status::Ok();
    };
  });

  auto update = std::make_shared<PoolArgs>();
  CLI::App* update_command =
      pools->add_subcommand("update", "rename a pool and/or replace its members");
  update_command->add_option("POOL", update->pool, "pool id")->required();
  update_command->add_option("--name", update->name, "new name");
  update_command->add_option("--agent", update->agents,
                             "the members, replacing all: ID[:discover,monitor] (repeatable)");
  update_command->callback([&session, &run, update, update_command] {
    const bool replace_members = update_command->count("--agent") > 0;
    run = [&session, update, replace_members] {
      return EditPool(session, update->pool, [&](json& body) -> Status {
        if (!update->name.empty()) body["Name"] = update->name;
        if (!replace_members) return Status::Ok();
        body["Agents"] = json::array();
        for (const std::string& text : update->agents) {
          ORCH_ASSIGN_OR_RETURN(json member, PoolMember(text));
          body["Agents"].push_back(std::move(member));
        }
        return Status::Ok();
      });
    };
  });

  struct MemberArgs {
    std::string pool, agent;
  };
  auto add = std::make_shared<MemberArgs>();
  CLI::App* add_command = pools->add_subcommand("add-agent", "add an agent to a pool");
  add_command->add_option("POOL", add->pool, "pool id")->required();
  add_command->add_option("AGENT", add->agent, "agent as ID[:discover,monitor]")->required();
  add_command->callback([&session, &run, add] {
    run = [&session, add] {
      return EditPool(session, add->pool, [&](json& body) -> Status {
        ORCH_ASSIGN_OR_RETURN(json member, PoolMember(add->agent));
        json& agents = body["Agents"];
        for (json& existing : agents) {
          if (existing["AgentId"] == member["AgentId"]) {
            existing = member;  // already a member: its flags are updated
            return Status::Ok();
          }
        }
        agents.push_back(std::move(member));
        return Status::Ok();
      });
    };
  });
  auto remove = std::make_shared<MemberArgs>();
  CLI::App* remove_command =
      pools->add_subcommand("remove-agent", "remove an agent from a pool (back to the Default)");
  remove_command->add_option("POOL", remove->pool, "pool id")->required();
  remove_command->add_option("AGENT", remove->agent, "agent id")->required();
  remove_command->callback([&session, &run, remove] {
    run = [&session, remove] {
      return EditPool(session, remove->pool, [&](json& body) -> Status {
        ORCH_ASSIGN_OR_RETURN(std::string agent, GuidArgument(remove->agent, "AGENT"));
        json kept = json::array();
        for (const json& member : body["Agents"]) {
          if (member["AgentId"] != agent) kept.push_back(member);
        }
        if (kept.size() == body["Agents"].size()) {
          return FailedPreconditionError("agent " + agent + " is not a member of pool " +
                                         remove->pool);
        }
        body["Agents"] = std::move(kept);
        return Status::Ok();
      });
    };
  });

  auto doomed = std::make_shared<std::string>();
  CLI::App* delete_command =
      pools->add_subcommand("delete", "delete a pool; its agents return to the Default pool");
  delete_command->add_option("POOL", *doomed, "pool id")->required();
  delete_command->callback([&session, &run, doomed] {
    run = [&session, doomed] {
      ORCH_ASSIGN_OR_RETURN(std::string guid, GuidArgument(*doomed, "POOL"));
      ORCH_RETURN_IF_ERROR(CallOk(session, "DELETE", "/AgentPools/" + guid).status());
      if (!session.json) PrintText("pool " + guid + " deleted");
      return Status::Ok();
    };
  });
}

void AddSecrets(CLI::App& app, Session& session, Action& run) {
  CLI::App* secrets = app.add_subcommand("secrets", "agent secrets: what a new agent enrolls with");
  secrets->require_subcommand(1);
  secrets->add_subcommand("list", "list secrets (never their values)")->callback([&] {
    run = [&] { return PrintList(session, "/api/v2/agent/secrets", ListFlags{}, RenderSecrets); };
  });
  auto name = std::make_shared<std::string>();
  CLI::App* create = secrets->add_subcommand(
      "create", "create a secret; its value is printed this once and never again");
  create->add_option("NAME", *name, "unique name (generated when absent)");
  create->callback([&session, &run, name] {
    run = [&session, name] {
      json body = json::object();
      if (!name->empty()) body["name"] = *name;
      ORCH_ASSIGN_OR_RETURN(json created, CallJson(session, "POST", "/api/v2/agent/secrets", body));
      if (session.json) {
        PrintText(created.dump());
      } else {
        PrintText("secret " + jobs::JsonString(created, "name") +
                  " created; its value, shown only now:\n" + jobs::JsonString(created, "secret"));
      }
      return Status::Ok();
    };
  });
  auto revoked = std::make_shared<std::string>();
  CLI::App* revoke = secrets->add_subcommand(
      "revoke", "revoke a secret: it, its tokens and their sessions stop working at once");
  revoke->add_option("NAME", *revoked, "secret name")->required();
  revoke->callback([&session, &run, revoked] {
    run = [&session, revoked] {
      ORCH_ASSIGN_OR_RETURN(json answer, CallJson(session, "POST",
                                                  "/api/v2/agent/secrets/" +
                                                      jobs::PercentEncode(*revoked) + "/revoke"));
      PrintText(session.json ? answer.dump() : "secret " + *revoked + " revoked");
      return Status::Ok();
    };
  });
}

}  // namespace

void AddAgentCommands(CLI::App& app, Session& session, Action& run) {
  AddStatus(app, session, run);
  AddMetrics(app, session, run);
  AddAgents(app, session, run);
  AddPools(app, session, run);
  AddSecrets(app, session, run);
}

}  // namespace orch::cli
