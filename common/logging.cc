#include "common/logging.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace orch {
namespace {

// Writes the syslog priority journald reads from the start of a line (sd-daemon.h SD_ERR...).
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    int priority = 6;
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug: priority = 7; break;
      case spdlog::level::info: priority = 6; break;
      case spdlog::level::warn: priority = 4; break;
      case spdlog::level::err: priority = 3; break;
      case spdlog::level::critical: priority = 2; break;
      default: break;
    }
    dest.push_back('<');
    dest.push_back(static_cast<char>('0' + priority));
    dest.push_back('>');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

struct LogState {
  std::mutex mu;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  spdlog::level::level_enum level = spdlog::level::info;
};

LogState& State() {
  static LogState state;
  return state;
}

}  // namespace

LogFormat DetectLogFormat() {
  return LogFormatFor(std::getenv("JOURNAL_STREAM"), STDERR_FILENO);
}

LogFormat LogFormatFor(const char* journal_stream, int fd) {
  if (journal_stream == nullptr) return LogFormat::kText;
  const std::string_view text(journal_stream);
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return LogFormat::kText;
  uint64_t device = 0;
  uint64_t inode = 0;
  const char* end = text.data() + text.size();
  auto [device_end, device_error] = std::from_chars(text.data(), text.data() + colon, device);
  auto [inode_end, inode_error] = std::from_chars(text.data() + colon + 1, end, inode);
  if (device_error != std::errc() || device_end != text.data() + colon ||
      inode_error != std::errc() || inode_end != end || colon == 0 || colon + 1 == text.size()) {
    return LogFormat::kText;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) return LogFormat::kText;
  return static_cast<uint64_t>(st.st_dev) == device && static_cast<uint64_t>(st.st_ino) == inode
             ? LogFormat::kJournal
             : LogFormat::kText;
}

StatusOr<spdlog::level::level_enum> ParseLogLevel(std::string_view name) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  };
  for (const auto& [text, level] : kLevels) {
    if (text == name) return level;
  }
  return InvalidArgumentError("unknown log level \"" + std::string(name) +
                              "\" (expected trace, debug, info, warn, error, critical or off)");
}

void ConfigureLogging(spdlog::level::level_enum level, LogFormat format) {
  LogState& state = State();
  std::lock_guard lock(state.mu);
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == LogFormat::kJournal) {
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%n: %v");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %n: %v");
  }
  state.sink->set_formatter(std::move(formatter));
  state.level = level;
  spdlog::apply_all([level](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level); });
}

std::shared_ptr<spdlog::logger> GetLogger(std::string_view name) {
  LogState& state = State();
  std::lock_guard lock(state.mu);
  std::string key(name);
  if (auto existing = spdlog::get(key)) return existing;
  auto logger = std::make_shared<spdlog::logger>(key, state.sink);
  logger->set_level(state.level);
  logger->flush_on(spdlog::level::trace);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace orch
