// The stored values of store/'s enums and job states, written as SQL literals into query text.
// Queries take every status, result and state value from here rather than spelling the digits
// or words themselves. Each statement's text is built once (a function-local static) so the
// statement cache sees one stable text per statement. Internal to store/.
//
// Literals rather than bound parameters: SQLite uses a partial index only when the query's
// WHERE repeats the index's WHERE term for term, and `status IN (?, ?)` implies nothing. The
// schema (store/migrations.cc) bakes the same values into CHECK constraints and the runs_open
// index; sql_values_test checks that they agree with the enums.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "store/agent_repository.h"
#include "store/run_store.h"

namespace orch::store::internal {

/// The statuses of a run that is still open, in the order of the runs_open index's WHERE.
inline constexpr RunStatus kOpenRunStatuses[] = {RunStatus::kWaiting, RunStatus::kInProcess};
/// The statuses of a closed run.
inline constexpr RunStatus kClosedRunStatuses[] = {RunStatus::kCompleted, RunStatus::kAcknowledged,
                                                   RunStatus::kCompletedWillRetry};

/// Every value of each stored enum, for reading them back (StoredEnum()).
inline constexpr RunStatus kRunStatuses[] = {RunStatus::kWaiting, RunStatus::kInProcess,
                                             RunStatus::kCompleted, RunStatus::kAcknowledged,
                                             RunStatus::kCompletedWillRetry};
inline constexpr RunResult kRunResults[] = {RunResult::kUnknown, RunResult::kSuccess,
                                            RunResult::kWarning, RunResult::kFailure};
inline constexpr AgentStatus kAgentStatuses[] = {AgentStatus::kNew, AgentStatus::kApproved,
                                                 AgentStatus::kDisapproved};
inline constexpr Reenrollment kReenrollments[] = {Reenrollment::kNone, Reenrollment::kRequested,
                                                  Reenrollment::kRequired};

/// `stored`, read from `column`, as one of `known`. A value that is none of them (a damaged
/// row, or one written by a newer build) throws, naming the column and the value: the store
/// call fails with Internal rather than hand on an enum value no code expects.
template <typename Enum, size_t N>
Enum StoredEnum(int64_t stored, const Enum (&known)[N], std::string_view column) {
  for (Enum value : known) {
    if (static_cast<int64_t>(value) == stored) return value;
  }
  throw std::runtime_error("the stored " + std::string(column) + " value " +
                           std::to_string(stored) + " is not one this build knows");
}

/// `value` as an SQL integer literal: "3".
template <typename Enum>
requires std::is_enum_v<Enum> std::string SqlLiteral(Enum value) {
  return std::to_string(static_cast<std::underlying_type_t<Enum>>(value));
}

/// `text` as an SQL string literal: "'Scheduled'".
inline std::string SqlLiteral(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c;
    if (c == '\'') quoted += '\'';
  }
  return quoted + "'";
}

/// `values` as the parenthesised list of an SQL IN: "(1, 2)".
template <typename Value>
std::string SqlList(std::span<const Value> values) {
  std::string list = "(";
  for (const Value& value : values) {
    if (list.size() > 1) list += ", ";
    list += SqlLiteral(value);
  }
  return list + ")";
}

/// "(1, 2)": the open statuses, as the runs_open index's WHERE lists them.
inline const std::string& OpenRunStatusList() {
  static const std::string kList = SqlList<RunStatus>(kOpenRunStatuses);
  return kList;
}

}  // namespace orch::store::internal
