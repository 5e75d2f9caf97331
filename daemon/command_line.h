// The orchd command line (common/command_line.h) and --check-config.
#pragma once

#include <string>

#include "common/command_line.h"

namespace orch::daemon {

/// Parses orchd's argv; an empty config_path means the packaged file or the embedded defaults.
CommandLine ParseCommandLine(int argc, char** argv);

/// --check-config: checks the file (config::CheckFile) as start would, prints the first error,
/// or the warnings and "FILE: ok", and returns kExitFailure or kExitOk.
int CheckConfigCommand(const std::string& path);

}  // namespace orch::daemon
