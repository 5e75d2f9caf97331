// The orchctl subcommands, one function per group; each adds its subcommands to `app` and sets
// `run` to the action of the one the command line names. Internal to cli/.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace orch::cli {

/// status; agents; pools; secrets.
void AddAgentCommands(CLI::App& app, Session& session, Action& run);
/// certs; collections; containers; store-types; stores.
void AddCatalogCommands(CLI::App& app, Session& session, Action& run);
/// jobs; history.
void AddJobCommands(CLI::App& app, Session& session, Action& run);

}  // namespace orch::cli
