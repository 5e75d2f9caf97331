// Status and StatusOr<T>: the error values that cross every folder boundary.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace orch {

/// A handful of codes; each maps to one ErrorBody errorCode at the API edge.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,      // a field or value is wrong (FIELD_ERROR)
  kFailedPrecondition,   // a rule is broken (VALIDATION_ERROR)
  kNotFound,             // unknown id (API_ERROR 404)
  kAlreadyExists,        // duplicate name or id (VALIDATION_ERROR 409)
  kPermissionDenied,     // missing claim (RBAC_COMMON_ERROR)
  kUnauthenticated,      // bad credentials (SECURITY_ERROR)
  kResourceExhausted,    // limits, overload: try again soon (503 RESOURCE_EXHAUSTED)
  kInsufficientStorage,  // disk full or store read-only: writes fail, reads work (507)
  kUnavailable,          // transient: retry later
  kInternal,             // a bug or an unexpected failure
};

/// Name of a code for logs and messages ("INVALID_ARGUMENT").
std::string_view StatusCodeName(StatusCode code);

/// The result of an operation: ok, or a code with a message.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// Prefixes the message with what was being done: "loading config: <message>".
  Status Context(std::string_view what) const&;
  Status Context(std::string_view what) &&;

  /// Names the request field this error is about ("Schedule.Interval.Minutes"); the API
  /// edge reports it in errorDetails.
  Status WithField(std::string field) && {
    field_ = std::move(field);
    return std::move(*this);
  }
  /// The field named by WithField(), or empty.
  const std::string& field() const { return field_; }

  /// "INVALID_ARGUMENT: message" (or "OK").
  std::string ToString() const;

  /// Explicitly discards a status where ignoring it is the right thing to do.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

Status InvalidArgumentError(std::string message);
Status FailedPreconditionError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status ResourceExhaustedError(std::string message);
/// The disk is full (or over quota) or the store is read-only: nothing can be written until
/// an operator frees space or makes it writable again.
Status InsufficientStorageError(std::string message);
Status UnavailableError(std::string message);
Status InternalError(std::string message);

/// Aborts the process, naming `status`: a StatusOr without a value was dereferenced.
[[noreturn]] void DieOnMissingValue(const Status& status);
/// The Status a StatusOr made from an ok Status holds instead (a bug in its caller).
Status OkStatusWithoutValue();

/// A value or the Status that explains why there is none. Reading the value of one that holds
/// an error aborts with that error: a bug fails loudly, in tests and in production alike.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  /// REQUIRES: !status.ok(); an ok status is kept as an Internal error instead.
  StatusOr(Status status)  // NOLINT
      : status_(status.ok() ? OkStatusWithoutValue() : std::move(status)) {}
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  /// REQUIRES: ok()
  T& value() & {
    Checked();
    return *value_;
  }
  const T& value() const& {
    Checked();
    return *value_;
  }
  T&& value() && {
    Checked();
    return std::move(*value_);
  }
  T& operator*() & {
    Checked();
    return *value_;
  }
  const T& operator*() const& {
    Checked();
    return *value_;
  }
  T* operator->() {
    Checked();
    return &*value_;
  }
  const T* operator->() const {
    Checked();
    return &*value_;
  }

 private:
  void Checked() const {
    if (!value_.has_value()) DieOnMissingValue(status_);
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace orch

/// Returns from the current function when the expression yields a non-ok Status.
#define ORCH_RETURN_IF_ERROR(expr)            \
  do {                                        \
    ::orch::Status orch_status_ = (expr);     \
    if (!orch_status_.ok()) return orch_status_; \
  } while (0)

#define ORCH_CONCAT_INNER(a, b) a##b
#define ORCH_CONCAT(a, b) ORCH_CONCAT_INNER(a, b)
#define ORCH_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

/// `ORCH_ASSIGN_OR_RETURN(auto x, MakeX());` unwraps a StatusOr or returns its Status.
#define ORCH_ASSIGN_OR_RETURN(lhs, expr) \
  ORCH_ASSIGN_OR_RETURN_IMPL(ORCH_CONCAT(orch_statusor_, __LINE__), lhs, expr)
