// Errors as values at the libsecu boundary.
//
// A secu::Error carries a closed `Kind` (what HTTP status and CLI exit code it maps to), a
// snake_case `code` that clients branch on, and a `message` that is safe to show to the caller:
// no SQL text, no secret, no stack trace. Every function of libsecu that can fail returns
// Result<T>; success costs one std::variant. Exceptions are left to the top level of the
// programs (an unexpected one becomes a generic 500 / exit 1).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <variant>

namespace secu {

enum class ErrorKind {
  kInvalid,           // 400: malformed or failing validation
  kUnauthenticated,   // 401: no, bad or expired credentials
  kForbidden,         // 403: known principal, not allowed
  kNotFound,          // 404: absent, or another tenant's
  kMethodNotAllowed,  // 405
  kConflict,          // 409: unique constraint, double decision, idempotency mismatch
  kTooLarge,          // 413
  kRateLimited,       // 429
  kInternal,          // 500: a bug; message is generic
  kUpstream,          // 502: an upstream service answered an error
  kUnavailable,       // 503: storage busy, full, read-only or failed
  kTimeout,           // 504: an upstream did not answer in time
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string code;     // snake_case, stable: "not_found", "policy_denied", ...
  std::string message;  // safe to show
  std::string field;    // the offending input field, when there is one
  // Extra string fields rendered beside code/message (policy_id, deny_reason, retry_after...).
  std::map<std::string, std::string> extra;

  static Error invalid(std::string message, std::string field = {}) {
    return {ErrorKind::kInvalid, "invalid_request", std::move(message), std::move(field), {}};
  }
  static Error not_found(std::string what) {
    return {ErrorKind::kNotFound, "not_found", std::move(what) + " not found", {}, {}};
  }
  static Error conflict(std::string code, std::string message) {
    return {ErrorKind::kConflict, std::move(code), std::move(message), {}, {}};
  }
  static Error unauthenticated(std::string message = "authentication required") {
    return {ErrorKind::kUnauthenticated, "unauthenticated", std::move(message), {}, {}};
  }
  static Error forbidden(std::string message = "not allowed") {
    return {ErrorKind::kForbidden, "forbidden", std::move(message), {}, {}};
  }
  static Error unavailable(std::string message = "storage unavailable") {
    return {ErrorKind::kUnavailable, "unavailable", std::move(message), {}, {}};
  }
  static Error internal(std::string message = "internal error") {
    return {ErrorKind::kInternal, "internal", std::move(message), {}, {}};
  }
  static Error make(ErrorKind kind, std::string code, std::string message) {
    return {kind, std::move(code), std::move(message), {}, {}};
  }
};

// The HTTP status of an error kind; one mapping for the whole daemon.
int http_status(ErrorKind kind);
// The secuctl exit code of an HTTP status (DESIGN.md: 1 error, 3 auth, 4 not found, 5 conflict).
int exit_code_for_status(int status);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : m_v(std::move(error)) {}  // NOLINT
  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T* operator->() { return &std::get<0>(m_v); }
  const T* operator->() const { return &std::get<0>(m_v); }
  T& operator*() & { return std::get<0>(m_v); }
  const T& operator*() const& { return std::get<0>(m_v); }
  T&& operator*() && { return std::get<0>(std::move(m_v)); }
  const Error& error() const { return std::get<1>(m_v); }
  Error&& take_error() { return std::get<1>(std::move(m_v)); }

 private:
  std::variant<T, Error> m_v;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)), m_ok(false) {}  // NOLINT
  bool ok() const { return m_ok; }
  explicit operator bool() const { return m_ok; }
  const Error& error() const { return m_error; }
  Error&& take_error() { return std::move(m_error); }

 private:
  Error m_error;
  bool m_ok = true;
};

using Status = Result<void>;

}  // namespace secu

// Propagates an error out of a function returning Result<...>:
//   SECU_TRY(auto row, load(id));   or   SECU_TRY_VOID(write(x));
#define SECU_CONCAT_INNER(a, b) a##b
#define SECU_CONCAT(a, b) SECU_CONCAT_INNER(a, b)
#define SECU_TRY_IMPL(tmp, decl, expr)    \
  auto tmp = (expr);                      \
  if (!tmp.ok()) return tmp.take_error(); \
  decl = std::move(tmp).value()
#define SECU_TRY(decl, expr) SECU_TRY_IMPL(SECU_CONCAT(secu_try_, __LINE__), decl, expr)
#define SECU_TRY_VOID(expr)                               \
  do {                                                    \
    auto secu_try_v = (expr);                             \
    if (!secu_try_v.ok()) return secu_try_v.take_error(); \
  } while (0)
