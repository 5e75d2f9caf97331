// orchctl certs, collections, containers, store-types and stores.
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "jobs/bounded_json.h"
#include "jobs/url.h"
#include "pki/base64.h"

namespace orch::cli {
namespace {

constexpr char kDefaultPool[] = "00000000-0000-0000-0000-000000000000";
// The daemon takes certificate files up to 1 MiB; anything much larger is not one.
constexpr size_t kMaxCertificateFileBytes = 4u << 20;

StatusOr<std::string> ReadInput(const std::string& path) {
  std::string bytes;
  if (path == "-") {
    bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) return InvalidArgumentError("cannot read " + path);
    bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  if (bytes.empty()) return InvalidArgumentError((path == "-" ? "stdin" : path) + " is empty");
  if (bytes.size() > kMaxCertificateFileBytes) {
    return InvalidArgumentError((path == "-" ? "stdin" : path) + " is larger than 4 MiB");
  }
  return bytes;
}

// A refusal that asks for the password the file needs.
bool NeedsPassword(const Status& status) {
  return status.message().find("(field Password)") != std::string::npos &&
         status.message().find("Password is required") != std::string::npos;
}

struct ImportArgs {
  std::string file;
  std::string password_file;
};

Status Import(const Session& session, const ImportArgs& args) {
  ORCH_ASSIGN_OR_RETURN(std::string bytes, ReadInput(args.file));
  json body = {{"Certificate", pki::Base64Encode(bytes)}};
  if (!args.password_file.empty()) {
    ORCH_ASSIGN_OR_RETURN(std::string password,
                          ReadSecretFile(args.password_file, "--password-file"));
    body["Password"] = std::move(password);
  }
  StatusOr<json> imported = CallJson(session, "POST", "/Certificates/Import", body);
  if (!imported.ok() && args.password_file.empty() && NeedsPassword(imported.status())) {
    // The file is protected: ask on the terminal, never on the command line.
    std::optional<std::string> password = PromptSecret("Password for " + args.file + ": ");
    if (!password) {
      return FailedPreconditionError(args.file +
                                     " needs a password: give it with --password-file FILE");
    }
    body["Password"] = std::move(*password);
    imported = CallJson(session, "POST", "/Certificates/Import", body);
  }
  if (!imported.ok()) return imported.status();
  PrintObject(session, *imported);
  return Status::Ok();
}

// GET <path>/<id> and print it.
Status Show(const Session& session, const std::string& path, const std::string& id) {
  ORCH_ASSIGN_OR_RETURN(json value, CallJson(session, "GET", path + "/" + jobs::PercentEncode(id)));
  PrintObject(session, value);
  return Status::Ok();
}

// A list subcommand of `parent` named `name` over `path`.
void AddList(CLI::App* parent, Session& session, Action& run, const std::string& name,
             const std::string& help, const std::string& path,
             std::string (*render)(const json&, const RenderContext&)) {
  auto flags = std::make_shared<ListFlags>();
  CLI::App* command = parent->add_subcommand(name, help);
  AddListFlags(command, *flags);
  command->callback([&session, &run, flags, path, render] {
    run = [&session, flags, path, render] { return PrintList(session, path, *flags, render); };
  });
}

// A show subcommand of `parent`: GET path/ID.
void AddShow(CLI::App* parent, Session& session, Action& run, const std::string& help,
             const std::string& path, const std::string& id_help) {
  auto id = std::make_shared<std::string>();
  CLI::App* command = parent->add_subcommand("show", help);
  command->add_option("ID", *id, id_help)->required();
  command->callback([&session, &run, id, path] {
    run = [&session, id, path] { return Show(session, path, *id); };
  });
}

void AddCerts(CLI::App& app, Session& session, Action& run) {
  CLI::App* certs = app.add_subcommand("certs", "import and list certificates");
  certs->require_subcommand(1);
  auto args = std::make_shared<ImportArgs>();
  CLI::App* import = certs->add_subcommand(
      "import",
      "import a PEM, DER or PKCS#12 file (FILE, or - for stdin); a PKCS#12 password "
      "comes from --password-file or a prompt, never from the command line");
  import->add_option("FILE", args->file, "the certificate file, or - to read stdin")->required();
  import->add_option("--password-file", args->password_file,
                     "file whose first line is the PKCS#12 (or encrypted key) password");
  import->callback([&session, &run, args] {
    run = [&session, args] { return Import(session, *args);
};
}  // namespace
);
AddList(certs, session, run, "list", "list certificates (default sort Id)", "/Certificates",
        RenderCertificates);
AddShow(certs, session, run, "show a certificate and its chain", "/Certificates", "certificate id");
}  // namespace orch::cli

void AddCollections(CLI::App& app, Session& session, Action& run) {
  CLI::App* collections =
      app.add_subcommand("collections", "certificate collections: named queries over certificates");
  collections->require_subcommand(1);
  AddList(collections, session, run, "list", "list collections", "/CertificateCollections",
          RenderCollections);
  struct Args {
    std::string name, query, description;
  };
  auto args = std::make_shared<Args>();
  CLI::App* create = collections->add_subcommand("create", "create a collection");
  create->add_option("NAME", args->name, "unique name")->required();
  create
      ->add_option("--query", args->query,
                   "query over certificate fields, e.g. 'IssuedDN -contains \"web\"'")
      ->required();
  create->add_option("--description", args->description, "free text");
  create->callback([&session, &run, args] {
    run = [&session, args] {
      json body = {{"Name", args->name}, {"Query", args->query}};
      if (!args->description.empty()) body["Description"] = args->description;
      ORCH_ASSIGN_OR_RETURN(json created,
                            CallJson(session, "POST", "/CertificateCollections", body));
      PrintObject(session, created);
      return Status::Ok();
    };
  });
}

void AddContainers(CLI::App& app, Session& session, Action& run) {
  CLI::App* containers =
      app.add_subcommand("containers", "store containers: groups of stores for permissions");
  containers->require_subcommand(1);
  AddList(containers, session, run, "list", "list containers", "/CertificateStoreContainers",
          RenderContainers);
  auto name = std::make_shared<std::string>();
  CLI::App* create = containers->add_subcommand("create", "create a container");
  create->add_option("NAME", *name, "unique name")->required();
  create->callback([&session, &run, name] {
    run = [&session, name] {
      ORCH_ASSIGN_OR_RETURN(json created, CallJson(session, "POST", "/CertificateStoreContainers",
                                                   {{"Name", *name}}));
      PrintObject(session, created);
      return Status::Ok();
    };
  });
}

// The flags of stores create/update; for update, only what was given changes.
struct StoreArgs {
  std::string id, machine, path, type, container, agent, pool, properties, password_file;
  std::vector<std::string> property;
  bool create_if_missing = false;
};

StatusOr<int> StoreType(const std::string& text) {
  if (text == "PEM" || text == "pem" || text == "2") return 2;
  if (text == "PKCS12" || text == "pkcs12" || text == "P12" || text == "p12" || text == "102") {
    return 102;
  }
  return InvalidArgumentError("--type: \"" + text.substr(0, 40) + "\" is not PEM or PKCS12");
}

// Applies the given flags of `command` to the store body.
Status ApplyStoreFlags(const StoreArgs& args, const CLI::App* command, json& body) {
  auto given = [&](const char* flag) { return command->count(flag) > 0; };
  if (given("--machine")) body["ClientMachine"] = args.machine;
  if (given("--path")) body["StorePath"] = args.path;
  if (given("--type")) {
    ORCH_ASSIGN_OR_RETURN(int type, StoreType(args.type));
    body["CertStoreType"] = type;
  }
  if (given("--container")) {
    if (args.container == "none") {
      body["ContainerId"] = nullptr;
    } else {
      char* end = nullptr;
      const long long id = std::strtoll(args.container.c_str(), &end, 10);
      if (args.container.empty() || *end != '\0' || id < 1) {
        return InvalidArgumentError("--container: a container id, or none");
      }
      body["ContainerId"] = id;
    }
  }
  if (given("--agent") && given("--pool")) {
    return InvalidArgumentError("--agent and --pool: a store is served by one agent or one pool");
  }
  if (given("--agent")) {
    ORCH_ASSIGN_OR_RETURN(std::string agent, GuidArgument(args.agent, "--agent"));
    body["AgentId"] = agent;
    body["AgentPoolId"] = nullptr;
  }
  if (given("--pool")) {
    ORCH_ASSIGN_OR_RETURN(std::string pool, GuidArgument(args.pool, "--pool"));
    body["AgentPoolId"] = pool;
    body["AgentId"] = nullptr;
  }
  if (given("--properties")) {
    StatusOr<json> properties = jobs::ParseJson(args.properties);
    if (!properties.ok() || !properties->is_object()) {
      return InvalidArgumentError(
          "--properties: a JSON object, e.g. '{\"separatePrivateKey\": true}'");
    }
    body["Properties"] = *properties;
  }
  for (const std::string& pair : args.property) {
    const size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      return InvalidArgumentError("--property: KEY=VALUE, not \"" + pair.substr(0, 40) + "\"");
    }
    if (!body["Properties"].is_object()) body["Properties"] = json::object();
    body["Properties"][pair.substr(0, equals)] = pair.substr(equals + 1);
  }
  if (given("--create-if-missing")) body["CreateIfMissing"] = args.create_if_missing;
  if (given("--password-file")) {
    ORCH_ASSIGN_OR_RETURN(std::string password,
                          ReadSecretFile(args.password_file, "--password-file"));
    body["Password"] = std::move(password);
  }
  return Status::Ok();
}

void AddStoreFlags(CLI::App* command, StoreArgs& args) {
  command->add_option("--machine", args.machine, "the store's host (ClientMachine)");
  command->add_option("--path", args.path, "the store's path on that host (StorePath)");
  command->add_option("--type", args.type, "PEM or PKCS12");
  command->add_option("--container", args.container, "container id (none: no container)");
  command->add_option("--agent", args.agent, "the agent that serves the store");
  command->add_option("--pool", args.pool,
                      "the pool whose agents serve the store (default: the Default Agent Pool)");
  command->add_option("--properties", args.properties, "Properties as a JSON object");
  command->add_option("--property", args.property, "one property as KEY=VALUE (repeatable)");
  command->add_flag("--create-if-missing{true},--no-create-if-missing{false}",
                    args.create_if_missing, "whether the agent may create a missing store file");
  command->add_option("--password-file", args.password_file,
                      "file whose first line is the store password");
}

void AddStores(CLI::App& app, Session& session, Action& run) {
  CLI::App* stores = app.add_subcommand("stores", "certificate stores: where certificates go");
  stores->require_subcommand(1);
  AddList(stores, session, run, "list", "list stores", "/CertificateStores", RenderStores);
  AddShow(stores, session, run, "show one store", "/CertificateStores", "store id");

  auto create = std::make_shared<StoreArgs>();
  CLI::App* create_command = stores->add_subcommand("create", "describe a new store");
  AddStoreFlags(create_command, *create);
  create_command->get_option("--machine")->required();
  create_command->get_option("--path")->required();
  create_command->get_option("--type")->required();
  create_command->callback([&session, &run, create, create_command] {
    run = [&session, create, create_command] {
      json body = {{"AgentPoolId", kDefaultPool}, {"Properties", json::object()}};
      ORCH_RETURN_IF_ERROR(ApplyStoreFlags(*create, create_command, body));
      ORCH_ASSIGN_OR_RETURN(json store, CallJson(session, "POST", "/CertificateStores", body));
      PrintObject(session, store);
      return Status::Ok();
    };
  });

  auto update = std::make_shared<StoreArgs>();
  CLI::App* update_command = stores->add_subcommand(
      "update", "change a store: the flags given change, the rest stays as it is");
  update_command->add_option("ID", update->id, "store id")->required();
  AddStoreFlags(update_command, *update);
  update_command->callback([&session, &run, update, update_command] {
    run = [&session, update, update_command] {
      ORCH_ASSIGN_OR_RETURN(std::string id, GuidArgument(update->id, "ID"));
      ORCH_ASSIGN_OR_RETURN(json current, CallJson(session, "GET", "/CertificateStores/" + id));
      // PUT replaces the whole store: start from what it is now (the password is kept when
      // absent), then apply the flags.
      auto member = [&current](const char* name) { return jobs::JsonMember(current, name); };
      json body = {{"Id", id},
                   {"ClientMachine", member("ClientMachine")},
                   {"StorePath", member("Storepath")},
                   {"CertStoreType", member("CertStoreType")},
                   {"ContainerId", member("ContainerId")},
                   {"AgentId", member("AgentId")},
                   {"AgentPoolId", member("AgentPoolId")},
                   {"Properties", member("Properties")},
                   {"CreateIfMissing", member("CreateIfMissing")}};
      ORCH_RETURN_IF_ERROR(ApplyStoreFlags(*update, update_command, body));
      ORCH_ASSIGN_OR_RETURN(json store, CallJson(session, "PUT", "/CertificateStores", body));
      PrintObject(session, store);
      return Status::Ok();
    };
  });

  auto doomed = std::make_shared<std::string>();
  CLI::App* delete_command =
      stores->add_subcommand("delete", "delete a store (its jobs must be unscheduled first)");
  delete_command->add_option("ID", *doomed, "store id")->required();
  delete_command->callback([&session, &run, doomed] {
    run = [&session, doomed] {
      ORCH_ASSIGN_OR_RETURN(std::string id, GuidArgument(*doomed, "ID"));
      ORCH_RETURN_IF_ERROR(CallOk(session, "DELETE", "/CertificateStores/" + id).status());
      if (!session.json) PrintText("store " + id + " deleted");
      return Status::Ok();
    };
  });
}

}  // namespace

void AddCatalogCommands(CLI::App& app, Session& session, Action& run) {
  AddCerts(app, session, run);
  AddCollections(app, session, run);
  AddContainers(app, session, run);
  auto types = std::make_shared<ListFlags>();
  CLI::App* store_types =
      app.add_subcommand("store-types", "list the store types orchd knows (PEM, PKCS12)");
  AddListFlags(store_types, *types);
  store_types->callback([&session, &run, types] {
    run = [&session, types] {
      return PrintList(session, "/CertificateStoreTypes", *types, RenderStoreTypes);
    };
  });
  AddStores(app, session, run);
}

}  // namespace orch::cli
