// Logging: one named spdlog logger per folder, all writing to stderr through one sink.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/status.h"

namespace orch {

/// Output style. kJournal prefixes each line with its syslog priority ("<3>") and leaves the
/// timestamp to journald; kText is for terminals and files.
enum class LogFormat { kText, kJournal };

/// The `logging` section of a configuration file (orchd's and orch-agent's alike).
struct LoggingConfig {
  spdlog::level::level_enum level = spdlog::level::info;
  std::optional<LogFormat> format;  // empty: auto, i.e. DetectLogFormat()
  friend bool operator==(const LoggingConfig&, const LoggingConfig&) = default;
};

/// kJournal when stderr is connected to the journal, else kText: LogFormatFor(JOURNAL_STREAM,
/// stderr).
LogFormat DetectLogFormat();

/// kJournal when `journal_stream` ("<device>:<inode>", as systemd sets JOURNAL_STREAM for a
/// service whose output goes to journald) names the file open as `fd`, as sd_journal_stream_fd
/// documents; kText when it is null, malformed or names another file (output redirected).
LogFormat LogFormatFor(const char* journal_stream, int fd);

/// Parses "trace", "debug", "info", "warn", "error", "critical" or "off".
StatusOr<spdlog::level::level_enum> ParseLogLevel(std::string_view name);

/// Sets the output format and the level of every logger (existing and future).
void ConfigureLogging(spdlog::level::level_enum level, LogFormat format);

/// The logger named `name` ("daemon", "net", ...), created on first use.
std::shared_ptr<spdlog::logger> GetLogger(std::string_view name);

}  // namespace orch
